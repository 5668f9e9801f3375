/**
 * The worker-thread side of `shm.ts`: sends or echoes small messages over one transport.
 * `workerData` is a {@link ShmBenchJob}; the worker posts `{ type: 'done', ms? }` when its part is over.
 */
import { connect, type Socket } from 'node:net';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Observable, take } from 'rxjs';
import { createClient, sharedMemoryTransport, tcpTransport, type SharedMemoryEnd } from '@rxmsg/node';
import { SharedMemoryConnection } from '@rxmsg/node/internal';
import { BenchEcho, benchLine, type ShmBenchJob } from './shm-bench-protocol';

const job = workerData as ShmBenchJob;
const done = (ms?: number): void => parentPort!.postMessage({ type: 'done', ms });

/** Writes `n` lines through `write`, waiting for `drain` after a `false`. */
function sendLines(n: number, write: (line: string) => boolean, whenDrained: (go: () => void) => void, finish: () => void): void {
  let i = 0;
  const pump = (): void => {
    while (i < n) if (!write(benchLine(i++))) return whenDrained(pump);
    finish();
  };
  pump();
}

if (job.kind === 'raw-shm') {
  const c = new SharedMemoryConnection(job.end as SharedMemoryEnd);
  let drained: (() => void) | undefined;
  c.start({
    onData: (b) => job.mode === 'ping-pong' && c.write(b),
    onEnd: () => c.end(),
    onDrain: () => drained?.(),
    onClose: () => {},
  });
  if (job.mode === 'one-way') sendLines(job.n, (l) => c.write(l), (go) => (drained = go), () => { done(); c.end(); });
} else if (job.kind === 'raw-port') {
  const port = job.port as MessagePort;
  if (job.mode === 'one-way') {
    for (let i = 0; i < job.n; i++) port.postMessage({ kind: 'Ping', n: i, p: 'x' });
    done();
    port.close();
  } else {
    port.on('message', (m: unknown) => (m === 'stop' ? port.close() : port.postMessage(m)));
  }
} else if (job.kind === 'raw-unix') {
  const s: Socket = connect(job.path!);
  s.setNoDelay(true);
  s.on('error', () => {});
  if (job.mode === 'ping-pong') s.on('data', (b) => s.write(b));
  else s.once('connect', () => sendLines(job.n, (l) => s.write(l), (go) => s.once('drain', go), () => { done(); s.end(); }));
} else {
  // rxmsg client over shm or unix
  const transports = job.kind === 'rx-shm' ? [sharedMemoryTransport({ dial: () => job.end as SharedMemoryEnd })] : [tcpTransport()];
  const address = job.kind === 'rx-shm' ? 'shm://bench:0' : `unix:${job.path!}`;
  let t0 = 0;
  const client = createClient({
    connect: address,
    transports,
    protocol: BenchEcho,
    processor:
      job.mode === 'one-way'
        ? () => (function* () {
            for (let i = 0; i < job.n; i++) yield { kind: 'Ping', n: i, p: 'x' } as const;
          })()
        : (in$) =>
            new Observable<{ readonly kind: 'Ping'; readonly n: number; readonly p: string }>((sub) => {
              sub.next({ kind: 'Ping', n: 0, p: 'x' });
              const s = in$.pipe(take(job.n)).subscribe({
                next: (m) => {
                  if (m.n === 0) t0 = performance.now();
                  if (m.n + 1 < job.n) sub.next({ kind: 'Ping', n: m.n + 1, p: 'x' });
                },
                complete: () => sub.complete(),
              });
              return () => s.unsubscribe();
            }),
  });
  if (job.mode === 'ping-pong') void client.closed.then(() => done(performance.now() - t0));
  else void client.closed.then(() => done());
}
