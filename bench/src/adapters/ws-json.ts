import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import { asNumbered, jsonMessage } from './json-lines';

/**
 * Bytes the one-way sender lets `ws` buffer (its `bufferedAmount`: the socket's write buffer
 * plus frames not yet handed to it) before it waits: 1 MiB, the high-water mark of rxmsg's
 * WebSocket transport.
 */
const HIGH_WATER_BYTES = 1_048_576;

/** The `n` of a text message `{"kind":<kind>,"n":<integer>}`, or `undefined`. */
function decode(data: RawData, isBinary: boolean, kind: 'Ping' | 'Pong'): number | undefined {
  if (isBinary) return undefined;
  let value: unknown;
  try {
    // Text messages arrive as one Buffer (ws's default binaryType 'nodebuffer').
    value = JSON.parse(data.toString());
  } catch {
    return undefined;
  }
  return asNumbered(value, kind);
}

/**
 * The `ws` package as an application would use it: a `WebSocketServer` and `WebSocket`
 * clients, one JSON text message per WebSocket message, `JSON.parse` and a hand-written type
 * check on receipt, `ws.send()` per message (no batching). `ws` sets `noDelay` on its sockets.
 * The one-way sender stops when `bufferedAmount` passes 1 MiB and goes on from the send
 * callback of the message that crossed it (called once it is written to the socket).
 */
export const wsJson: SystemAdapter = {
  name: 'ws-json',
  family: 'peer',
  description:
    'the ws package (8.x) over WebSocket (ws://127.0.0.1:port/bench): WebSocketServer and WebSocket, one JSON text message per ' +
    'frame built with JSON.stringify, JSON.parse()d and type-checked by hand on receipt; one ws.send() per message',
  settings:
    'perMessageDeflate: false on both sides (the server default; rxmsg\'s default too); the one-way sender waits while ' +
    'bufferedAmount is over 1 MiB (ws has no drain event on the WebSocket)',

  serve(run: ServerRun): Promise<RunningServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/bench', perMessageDeflate: false });
      wss.once('error', reject);
      wss.on('connection', (ws) => {
        ws.on('error', (e) => run.problem(`server socket error: ${e.message}`));
        ws.on('message', (data, isBinary) => {
          const n = decode(data, isBinary, 'Ping');
          if (n === undefined) {
            run.problem('server: a message that is not a Ping');
            ws.terminate();
          } else if (run.kind === 'sink') run.receiver.onPing(n);
          else ws.send(jsonMessage('Pong', n));
        });
      });
      wss.once('listening', () => {
        wss.off('error', reject);
        wss.on('error', (e) => run.problem(`server error: ${e.message}`));
        const { port } = wss.address() as AddressInfo; // listening on a TCP port: always an AddressInfo
        resolve({
          address: `ws://127.0.0.1:${port}/bench`,
          close: () =>
            new Promise<void>((done) => {
              for (const ws of wss.clients) ws.terminate();
              wss.close(() => done());
            }),
        });
      });
    });
  },

  runClient(run: ClientRun): Promise<void> {
    return new Promise<void>((resolve) => {
      const ws = new WebSocket(run.address, { perMessageDeflate: false });
      ws.on('error', (e) => run.problem(`client socket error: ${e.message}`));
      ws.on('close', () => {
        if (run.kind === 'requests') run.driver.connectionEnded('connection closed');
        resolve();
      });
      if (run.kind === 'one-way') {
        let n = 0;
        const pump = (): void => {
          while (n < run.total) {
            const message = jsonMessage('Ping', n++);
            if (ws.bufferedAmount >= HIGH_WATER_BYTES) {
              ws.send(message, (error) => {
                if (error === undefined || error === null) pump();
              });
              return;
            }
            ws.send(message);
          }
          ws.close();
        };
        ws.once('open', pump);
        return;
      }
      const d = run.driver;
      const sendAllowed = (): void => {
        for (let n = d.nextRequest(); n !== undefined; n = d.nextRequest()) ws.send(jsonMessage('Ping', n));
        if (d.finished) ws.close();
      };
      d.setWake(sendAllowed);
      ws.once('open', sendAllowed);
      ws.on('message', (data, isBinary) => {
        const n = decode(data, isBinary, 'Pong');
        if (n === undefined) {
          run.problem('client: a message that is not a Pong');
          ws.terminate();
          return;
        }
        d.onReply(n);
        sendAllowed();
      });
    });
  },
};
