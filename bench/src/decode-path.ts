/**
 * The decode path of a server receiving batched one-way traffic: `npm run bench:decode`.
 *
 * Four receivers in this process, each counting the Pings it gets: `raw-json` (node:net, lines split
 * by hand, `JSON.parse`, tag and `n` checked: the baseline), `rxmsg-text` (rxmsg server, text codec,
 * full zod validation, the default), `rxmsg-text-tag` (the same with `validation: 'tag'`) and
 * `rxmsg-binary` (MessagePack, full validation). The load runs in a child process: plain sockets
 * writing the same pre-encoded 64 KiB block of frames again and again (see raw-load.ts), so the
 * receiver is the bound. Each run: a fresh receiver, a warm-up, then the messages received within a
 * window. ROUNDS rounds, each running every receiver once in a rotated order; medians, and the
 * median of each round's ratio to `raw-json`.
 *
 * Then the in-process microbench (decode-micro.ts): the same decoders fed 64 KiB blocks directly,
 * without sockets or rxjs, interleaved the same way.
 *
 * Options: `--quick` (tiny configuration for the smoke test, nothing written), `--system a,b`
 * (only those receivers, e.g. to profile one with `node --cpu-prof`; nothing written), `--only-part sockets|micro`
 * (only the socket runs or only the in-process microbench; nothing written). A full run
 * writes its section of bench/RESULTS.md between `<!-- decode-path:start -->` and `<!-- decode-path:end -->`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { LineSplitter, parseNumbered } from './adapters/json-lines';
import { loadRxmsg } from './adapters/bench-protocols';
import { MICRO_DECODERS, microRate, pingLines, type MicroDecoder } from './decode-micro';
import { median } from './figures';
import { cpuBusy } from './machine';
import { pingBlock } from './raw-load';
import { runBenchEntry, type BenchOutcome } from './bench-entry';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 7;
const WARMUP_MS = quick ? 150 : 600;
const WINDOW_MS = quick ? 300 : 2_000;
const MICRO_MS = quick ? 100 : 1_000;
const CONNECTIONS = 4;
const STEP_DEADLINE_MS = 60_000;

const SYSTEMS = ['raw-json', 'rxmsg-text', 'rxmsg-text-tag', 'rxmsg-binary'] as const;
type System = (typeof SYSTEMS)[number];
const BASELINE: System = 'raw-json';

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** A receiver listening on loopback: its port, the Pings it has counted, and how to close it. */
interface Receiver {
  readonly port: number;
  readonly count: () => number;
  readonly close: () => Promise<void>;
}

async function rawReceiver(): Promise<Receiver> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    const splitter = new LineSplitter();
    const onLine = (line: string): void => {
      if (parseNumbered(line, 'Ping') !== undefined) count++;
    };
    socket.on('data', (chunk: string) => {
      if (!splitter.push(chunk, onLine)) socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function rxmsgReceiver(system: Exclude<System, 'raw-json'>): Promise<Receiver> {
  const { node, rxjs, protocols } = loadRxmsg();
  let count = 0;
  const server = await node.createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: system === 'rxmsg-binary' ? protocols.binary : protocols.text,
    ...(system === 'rxmsg-text-tag' ? { config: { validation: 'tag' as const } } : {}),
    processor: (in$) =>
      in$.pipe(
        rxjs.tap(() => count++),
        rxjs.ignoreElements(),
      ),
  });
  return { port: Number(new URL(server.addresses()[0]!.replace('tcp://', 'http://')).port), count: () => count, close: () => server.close() };
}

/** Pings per CPU second of this process (the receiver; the load is another process) in each system's last run. */
const lastCpuRate = new Map<System, number>();

/** One run: Pings per second `system` received (and, in {@link lastCpuRate}, per CPU second of the receiver). */
async function runOnce(system: System): Promise<number> {
  const receiver = system === 'raw-json' ? await rawReceiver() : await rxmsgReceiver(system);
  let load: ChildProcess | undefined;
  try {
    const codec = system === 'rxmsg-binary' ? 'binary' : 'text';
    const l = fork(__filename, ['--role', 'load', '--codec', codec, '--port', String(receiver.port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    load = l;
    await withTimeout(new Promise<void>((resolve) => l.on('message', (m: { bench?: string }) => m.bench === 'ready' && resolve())), STEP_DEADLINE_MS, 'the load connected');
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const c0 = receiver.count();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const received = receiver.count() - c0;
    const cpu = process.cpuUsage(cpu0);
    lastCpuRate.set(system, (received * 1e6) / Math.max(1, cpu.user + cpu.system));
    return (received * 1000) / (performance.now() - t0);
  } finally {
    if (load !== undefined && load.exitCode === null) {
      const child = load;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await withTimeout(exited, 10_000, 'the load to exit').catch(() => child.kill('SIGKILL'));
    }
    await withTimeout(receiver.close(), STEP_DEADLINE_MS, 'the receiver to close');
  }
}

/** The load process: CONNECTIONS sockets writing one pre-encoded 64 KiB block of Pings again and again. */
function loadRole(): void {
  const { block } = argOf('--codec') === 'binary' ? pingBlock(64 * 1024) : pingLines(64 * 1024);
  const port = Number(argOf('--port'));
  const sockets: Socket[] = [];
  let stopped = false;
  let connected = 0;
  const pump = (s: Socket): void => {
    while (!stopped && !s.destroyed) {
      if (!s.write(block)) {
        s.once('drain', () => pump(s));
        return;
      }
    }
  };
  for (let i = 0; i < CONNECTIONS; i++) {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => {
      if (++connected === CONNECTIONS) {
        process.send?.({ bench: 'ready' });
        for (const x of sockets) pump(x);
      }
    });
    s.on('error', () => undefined);
    sockets.push(s);
  }
  const stop = (): void => {
    stopped = true;
    for (const s of sockets) s.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

const fmt = (n: number | undefined): string => (n === undefined ? 'no sample' : Math.round(n).toLocaleString('en-US'));
const ratio = (xs: readonly number[]): string => {
  const m = median(xs);
  return m === undefined ? '-' : `${m.toFixed(2)}× (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
};

/** ROUNDS interleaved rounds of `names`, each round rotated; rates per name and each round's ratio to the first name. */
async function interleave<N extends string>(names: readonly N[], run: (name: N) => Promise<number> | number, label: string, second?: (name: N) => number | undefined) {
  const rates = new Map<N, number[]>(names.map((n) => [n, []]));
  const ratios = new Map<N, number[]>(names.map((n) => [n, []]));
  /** Each round's ratio to the first name of the `second` metric. */
  const secondRatios = new Map<N, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    const got = new Map<N, number>();
    const got2 = new Map<N, number>();
    for (const name of order) {
      const rate = await run(name);
      got.set(name, rate);
      const rate2 = second?.(name);
      if (rate2 !== undefined) got2.set(name, rate2);
      rates.get(name)!.push(rate);
      process.stderr.write(`${label} round ${round + 1} ${name}: ${Math.round(rate)} msg/s\n`);
    }
    const base = got.get(names[0]!);
    for (const name of names) if (base !== undefined && base > 0 && got.has(name)) ratios.get(name)!.push(got.get(name)! / base);
    const base2 = got2.get(names[0]!);
    for (const name of names) if (base2 !== undefined && base2 > 0 && got2.has(name)) secondRatios.get(name)!.push(got2.get(name)! / base2);
  }
  return { rates, ratios, secondRatios };
}

async function main(): Promise<BenchOutcome> {
  const only = argOf('--system')?.split(',');
  const part = argOf('--only-part');
  const systems = part === 'micro' ? [] : SYSTEMS.filter((s) => only === undefined || only.includes(s));
  const micro = part === 'sockets' ? [] : MICRO_DECODERS.filter((s) => only === undefined || only.includes(s));
  const otherLoad = await cpuBusy(1_000);
  const sock = await interleave(systems, runOnce, 'socket', (s) => lastCpuRate.get(s));
  const mic = await interleave<MicroDecoder>(micro, (d) => microRate(d, MICRO_MS), 'micro');
  const baseNote = systems[0] === BASELINE ? '' : ' (no raw-json in this run: ratios are to the first system)';
  const table = [
    `One-way Pings (\`{"kind":"Ping","n":…}\`) into one server process over TCP on loopback, ${CONNECTIONS} connections, load from a child process of plain sockets writing a pre-encoded 64 KiB block of frames again and again; ${ROUNDS} interleaved round(s) (order rotated each round), warm-up ${WARMUP_MS} ms, window ${WINDOW_MS} ms; medians (min–max of the rounds' ratios)${baseNote}.`,
    `Machine: ${cpus().length} cores, ${Math.round(Math.max(0, 1 - otherLoad) * 100)}% of the CPU time free before the run (load average ${loadavg()[0]!.toFixed(2)}).`,
    '',
    '| receiver | over sockets (msg/s) | / raw-json | per receiver CPU-s / raw-json | decode only, in process (msg per CPU-s) | / raw-json |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...[...SYSTEMS, ...MICRO_DECODERS.filter((d) => !(SYSTEMS as readonly string[]).includes(d))].filter((s) => (systems as readonly string[]).includes(s) || (micro as readonly string[]).includes(s)).map((s) => {
      const m = s as MicroDecoder;
      const sys = s as System;
      return `| ${s} | ${sock.rates.has(sys) ? fmt(median(sock.rates.get(sys)!)) : '-'} | ${ratio(sock.ratios.get(sys) ?? [])} | ${ratio(sock.secondRatios.get(sys) ?? [])} | ${fmt(median(mic.rates.get(m) ?? []))} | ${ratio(mic.ratios.get(m) ?? [])} |`;
    }),
    '',
    '`raw-json`: node:net, `setEncoding(\'utf8\')`, lines split by hand, `JSON.parse`, tag and `n` checked. "per receiver CPU-s": the messages received per CPU second of the receiving process (the load runs in another process), the steadier ratio on a shared machine. `rxmsg-text`: `createServer` with the text codec and full validation (default config); `rxmsg-text-tag`: the same with `validation: \'tag\'`; `rxmsg-binary`: the binary codec (length-prefixed MessagePack), full validation. "decode only": the same decoders fed 64 KiB blocks in process, counted per CPU second (rxmsg: the framer, `codec.controlOf`, `codec.decode`, `MessageSet.parse`/`parseTag`, as the inbound pump runs them), without sockets or rxjs delivery; \`-before\`: the same decoding as rxmsg did before issue 16 (zod\'s \`safeParse\` for every message; MessagePack always through msgpackr), the before/after of the decode changes in one run (in process only).',
  ].join('\n');
  console.log(table);
  return !quick && only === undefined && part === undefined ? { section: table } : {};
}

runBenchEntry({
  module,
  section: { name: 'decode-path', heading: 'The decode path (`npm run bench:decode`, `bench/src/decode-path.ts`)' },
  roles: { load: loadRole },
  main,
});
