/**
 * `npm run bench:shm`: small messages (32-byte JSON lines) between the main thread and a worker
 * thread, over a shared-memory link, a `MessagePort` (structured clone of the same message as an
 * object) and a Unix socket; raw (each transport alone) and through rxmsg (server on the main
 * thread, client in the worker; no rxmsg transport exists over a `MessagePort`). One-way:
 * messages/s from the first byte received to the last. Ping-pong: round trips/s, one message in
 * flight, after the first round trip (thread start-up and connecting are not counted). Prints a table and the ratios against the Unix socket
 * measured in the same round.
 *
 * Options: `--quick` (few messages: checks the harness), `--repeat N` (rounds, default 3; each round
 * runs every system once, so the ratios compare runs made under the same load), `--only a,b` (these
 * systems only, e.g. `--only raw-shm,raw-unix`). Progress goes to stderr, the table to stdout.
 */
import { createServer as netServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { filter, map, tap } from 'rxjs';
import { createServer, createSharedMemoryLink, sharedMemoryTransport, tcpTransport } from '@rxmsg/node';
import { SharedMemoryConnection } from '@rxmsg/node/internal';
import { BenchEcho, benchLine, type ShmBenchJob } from './shm-bench-protocol';
import { runBenchEntry } from './bench-entry';

const quick = process.argv.includes('--quick');
const repeatAt = process.argv.indexOf('--repeat');
const REPEAT = repeatAt > 0 ? Number(process.argv[repeatAt + 1]) : quick ? 1 : 3;
const N_RAW = quick ? 20_000 : 1_000_000;
const N_RX = quick ? 5_000 : 200_000;
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt > 0 ? process.argv[onlyAt + 1]?.split(',') : undefined;
const N_PP = quick ? 1_000 : 20_000;
const LINE = benchLine(0).length;
const WORKER = join(__dirname, 'shm-worker.js');
const dir = mkdtempSync(join(tmpdir(), 'rxmsg-bench-shm-'));
let sockets = 0;

function startWorker(job: ShmBenchJob, transfer: readonly (import('node:worker_threads').MessagePort)[] = []): { worker: Worker; done: Promise<number | undefined> } {
  const worker = new Worker(WORKER, { workerData: job, transferList: [...transfer] });
  const done = new Promise<number | undefined>((resolve, reject) => {
    worker.on('message', (m: { type: string; ms?: number }) => m.type === 'done' && resolve(m.ms));
    worker.once('error', reject);
  });
  return { worker, done };
}

async function finish(worker: Worker): Promise<void> {
  await worker.terminate();
}

/** Messages/s one-way: raw shm, port, unix. */
async function rawOneWay(kind: 'raw-shm' | 'raw-port' | 'raw-unix'): Promise<number> {
  const n = N_RAW;
  const expected = n * LINE;
  let t0 = 0;
  return new Promise<number>((resolve, reject) => {
    const fin = (w: Worker, cleanup: () => void): void => {
      const rate = n / ((performance.now() - t0) / 1000);
      cleanup();
      void finish(w).then(() => resolve(rate), reject);
    };
    if (kind === 'raw-shm') {
      const [mine, theirs] = createSharedMemoryLink();
      const c = new SharedMemoryConnection(mine);
      let got = 0;
      let w: Worker;
      c.start({ onData: (b) => { if (got === 0) t0 = performance.now(); if ((got += b.length) >= expected) fin(w, () => c.destroy()); }, onEnd: () => {}, onDrain: () => {}, onClose: () => {} });
      w = startWorker({ kind, mode: 'one-way', n, end: theirs }, [theirs.port]).worker;
    } else if (kind === 'raw-port') {
      const { port1, port2 } = new MessageChannel();
      let got = 0;
      let w: Worker;
      port1.on('message', () => { if (got === 0) t0 = performance.now(); if (++got === n) fin(w, () => port1.close()); });
      w = startWorker({ kind, mode: 'one-way', n, port: port2 }, [port2]).worker;
    } else {
      const path = join(dir, `s${sockets++}.sock`);
      let got = 0;
      let w: Worker;
      const server = netServer((s: Socket) => s.on('data', (b) => { if (got === 0) t0 = performance.now(); if ((got += b.length) >= expected) fin(w, () => { s.destroy(); server.close(); }); }));
      server.listen(path, () => (w = startWorker({ kind, mode: 'one-way', n, path }).worker));
    }
  });
}

/** Round trips/s: the main thread sends one message, the worker echoes it, n times. */
async function rawPingPong(kind: 'raw-shm' | 'raw-port' | 'raw-unix'): Promise<number> {
  const n = N_PP;
  const line = benchLine(1);
  return new Promise<number>((resolve, reject) => {
    let rounds = 0;
    let t0 = 0;
    let w: Worker;
    const end = (cleanup: () => void): void => {
      const rate = (n - 1) / ((performance.now() - t0) / 1000);
      cleanup();
      void finish(w).then(() => resolve(rate), reject);
    };
    if (kind === 'raw-shm') {
      const [mine, theirs] = createSharedMemoryLink();
      const c = new SharedMemoryConnection(mine);
      let got = 0;
      c.start({
        onData: (b) => {
          got += b.length;
          if (got < line.length) return;
          got -= line.length;
          if (++rounds === 1) t0 = performance.now();
          if (rounds === n) end(() => c.destroy());
          else c.write(line);
        },
        onEnd: () => {},
        onDrain: () => {},
        onClose: () => {},
      });
      w = startWorker({ kind, mode: 'ping-pong', n, end: theirs }, [theirs.port]).worker;
      c.write(line);
    } else if (kind === 'raw-port') {
      const { port1, port2 } = new MessageChannel();
      const m = { kind: 'Ping', n: 1, p: 'xxxxxxxx' };
      port1.on('message', () => {
        if (++rounds === 1) t0 = performance.now();
        if (rounds === n) end(() => port1.close());
        else port1.postMessage(m);
      });
      w = startWorker({ kind, mode: 'ping-pong', n, port: port2 }, [port2]).worker;
      port1.postMessage(m);
    } else {
      const path = join(dir, `s${sockets++}.sock`);
      const server = netServer((s: Socket) => {
        s.setNoDelay(true);
        let got = 0;
        s.on('data', (b) => {
          got += b.length;
          if (got < line.length) return;
          got -= line.length;
          if (++rounds === 1) t0 = performance.now();
          if (rounds === n) end(() => { s.destroy(); server.close(); });
          else s.write(line);
        });
        s.write(line);
      });
      server.listen(path, () => (w = startWorker({ kind, mode: 'ping-pong', n, path }).worker));
    }
  });
}

/** Through rxmsg: server on the main thread, client in a worker, over shm or a Unix socket. */
async function rx(kind: 'rx-shm' | 'rx-unix', mode: 'one-way' | 'ping-pong'): Promise<number> {
  const n = mode === 'one-way' ? N_RX : N_PP;
  const shm = sharedMemoryTransport();
  let received = 0;
  let first = 0;
  let allIn!: () => void;
  const all = new Promise<void>((resolve) => (allIn = resolve));
  const path = join(dir, `s${sockets++}.sock`);
  const server = await createServer({
    listen: kind === 'rx-shm' ? 'shm://bench:0' : `unix:${path}`,
    transports: [shm, tcpTransport()],
    protocol: BenchEcho,
    // One-way: nothing goes back. The client never reads answers, so answering every Ping would fill
    // its receive queue (receiveQueueLimit), backpressure would stop both directions, and the run would hang.
    processor: (in$) =>
      in$.pipe(
        tap(() => {
          if (++received === 1) first = performance.now();
          if (received === n) allIn();
        }),
        mode === 'one-way' ? filter(() => false) : map((m) => m),
        map((m) => ({ kind: 'Pong', n: m.n }) as const),
      ),
  });
  try {
    const job: ShmBenchJob = { kind, mode, n, path };
    let started: { worker: Worker; done: Promise<number | undefined> };
    if (kind === 'rx-shm') {
      const [mine, theirs] = createSharedMemoryLink();
      shm.offer(mine);
      started = startWorker({ ...job, end: theirs }, [theirs.port]);
    } else started = startWorker(job);
    if (mode === 'one-way') {
      await all;
      const rate = (n - 1) / ((performance.now() - first) / 1000);
      await started.done;
      await finish(started.worker);
      return rate;
    }
    const ms = (await started.done)!;
    await finish(started.worker);
    return (n - 1) / (ms / 1000);
  } finally {
    await server.close();
  }
}

type System = 'raw-shm' | 'raw-port' | 'raw-unix' | 'rx-shm' | 'rx-unix';
const SYSTEMS: readonly System[] = ['raw-shm', 'raw-port', 'raw-unix', 'rx-shm', 'rx-unix'];

/** A run that takes longer than this is reported and ends the benchmark (exit code 1) rather than hanging. */
const RUN_TIMEOUT_MS = 180_000;

async function measure(system: System, mode: 'one-way' | 'ping-pong'): Promise<number> {
  const run = system.startsWith('rx') ? rx(system as 'rx-shm' | 'rx-unix', mode) : mode === 'one-way' ? rawOneWay(system as 'raw-shm') : rawPingPong(system as 'raw-shm');
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${system} ${mode}: no result after ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number): string => Math.round(x).toLocaleString('en');
const range = (xs: readonly number[]): string => `${median(xs).toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

async function main(): Promise<void> {
  const systems = ONLY === undefined ? SYSTEMS : SYSTEMS.filter((s) => ONLY.includes(s));
  // results[system][mode][repetition]; repetitions are interleaved (every system once per round), so a
  // ratio compares two runs made close together, under the same load.
  const results = new Map<System, { 'one-way': number[]; 'ping-pong': number[] }>(systems.map((s) => [s, { 'one-way': [], 'ping-pong': [] }]));
  for (let r = 0; r < REPEAT; r++) {
    for (const mode of ['one-way', 'ping-pong'] as const) {
      for (const system of systems) {
        const t = performance.now();
        const rate = await measure(system, mode);
        results.get(system)![mode].push(rate);
        console.error(`round ${r + 1}/${REPEAT} ${system} ${mode}: ${fmt(rate)}/s (${Math.round(performance.now() - t)} ms)`);
      }
    }
  }
  console.log(`${LINE}-byte messages, ${REPEAT} interleaved rounds; one-way ${N_RAW} raw / ${N_RX} rxmsg messages, ping-pong ${N_PP} round trips`);
  console.log('Rates: median of the rounds. Ratios: median (min–max) of the per-round ratios against the Unix socket of the same kind (raw or rxmsg).');
  console.log('');
  console.log('| system | one-way msg/s | vs unix | ping-pong rt/s | vs unix |');
  console.log('|---|---:|---:|---:|---:|');
  for (const system of systems) {
    const own = results.get(system)!;
    const base = results.get(system.startsWith('rx') ? 'rx-unix' : 'raw-unix');
    const ratios = (mode: 'one-way' | 'ping-pong'): string => (base === undefined ? '–' : range(own[mode].map((x, i) => x / base[mode][i]!)));
    console.log(`| ${system} | ${fmt(median(own['one-way']))} | ${ratios('one-way')} | ${fmt(median(own['ping-pong']))} | ${ratios('ping-pong')} |`);
  }
  const shm = results.get('rx-shm');
  const raw = results.get('raw-shm');
  if (shm !== undefined && raw !== undefined) {
    const over = (mode: 'one-way' | 'ping-pong'): string => range(shm[mode].map((x, i) => x / raw[mode][i]!));
    console.log('');
    console.log(`rxmsg over shm / raw shm: one-way ${over('one-way')}, ping-pong ${over('ping-pong')}`);
  }
}

runBenchEntry({ module, main: () => main().finally(() => rmSync(dir, { recursive: true, force: true })), exitWhenDone: false });
