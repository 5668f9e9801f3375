/**
 * The MessagePack path against the text path: `npm run bench:binary`.
 *
 * `rxmsg-tcp-binary` against `rxmsg-tcp-text` and `rxmsg-ws-binary` against `rxmsg-ws-text` (the
 * adapters of the main bench, run by `run.js` in fresh server and client processes) on pipelined and
 * fan-in-200. ROUNDS interleaved rounds: each round runs every workload on every system, the order
 * of the systems alternating from round to round; each round gives one binary / text ratio per
 * workload and transport, and the table reports the medians of the rates and of the ratios.
 *
 * `--before dir`: also run the binary systems of another checkout (`dir`, built, e.g. a worktree of
 * the base commit) in the same rounds, as `…-binary (before)`, and report before / after ratios.
 * `--quick`: the quick counts of the main bench, one round, nothing written (a check that it runs).
 * Otherwise the table goes into bench/RESULTS.md between `<!-- binary-path:start -->` and
 * `<!-- binary-path:end -->`. `--rounds n` sets the rounds (default 3); `--scale f` runs shorter
 * (full-mode counts and measured periods times f) on a busy machine.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { cpuBusy } from './machine';
import { runBenchEntry, type BenchOutcome } from './bench-entry';
import { runMainBenchOnce } from './main-bench-run';
import { median } from './ws-path';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
function argOf(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
}
const SCALE = argOf('--scale');
const BEFORE = argOf('--before');
const ROUNDS = quick ? 1 : Math.max(1, Math.min(20, Number(argOf('--rounds')) || 3));
const WORKLOADS = ['pipelined', 'fan-in-200'] as const;
const TRANSPORTS = ['tcp', 'ws'] as const;
/** A guard against a hung `run.js` only. */
const RUN_GUARD_MS = 240_000;

/** One column: a system of this checkout or, `before`, of the `--before` checkout. */
interface Column {
  readonly system: string;
  readonly before: boolean;
}

const COLUMNS: readonly Column[] = TRANSPORTS.flatMap((t) => [
  { system: `rxmsg-${t}-text`, before: false },
  { system: `rxmsg-${t}-binary`, before: false },
  ...(BEFORE === undefined ? [] : [{ system: `rxmsg-${t}-binary`, before: true }]),
]);

const label = (c: Column): string => `${c.system}${c.before ? ' (before)' : ''}`;

/** One run of `column` on `workload` by the main bench, in fresh processes. */
async function runOnce(workload: string, column: Column): Promise<number> {
  const result = await runMainBenchOnce({
    ...(column.before ? { runJs: join(BEFORE!, 'bench', 'dist', 'run.js') } : {}),
    system: column.system,
    workload,
    quick,
    label: label(column),
    guardMs: RUN_GUARD_MS,
    ...(SCALE === undefined ? {} : { scale: SCALE }),
  });
  return result.rate;
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
const range = (xs: readonly number[]): string => (xs.length === 0 ? '–' : `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`);

async function main(): Promise<BenchOutcome> {
  const busy = await cpuBusy(1_000);
  /** Rate per workload, column label and round (NaN for a failed run). */
  const rates = new Map<string, number[]>();
  const key = (w: string, c: Column): string => `${w} ${label(c)}`;
  const failures: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of WORKLOADS) {
      const order = round % 2 === 0 ? COLUMNS : [...COLUMNS].reverse();
      for (const column of order) {
        let rate = Number.NaN;
        try {
          rate = await runOnce(workload, column);
          process.stderr.write(`round ${round + 1} ${workload} ${label(column)}: ${fmt(rate)}/s\n`);
        } catch (error) {
          failures.push(`round ${round + 1}: ${error instanceof Error ? error.message : String(error)}`);
          process.stderr.write(`round ${round + 1} ${workload} ${label(column)}: FAILED\n`);
        }
        const list = rates.get(key(workload, column)) ?? [];
        list[round] = rate;
        rates.set(key(workload, column), list);
      }
    }
  }
  /** Per-round ratios a / b (rounds where both ran). */
  const ratios = (w: string, a: Column, b: Column): number[] => {
    const x = rates.get(key(w, a)) ?? [];
    const y = rates.get(key(w, b)) ?? [];
    const out: number[] = [];
    for (let i = 0; i < ROUNDS; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i]) && y[i]! > 0) out.push(x[i]! / y[i]!);
    return out;
  };
  const med = (w: string, c: Column): number => median((rates.get(key(w, c)) ?? []).filter(Number.isFinite));
  const rows = WORKLOADS.flatMap((w) =>
    TRANSPORTS.map((t) => {
      const text = { system: `rxmsg-${t}-text`, before: false };
      const binary = { system: `rxmsg-${t}-binary`, before: false };
      const before = { system: `rxmsg-${t}-binary`, before: true };
      const cells = [`| ${w} | ${t} | ${fmt(med(w, text))} | ${fmt(med(w, binary))} | ${ratio(median(ratios(w, binary, text)))} | ${range(ratios(w, binary, text))} |`];
      if (BEFORE !== undefined) cells.push(` ${fmt(med(w, before))} | ${ratio(median(ratios(w, before, text)))} | ${ratio(median(ratios(w, binary, before)))} |`);
      return cells.join('');
    }),
  );
  const table = [
    `MessagePack (\`binary\`) against JSON lines (\`text\`), the main bench's rxmsg adapters and ${quick ? 'quick' : 'full'} counts, fresh processes per run${quick ? '' : ', pinned'}; ` +
      `${ROUNDS} interleaved round(s), the order of the systems alternating; medians of the rates and of the rounds' ratios.` +
      (SCALE === undefined || quick ? '' : ` Counts and measured periods scaled by ${SCALE} (\`--scale\`).`) +
      (BEFORE === undefined ? '' : ' "before": the binary systems of the base checkout, in the same rounds.'),
    `Machine: ${cpus().length} cores, ${Math.round(Math.max(0, 1 - busy) * 100)}% of the CPU time free before the run (load average ${loadavg()[0]!.toFixed(2)}).`,
    '',
    `| workload | transport | text (/s) | binary (/s) | binary / text (median of rounds) | range |${BEFORE === undefined ? '' : ' binary before (/s) | before / text | after / before |'}`,
    `| --- | --- | ---: | ---: | ---: | ---: |${BEFORE === undefined ? '' : ' ---: | ---: | ---: |'}`,
    ...rows,
    ...(failures.length === 0 ? [] : ['', `Failed runs (left out of the medians): ${failures.map((f) => f.split('\n')[0]).join('; ')}`]),
  ].join('\n');
  console.log(table);
  return quick ? {} : { section: table };
}

runBenchEntry({
  module,
  section: { name: 'binary-path', heading: 'The MessagePack path (`npm run bench:binary`, `bench/src/binary-path.ts`)' },
  main,
});
