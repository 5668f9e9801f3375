/**
 * The hello server in a worker thread, without sockets: a session host whose sessions talk to the
 * main thread through `postMessage` (see {@link PortMessage}). Started by {@link startHelloWorker}.
 */
import { parentPort } from 'node:worker_threads';
import { createSessionHost, type HostedSession } from '@rxmsg/node';
import { HelloProtocol } from '../protocol';
import { helloServerProcessor } from '../server';
import { isPortMessage, type PortMessage } from './port-message';

async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const host = await createSessionHost({
    protocol: HelloProtocol,
    processor: helloServerProcessor,
    config: { onDecodeError: 'reply', maxFrameBytes: 4096 } as const,
  });
  const post = (m: PortMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const sessions = new Map<number, HostedSession>();
  // Tell the main thread when a session ends, whoever ended it (the client, the server's policy, a failure).
  const byPeer = new Map<number, number>();
  host.events$.subscribe((e) => {
    if (e.type !== 'disconnected') return;
    const conn = byPeer.get(e.peerId);
    if (conn === undefined) return;
    byPeer.delete(e.peerId);
    sessions.delete(conn);
    post({ type: 'closed', conn });
  });
  port.on('message', (raw: unknown) => {
    if (!isPortMessage(raw)) return;
    switch (raw.type) {
      case 'open': {
        const conn = raw.conn;
        // Each reply chunk is a fresh copy the session does not keep: its buffer can be transferred.
        const session = host.session((bytes) => post({ type: 'data', conn, bytes }, [bytes.buffer as ArrayBuffer]));
        if (session.peerId === undefined) post({ type: 'closed', conn });
        else {
          sessions.set(conn, session);
          byPeer.set(session.peerId, conn);
        }
        break;
      }
      case 'data':
        sessions
          .get(raw.conn)
          ?.handleRequest(raw.bytes)
          .then(
            () => post({ type: 'ack', conn: raw.conn, bytes: raw.bytes.length }),
            () => {}, // closed meanwhile: the `closed` message follows from the event above
          );
        break;
      case 'end':
        void sessions.get(raw.conn)?.close();
        break;
      case 'shutdown':
        void host.close().then(() => port.close());
        break;
      default:
        break;
    }
  });
}

if (parentPort !== null) void main(parentPort);
