/**
 * What attaching `@rxmsg/metrics` costs a server: `npm run bench:metrics`.
 *
 * One rxmsg server (TCP on loopback, binary bench protocol) in this process, counting the messages
 * its processor receives; the load in a child process (plain sockets writing pre-encoded frames,
 * see raw-load.ts), so the server is the bound. Two workloads: `one-way` (16 connections sending
 * as fast as the server reads) and `fan-in-200` (200 connections in ping-pong). Two modes per
 * workload: `off` (no metrics) and `on` (`serverMetrics` attached to a registry that is scraped
 * every SCRAPE_MS, fifteen times as often as Prometheus's default). Each run: a fresh server, a
 * warm-up, then the messages received within a window. ROUNDS rounds alternate the order of the
 * modes; medians are reported with the ratio on/off (1.00: no cost). Bounded: 2 workloads × 2
 * modes × ROUNDS runs of about WARMUP_MS + WINDOW_MS each, each step with a deadline.
 *
 * `--quick`: a tiny configuration for the smoke test, and nothing written. Otherwise the table goes
 * into bench/RESULTS.md between `<!-- metrics-cost:start -->` and `<!-- metrics-cost:end -->`.
 */
import { runBenchEntry, type BenchOutcome } from './bench-entry';
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { Registry } from 'prom-client';
import { serverMetrics } from '@rxmsg/metrics';
import { loadRxmsg } from './adapters/bench-protocols';
import { cpuBusy } from './machine';
import { rawLoad } from './raw-load';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 5;
const WARMUP_MS = quick ? 200 : 700;
const WINDOW_MS = quick ? 400 : 2_500;
const SCRAPE_MS = 1_000;
const STEP_DEADLINE_MS = 60_000;

type Workload = 'one-way' | 'fan-in-200';
type Mode = 'off' | 'on';
const WORKLOADS: readonly Workload[] = ['one-way', 'fan-in-200'];
const connectionsOf = (w: Workload): number => (w === 'one-way' ? 16 : quick ? 20 : 200);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** One run: messages per second received by the server, and the scrape times (ms) when metrics are on. */
async function runOnce(workload: Workload, mode: Mode): Promise<{ rate: number; scrapes: number[] }> {
  const { node, rxjs, protocols } = loadRxmsg();
  let count = 0;
  const server = await node.createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: protocols.binary,
    processor: (in$) =>
      workload === 'one-way'
        ? in$.pipe(
            rxjs.tap(() => count++),
            rxjs.ignoreElements(),
          )
        : in$.pipe(
            rxjs.map((m) => {
              count++;
              return { kind: 'Pong', n: m.n } as const;
            }),
          ),
  });
  const registry = new Registry();
  const metrics = mode === 'on' ? serverMetrics(server, { registry }) : undefined;
  const scrapes: number[] = [];
  let scraping = false;
  const scraper =
    metrics === undefined
      ? undefined
      : setInterval(() => {
          if (scraping) return;
          scraping = true;
          const t0 = performance.now();
          void registry.metrics().then(() => {
            scrapes.push(performance.now() - t0);
            scraping = false;
          });
        }, SCRAPE_MS);
  let load: ChildProcess | undefined;
  try {
    const url = new URL(server.addresses()[0]!.replace('tcp://', 'http://'));
    const l = fork(__filename, ['--role', 'load', '--workload', workload, '--port', url.port, '--connections', String(connectionsOf(workload))], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    load = l;
    await withTimeout(new Promise<void>((resolve) => l.on('message', (m: { bench?: string }) => m.bench === 'ready' && resolve())), STEP_DEADLINE_MS, 'the load connected');
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const c0 = count;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    return { rate: ((count - c0) * 1000) / (performance.now() - t0), scrapes };
  } finally {
    if (scraper !== undefined) clearInterval(scraper);
    if (load !== undefined && load.exitCode === null) {
      const child = load;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await withTimeout(exited, 10_000, 'the load to exit').catch(() => child.kill('SIGKILL'));
    }
    metrics?.stop();
    await withTimeout(server.close(), STEP_DEADLINE_MS, 'the server to close');
  }
}

function loadRole(): void {
  const arg = (name: string): string => process.argv[process.argv.indexOf(name) + 1] ?? '';
  const workload = arg('--workload') as Workload;
  const load = rawLoad('127.0.0.1', Number(arg('--port')), workload === 'one-way' ? 'one-way' : 'ping-pong', Number(arg('--connections')), () => process.send?.({ bench: 'ready' }));
  process.once('SIGTERM', () => {
    load.stop();
    process.exit(0);
  });
  process.once('disconnect', () => {
    load.stop();
    process.exit(0);
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[s.length >> 1]! : (s[(s.length >> 1) - 1]! + s[s.length >> 1]!) / 2;
};

async function main(): Promise<BenchOutcome> {
  const otherLoad = await cpuBusy(1_000);
  const rates: Record<Workload, Record<Mode, number[]>> = { 'one-way': { off: [], on: [] }, 'fan-in-200': { off: [], on: [] } };
  const ratios: Record<Workload, number[]> = { 'one-way': [], 'fan-in-200': [] };
  const scrapes: Record<Workload, number[]> = { 'one-way': [], 'fan-in-200': [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of WORKLOADS) {
      const pair: Partial<Record<Mode, number>> = {};
      for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const r = await runOnce(workload, mode);
        rates[workload][mode].push(r.rate);
        pair[mode] = r.rate;
        scrapes[workload].push(...r.scrapes);
        process.stderr.write(`round ${round + 1} ${workload} ${mode}: ${Math.round(r.rate)} msg/s\n`);
      }
      ratios[workload].push(pair.on! / pair.off!);
    }
  }
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const table = [
    `Server with and without \`serverMetrics\` attached (registry scraped every ${SCRAPE_MS} ms when on); TCP on loopback, binary bench protocol, load from a child process of plain sockets; ${ROUNDS} round(s) alternating the order, warm-up ${WARMUP_MS} ms, window ${WINDOW_MS} ms; medians.`,
    `Machine: ${cpus().length} cores, ${Math.round(Math.max(0, 1 - otherLoad) * 100)}% of the CPU time free before the run (load average ${loadavg()[0]!.toFixed(2)}).`,
    '',
    '| workload | without metrics (msg/s) | with metrics (msg/s) | on/off (median of the rounds\' ratios) | on/off range | scrape p50 (ms) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...WORKLOADS.map(
      (w) =>
        `| ${w} (${connectionsOf(w)} connections) | ${fmt(median(rates[w].off))} | ${fmt(median(rates[w].on))} | ${median(ratios[w]).toFixed(2)} | ${Math.min(...ratios[w]).toFixed(2)}–${Math.max(...ratios[w]).toFixed(2)} | ${scrapes[w].length === 0 ? '-' : median(scrapes[w]).toFixed(2)} |`,
    ),
    '',
    'Nothing is added to the message path: traffic counters are read from `snapshot()` at scrape time, the event counters move per connection, drop or decode error, never per message; what remains is the scrape itself (one snapshot, O(connections)), timed in the last column. A ratio is 1.00 when metrics cost nothing measurable; how far the rounds spread on either side of 1 (the range) is the noise of the machine, and a difference inside it is not a cost.',
  ].join('\n');
  console.log(table);
  return quick ? {} : { section: table };
}


runBenchEntry({
  module,
  section: { name: 'metrics-cost', heading: 'The cost of metrics (`npm run bench:metrics`, `bench/src/metrics-cost.ts`)' },
  roles: { load: loadRole },
  main,
});
