import { Worker } from 'node:worker_threads';
import { Observable } from 'rxjs';
import { ClosedError, formatAddress, type Connection, type Transport } from '@rxmsg/node';
import { PortConnection } from './port-connection';
import { isPortMessage } from './port-message';

/** A transport to the hello server running in a worker thread, and the way to stop that worker. */
export interface HelloWorker {
  /** Dials `worker://hello:0`: each connection is a session of the worker's session host. */
  readonly transport: Transport;
  /** The address to give `createClient`. */
  readonly address: string;
  /** Close the worker's host (its sessions close gracefully) and wait for the thread to exit. */
  close(): Promise<void>;
}

/**
 * Start the hello server in a worker thread. It has no socket: its session host serves each
 * connection this transport makes, over `postMessage`. Any rxmsg client runs over it.
 *
 * @example
 * ```ts
 * const worker = startHelloWorker();
 * const client = createClient({ connect: worker.address, transports: [worker.transport], protocol: HelloProtocol, processor: helloClientProcessor('Ada') });
 * await client.closed;
 * await worker.close();
 * ```
 */
export function startHelloWorker(): HelloWorker {
  const worker = spawn();
  const connections = new Map<number, PortConnection>();
  let nextConn = 1;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping = false;
  worker.on('message', (raw: unknown) => {
    if (!isPortMessage(raw) || raw.type === 'shutdown') return;
    connections.get(raw.conn)?.received(raw);
  });
  // A worker that fails ends its connections; the failure is theirs to report (as a transport error would be).
  worker.on('error', () => {
    for (const c of [...connections.values()]) c.received({ type: 'closed', conn: c.conn });
  });
  const transport: Transport = {
    schemes: ['worker'],
    listen: () => Promise.reject(new ClosedError('the hello worker transport only connects')),
    connect: (address) =>
      new Observable<Connection>((subscriber) => {
        if (stopping) {
          subscriber.error(new ClosedError('the hello worker is stopping'));
          return;
        }
        const c = new PortConnection(nextConn++, formatAddress(address), (m) => worker.postMessage(m), (gone) => connections.delete(gone.conn));
        connections.set(c.conn, c);
        subscriber.next(c);
        subscriber.complete();
      }),
  };
  return {
    transport,
    address: 'worker://hello:0',
    close: async () => {
      if (!stopping) {
        stopping = true;
        worker.postMessage({ type: 'shutdown' });
      }
      await exited;
    },
  };
}

/**
 * The worker: the compiled script; or, when running from the TypeScript sources (tests, under ts-node),
 * the source file with ts-node's transpile-only hook preloaded in the thread (Node does not start a
 * worker from a `.ts` path).
 */
function spawn(): Worker {
  if (__filename.endsWith('.js')) return new Worker(require.resolve('./hello-worker.js'));
  const source = require.resolve('./hello-worker.ts');
  // Export conditions carry over (sources resolve to sources); V8 flags such as --expose-gc are refused by workers.
  const conditions = process.execArgv.filter((a) => a.startsWith('--conditions'));
  return new Worker(`require(${JSON.stringify(source)});`, { eval: true, execArgv: [...conditions, '--require', TS_NODE_HOOK] });
}

/** ts-node's hook, preloaded in a worker started from sources (ts-node is then what runs this file). */
const TS_NODE_HOOK = 'ts-node/register/transpile-only';
