/**
 * The WebSocket path, rxmsg against plain `ws`: `npm run bench:ws`.
 *
 * `rxmsg-ws-text` and `ws-json` (the adapters of the main bench, run by `run.js` in fresh server and
 * client processes) on one-way, ping-pong, fan-in-200 and, in full mode, fan-in-2000; the fan-in runs
 * also give the server's settled RSS and JS heap per idle connection (read after a forced GC with
 * every connection open and idle, less the same with none). ROUNDS interleaved rounds: each round runs
 * every workload on both systems, the order of the two systems alternating from round to round; each
 * round gives one ratio per figure, and the table reports the medians of the rates and of the ratios.
 *
 * `--quick`: the quick counts of the main bench, one round, nothing written (a check that it runs).
 * Otherwise the table goes into bench/RESULTS.md between `<!-- ws-path:start -->` and `<!-- ws-path:end -->`.
 * `--rounds n` sets the rounds (default 3); `--cpu-prof` profiles every process into bench/profiles/;
 * `--scale f` runs shorter (full-mode counts and measured periods times f) on a busy machine.
 */
import { cpus, loadavg } from 'node:os';
import { cpuBusy } from './machine';
import { runBenchEntry, type BenchOutcome } from './bench-entry';
import { runMainBenchOnce } from './main-bench-run';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const cpuProf = argv.includes('--cpu-prof');
const roundsArg = argv.indexOf('--rounds');
const scaleArg = argv.indexOf('--scale');
/** `--scale f`: passed to run.js (full-mode counts and periods times f), for a busy machine. */
const SCALE = scaleArg >= 0 ? argv[scaleArg + 1] : undefined;
const ROUNDS = quick ? 1 : roundsArg >= 0 ? Math.max(1, Math.min(20, Number(argv[roundsArg + 1]) || 3)) : 3;
const SYSTEMS = ['rxmsg-ws-text', 'ws-json'] as const;
type System = (typeof SYSTEMS)[number];
const WORKLOADS = quick ? ['one-way', 'ping-pong', 'fan-in-200'] : ['one-way', 'ping-pong', 'fan-in-200', 'fan-in-2000'];
/** A guard against a hung `run.js` only: a full fan-in-2000 run takes about 20 s. */
const RUN_GUARD_MS = 240_000;

/** The figures of one run that this bench reads from `run.js`'s JSON report. */
interface Figures {
  readonly rate: number;
  readonly rssPerConnection?: number;
  readonly heapPerConnection?: number;
}

/** One run of `system` on `workload` by the main bench, in fresh processes. */
async function runOnce(workload: string, system: System): Promise<Figures> {
  const result = await runMainBenchOnce({ system, workload, quick, cpuProf, label: system, guardMs: RUN_GUARD_MS, ...(SCALE === undefined ? {} : { scale: SCALE }) });
  const rss = result.serverRss;
  return {
    rate: result.rate,
    ...(rss === undefined ? {} : { rssPerConnection: rss.perConnectionBytes }),
    ...(rss?.perConnectionHeapBytes === undefined ? {} : { heapPerConnection: rss.perConnectionHeapBytes }),
  };
}

/** Median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[s.length >> 1]! : (s[(s.length >> 1) - 1]! + s[s.length >> 1]!) / 2;
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const kib = (n: number): string => (Number.isFinite(n) ? (n / 1024).toFixed(1) : '–');
const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const range = (xs: readonly number[]): string => (xs.length === 0 ? '–' : `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`);

async function main(): Promise<BenchOutcome> {
  const busy = await cpuBusy(1_000);
  const figures = new Map<string, Record<System, Figures[]>>(WORKLOADS.map((w) => [w, { 'rxmsg-ws-text': [], 'ws-json': [] }]));
  const failures: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of WORKLOADS) {
      const order = round % 2 === 0 ? SYSTEMS : ([...SYSTEMS].reverse() as System[]);
      for (const system of order) {
        try {
          const f = await runOnce(workload, system);
          figures.get(workload)![system].push(f);
          const mem = f.rssPerConnection === undefined ? '' : `, ${kib(f.rssPerConnection)} KiB RSS / ${kib(f.heapPerConnection ?? Number.NaN)} KiB heap per idle connection`;
          process.stderr.write(`round ${round + 1} ${workload} ${system}: ${fmt(f.rate)}/s${mem}\n`);
        } catch (error) {
          failures.push(`round ${round + 1}: ${error instanceof Error ? error.message : String(error)}`);
          process.stderr.write(`round ${round + 1} ${workload} ${system}: FAILED\n`);
        }
      }
    }
  }
  /** Per-round ratios rxmsg / ws of `pick` (rounds where both ran). */
  const ratios = (w: string, pick: (f: Figures) => number | undefined): number[] => {
    const r = figures.get(w)!['rxmsg-ws-text'];
    const p = figures.get(w)!['ws-json'];
    const out: number[] = [];
    for (let i = 0; i < Math.min(r.length, p.length); i++) {
      const a = pick(r[i]!);
      const b = pick(p[i]!);
      if (a !== undefined && b !== undefined && b !== 0) out.push(a / b);
    }
    return out;
  };
  const med = (w: string, s: System, pick: (f: Figures) => number | undefined): number =>
    median(figures.get(w)![s].map(pick).filter((x): x is number => x !== undefined));
  const rate = (f: Figures): number => f.rate;
  const rss = (f: Figures): number | undefined => f.rssPerConnection;
  const heap = (f: Figures): number | undefined => f.heapPerConnection;
  const fanIns = WORKLOADS.filter((w) => w.startsWith('fan-in'));
  const table = [
    `\`rxmsg-ws-text\` against \`ws-json\` (the main bench's adapters and ${quick ? 'quick' : 'full'} counts, fresh processes per run${quick ? '' : ', pinned'}); ` +
      `${ROUNDS} interleaved round(s), the order of the systems alternating; medians of the rates and of the rounds' ratios.` +
      (SCALE === undefined || quick ? '' : ` Counts and measured periods scaled by ${SCALE} (\`--scale\`).`),
    `Machine: ${cpus().length} cores, ${Math.round(Math.max(0, 1 - busy) * 100)}% of the CPU time free before the run (load average ${loadavg()[0]!.toFixed(2)}).`,
    '',
    '| workload | rxmsg-ws-text (/s) | ws-json (/s) | rxmsg / ws (median of rounds) | range |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...WORKLOADS.map((w) => `| ${w} | ${fmt(med(w, 'rxmsg-ws-text', rate))} | ${fmt(med(w, 'ws-json', rate))} | ${ratio(median(ratios(w, rate)))} | ${range(ratios(w, rate))} |`),
    '',
    '| server memory per idle connection | rxmsg-ws-text (KiB) | ws-json (KiB) | rxmsg / ws (median of rounds; below 1 is less) | range |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...fanIns.flatMap((w) => [
      `| RSS, ${w} | ${kib(med(w, 'rxmsg-ws-text', rss))} | ${kib(med(w, 'ws-json', rss))} | ${ratio(median(ratios(w, rss)))} | ${range(ratios(w, rss))} |`,
      `| JS heap, ${w} | ${kib(med(w, 'rxmsg-ws-text', heap))} | ${kib(med(w, 'ws-json', heap))} | ${ratio(median(ratios(w, heap)))} | ${range(ratios(w, heap))} |`,
    ]),
    ...(failures.length === 0 ? [] : ['', `Failed runs (left out of the medians): ${failures.map((f) => f.split('\n')[0]).join('; ')}`]),
  ].join('\n');
  console.log(table);
  // A run that gave no figures is listed under the table, never a failure of the bench: on a loaded
  // machine a quick run may miss its time limit (the quick mode never fails on timing).
  return quick ? {} : { section: table };
}

runBenchEntry({
  module,
  section: { name: 'ws-path', heading: 'The WebSocket path (`npm run bench:ws`, `bench/src/ws-path.ts`)' },
  main,
});
