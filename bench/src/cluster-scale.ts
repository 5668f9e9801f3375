/**
 * `npm run bench:cluster`: does cluster mode (`@rxmsg/cluster`) add throughput on this machine?
 * Two server-bound workloads over TCP (binary bench protocol), each with 1 and with 2 worker
 * processes behind one shared port (this process is the primary), the client load generated in
 * a separate process:
 * - `fan-in-2000`: 2000 connections each doing ping-pong (Ping → Pong, the next Ping on each
 *   Pong); round trips per second counted by the load process;
 * - `one-way`: 16 connections each sending Pings as fast as the outbound queue takes them (a
 *   pulled generator) into sink processors; messages per second counted by the workers;
 * - `one-way-work`: the same, the server doing `--work N` xorshift steps per message (default
 *   5000, a few µs: application work), so that the server, not the load process, is the bound.
 *
 * Each round runs both worker counts (1 first in odd rounds, 2 first in even ones) and prints the
 * ratio 2/1 of that round; the summary gives medians. The CPU share of each process in the window
 * is measured, and the share of all cores busy: the load process competes with the workers for
 * the same cores, which bounds the speed-up. Progress on stderr, the table on stdout; unless
 * `--quick` or `--no-markdown`, the table is written into bench/RESULTS.md between the markers
 * `<!-- cluster-scale:start -->` and `<!-- cluster-scale:end -->`.
 *
 * Options: `--quick` (tiny counts, checks the harness), `--load raw|rxmsg` (the load: plain sockets
 * writing pre-encoded frames, the default, or rxmsg clients), `--repeat N` (rounds, default 3),
 * `--seconds S` (window, default 2), `--connections N` (fan-in connections, default 2000),
 * `--work N` (steps per message of `one-way-work`, default 5000), `--budget S` (no pair of runs
 * starts that would end after S seconds, default 160: the whole run stays under 3 minutes).
 */
import nodeCluster from 'node:cluster';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { runCluster, clusterWorker } from '@rxmsg/cluster';
import { loadRxmsg } from './adapters/bench-protocols';
import { work, workMicros } from './app-work';
import { fmt, median, pct } from './figures';
import { runBenchEntry, type BenchOutcome } from './bench-entry';
import { cpuBusy } from './machine';
import { rawLoad } from './raw-load';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const quick = argv.includes('--quick');
/** `--load rxmsg`: rxmsg clients as the load; `raw` (default): plain sockets writing pre-encoded frames. */
const loadKind = opt('--load') === 'rxmsg' ? 'rxmsg' : 'raw';
type Workload = 'fan-in-2000' | 'one-way' | 'one-way-work';
const WORKLOADS: readonly Workload[] = ['fan-in-2000', 'one-way', 'one-way-work'];

type Sample = { readonly bench: 'sample'; readonly id: number; readonly count: number; readonly cpuMs: number; readonly at: number };
type Ask = { readonly bench: 'sample'; readonly id: number } | { readonly bench: 'stop' };


const cpuMsNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Worker: the sink (one-way) or echo (fan-in) server, counting messages; answers samples over the application's IPC. */
function workerRole(workload: Workload, workIterations: number): void {
  const { node, rxjs, protocols } = loadRxmsg();
  let count = 0;
  let sink = 0;
  void clusterWorker(() =>
    node.createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: protocols.binary,
      processor: (in$) =>
        workload !== 'fan-in-2000'
          ? in$.pipe(
              rxjs.tap((m) => {
                if (workload === 'one-way-work') sink ^= work(m.n, workIterations);
                count++;
              }),
              rxjs.ignoreElements(),
            )
          : in$.pipe(
              rxjs.map((m) => {
                count++;
                return { kind: 'Pong', n: m.n } as const;
              }),
            ),
    }),
  );
  process.on('message', (m: Ask) => {
    if (m.bench === 'sample') process.send?.({ bench: 'sample', id: m.id, count: count + (sink & 0), cpuMs: cpuMsNow(), at: performance.now() } satisfies Sample);
  });
}

/** Load of plain sockets writing pre-encoded frames (see raw-load.ts): the cheapest client, so the workers are the bound. */
function rawLoadRole(address: string, workload: Workload, connections: number): void {
  const url = new URL(address);
  const load = rawLoad(url.hostname, Number(url.port), workload === 'fan-in-2000' ? 'ping-pong' : 'one-way', connections, () => process.send?.({ bench: 'ready' }));
  process.on('message', (m: Ask) => {
    if (m.bench === 'sample') process.send?.({ bench: 'sample', id: m.id, count: load.count(), cpuMs: cpuMsNow(), at: performance.now() } satisfies Sample);
    else {
      load.stop();
      process.exit(0);
    }
  });
}

/** Load: rxmsg clients against the cluster's port; counts round trips (fan-in) or sent messages (one-way). */
function loadRole(address: string, workload: Workload, connections: number): void {
  const { node, rxjs, protocols } = loadRxmsg();
  let count = 0;
  let connected = 0;
  let stopped = false;
  const clients: { close(): Promise<void> }[] = [];
  const open = (i: number): void => {
    const client =
      workload !== 'fan-in-2000'
        ? node.createClient({
            connect: address,
            protocol: protocols.binary,
            processor: function* () {
              for (let n = 0; !stopped; n++) {
                count++;
                yield { kind: 'Ping', n: n & 0x3fff_ffff } as const;
              }
            },
          })
        : node.createClient({
            connect: address,
            protocol: protocols.binary,
            processor: (in$) => rxjs.concat(rxjs.of({ kind: 'Ping', n: 0 } as const), in$.pipe(
                  rxjs.map((m) => {
                    count++;
                    return { kind: 'Ping', n: (m.n + 1) & 0x3fff_ffff } as const;
                  }),
                )),
          });
    const sub = client.events$.subscribe((e) => {
      if (e.type !== 'connected') return;
      sub.unsubscribe();
      connected++;
      if (i + 1 < connections) open(i + 1);
      if (connected === connections) process.send?.({ bench: 'ready' });
    });
    clients.push(client);
  };
  // 64 connection chains at once: each opens the next once connected.
  for (let i = 0; i < Math.min(64, connections); i++) open(i);
  process.on('message', (m: Ask) => {
    if (m.bench === 'sample') process.send?.({ bench: 'sample', id: m.id, count, cpuMs: cpuMsNow(), at: performance.now() } satisfies Sample);
    else {
      stopped = true;
      const hard = setTimeout(() => process.exit(0), 3000);
      void Promise.all(clients.map((c) => c.close().catch(() => undefined))).then(() => {
        clearTimeout(hard);
        process.exit(0);
      });
    }
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** Ask every worker of the cluster and the load process for a sample. */
async function sampleAll(pids: ReadonlySet<number>, load: ChildProcess, askLoad: boolean, nextId: () => number): Promise<{ workers: Sample[]; load: Sample }> {
  const ask = (what: string, send: (m: Ask) => void, on: (h: (m: unknown) => void) => () => void): Promise<Sample> => {
    const id = nextId();
    return withTimeout(
      new Promise<Sample>((resolve) => {
        const off = on((m) => {
          if (typeof m === 'object' && m !== null && (m as Sample).bench === 'sample' && (m as Sample).id === id) {
            off();
            resolve(m as Sample);
          }
        });
        send({ bench: 'sample', id });
      }),
      15_000,
      `a sample of ${what}`,
    );
  };
  // Only this run's workers: one of a previous cluster may linger in the table until its channel closed.
  const workers = Object.values(nodeCluster.workers ?? {}).flatMap((w) =>
    w === undefined || !pids.has(w.process.pid ?? -1)
      ? []
      : [
          ask(
            `worker ${w.process.pid}`,
            (m) => w.send(m),
            (h) => (w.on('message', h), () => void w.off('message', h)),
          ),
        ],
  );
  // One-way: the count is the workers'; the load process's CPU is read from /proc (its event
  // loop may be too busy pulling messages to answer in time).
  const loadSample = askLoad
    ? ask(
        'the load process',
        (m) => load.send(m),
        (h) => (load.on('message', h), () => void load.off('message', h)),
      )
    : Promise.resolve<Sample>({ bench: 'sample', id: -1, count: 0, cpuMs: procCpuMs(load.pid ?? -1), at: performance.now() });
  return { workers: await Promise.all(workers), load: await loadSample };
}

/** CPU ms used so far by process `pid`, from /proc (Linux; clock ticks of 10 ms); NaN elsewhere. */
function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

interface RunResult {
  readonly workers: number;
  readonly rate: number | undefined;
  readonly workerCpu: readonly number[];
  readonly loadCpu: number | undefined;
  readonly machineBusy: number | undefined;
  readonly error?: string;
}

async function runOnce(workload: Workload, workers: number, connections: number, workIterations: number, warmupMs: number, windowMs: number): Promise<RunResult> {
  let id = 0;
  const cluster = await runCluster({ worker: __filename, args: ['--role', 'worker', '--workload', workload, '--work', String(workIterations)], workers, restart: false, execArgv: [] });
  let load: ChildProcess | undefined;
  try {
    const address = cluster.addresses()[0]!;
    const l = fork(__filename, ['--role', 'load', '--load', loadKind, '--workload', workload, '--address', address, '--connections', String(workload === 'fan-in-2000' ? connections : 16)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    load = l;
    await withTimeout(new Promise<void>((resolve) => l.on('message', (m: { bench?: string }) => m.bench === 'ready' && resolve())), 120_000, 'the load connected');
    await new Promise((r) => setTimeout(r, warmupMs));
    const pids = new Set(cluster.workers().map((w) => w.pid));
    const a = await sampleAll(pids, l, workload === 'fan-in-2000', () => id++);
    const machineBusy = await cpuBusy(windowMs);
    const b = await sampleAll(pids, l, workload === 'fan-in-2000', () => id++);
    const share = (x: Sample, y: Sample): number => (y.cpuMs - x.cpuMs) / (y.at - x.at);
    const workerCpu = a.workers.map((x, i) => share(x, b.workers[i]!));
    const rate =
      workload === 'fan-in-2000'
        ? ((b.load.count - a.load.count) * 1000) / (b.load.at - a.load.at)
        : a.workers.reduce((sum, x, i) => sum + ((b.workers[i]!.count - x.count) * 1000) / (b.workers[i]!.at - x.at), 0);
    const loadCpu = share(a.load, b.load);
    return { workers, rate: rate > 0 ? rate : undefined, workerCpu, loadCpu: Number.isFinite(loadCpu) ? loadCpu : undefined, machineBusy };
  } catch (error) {
    return { workers, rate: undefined, workerCpu: [], loadCpu: undefined, machineBusy: undefined, error: error instanceof Error ? error.message : String(error) };
  } finally {
    if (load !== undefined && load.exitCode === null) {
      const exited = new Promise((r) => load!.once('exit', r));
      load.send({ bench: 'stop' } satisfies Ask);
      await withTimeout(exited, 10_000, 'the load to exit').catch(() => load!.kill('SIGKILL'));
    }
    await cluster.close();
  }
}


async function main(): Promise<BenchOutcome> {
  const repeat = Number(opt('--repeat') ?? (quick ? 1 : 3));
  const connections = Number(opt('--connections') ?? (quick ? 20 : 2000));
  const windowMs = quick ? 500 : Number(opt('--seconds') ?? 2) * 1000;
  const warmupMs = quick ? 200 : 700;
  const workIterations = Number(opt('--work') ?? 5000);
  const budgetMs = Number(opt('--budget') ?? (quick ? 600 : 160)) * 1000;
  const cores = Math.min(cpus().length, availableParallelism());
  const out: string[] = [];
  const line = (s: string): void => {
    out.push(s);
    console.log(s);
  };
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const otherWork = await cpuBusy(1000);
  line(`Cluster mode, 1 vs 2 workers: ${new Date().toISOString()}, node ${process.version}, ${cores} cores (${cpus()[0]?.model.trim() ?? 'unknown'}); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; other work on all cores before (1 s): ${Math.round(otherWork * 100)}% (CPU share available ≈ ${Math.round((1 - otherWork) * cores * 100)}% of one core × ${cores}).`);
  line(`fan-in: ${connections} connections in ping-pong; one-way: 16 connections sending; one-way-work: the same with ${workIterations} xorshift steps per message in the server (${workMicros(workIterations).toFixed(1)} µs on an idle core, best of 5); one load process (${loadKind === 'raw' ? 'plain sockets writing pre-encoded frames, `--load raw`' : 'rxmsg clients, `--load rxmsg`'}); warm-up ${warmupMs} ms, window ${windowMs} ms, ${repeat} round(s), orders interleaved.`);
  line('');
  line('| round | workload | workers | rate /s | worker CPU | load CPU | all cores busy | 2/1 |');
  line('|---:|---|---:|---:|---|---:|---:|---:|');
  const ratios: Record<Workload, number[]> = { 'fan-in-2000': [], 'one-way': [], 'one-way-work': [] };
  const rates: Record<Workload, Record<1 | 2, number[]>> = { 'fan-in-2000': { 1: [], 2: [] }, 'one-way': { 1: [], 2: [] }, 'one-way-work': { 1: [], 2: [] } };
  // A bounded run: no pair of runs starts that would end past the budget (by the longest pair of that workload so far).
  const deadline = Date.now() + budgetMs;
  const longestPair: Record<Workload, number> = { 'fan-in-2000': 0, 'one-way': 0, 'one-way-work': 0 };
  let stopped = false;
  for (let round = 1; round <= repeat && !stopped; round++) {
    for (const workload of WORKLOADS) {
      if (Date.now() + longestPair[workload] > deadline) {
        line(`| ${round} | ${workload} | (time budget of ${budgetMs / 1000} s reached: skipped) | | | | | |`);
        stopped = true;
        continue;
      }
      const pairStarted = Date.now();
      const order: (1 | 2)[] = round % 2 === 1 ? [1, 2] : [2, 1];
      const results = new Map<number, RunResult>();
      for (const workers of order) {
        log(`round ${round}: ${workload}, ${workers} worker(s)...`);
        const r = await runOnce(workload, workers, connections, workIterations, warmupMs, windowMs);
        if (r.error !== undefined) log(`  failed: ${r.error}`);
        if (r.rate !== undefined) rates[workload][workers].push(r.rate);
        results.set(workers, r);
      }
      longestPair[workload] = Math.max(longestPair[workload], Date.now() - pairStarted);
      const one = results.get(1)?.rate;
      const two = results.get(2)?.rate;
      const ratio = one !== undefined && two !== undefined ? two / one : undefined;
      if (ratio !== undefined) ratios[workload].push(ratio);
      for (const workers of [1, 2] as const) {
        const r = results.get(workers)!;
        line(`| ${round} | ${workload} | ${workers} | ${fmt(r.rate)} | ${pct(r.workerCpu)} | ${r.loadCpu === undefined ? '-' : `${Math.round(r.loadCpu * 100)}%`} | ${r.machineBusy === undefined ? '-' : `${Math.round(r.machineBusy * 100)}%`} | ${workers === 2 ? (ratio === undefined ? 'no sample' : `${ratio.toFixed(2)}×`) : ''} |`);
      }
    }
  }
  line('');
  for (const workload of WORKLOADS) {
    const mr = median(ratios[workload]);
    line(`- ${workload}: median 1 worker ${fmt(median(rates[workload][1]))}/s, 2 workers ${fmt(median(rates[workload][2]))}/s, ratio 2/1 ${mr === undefined ? 'no sample' : `${mr.toFixed(2)}× (${Math.min(...ratios[workload]).toFixed(2)}–${Math.max(...ratios[workload]).toFixed(2)})`}`);
  }
  return !quick && !argv.includes('--no-markdown') ? { section: out.join('\n') } : {};
}



runBenchEntry({
  module,
  section: { name: 'cluster-scale', heading: 'Cluster mode: 1 vs 2 workers (`npm run bench:cluster`)' },
  // A worker forked by node:cluster runs this script without `--role`.
  roleOf: () => (nodeCluster.isWorker ? 'worker' : opt('--role')),
  roles: {
    worker: () => workerRole((opt('--workload') ?? 'one-way') as Workload, Number(opt('--work') ?? 0)),
    load: () => {
      process.on('disconnect', () => process.exit(0));
      return (loadKind === 'rxmsg' ? loadRole : rawLoadRole)(opt('--address')!, (opt('--workload') ?? 'one-way') as Workload, Number(opt('--connections') ?? 1));
    },
  },
  main,
});
