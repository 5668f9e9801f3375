import type { MachineFacts } from './machine';
import type { RunResult } from './run-result';
import type { SystemFamily } from './system-adapter';
import type { Workload, WorkloadSettings } from './workloads';

/** One run: one workload × one system × one repetition, in fresh processes. */
export interface RunRecord {
  readonly workload: string;
  readonly system: string;
  readonly repetition: number;
  /** The figures, when the run succeeded. */
  readonly result?: RunResult;
  /** Why the run failed. */
  readonly error?: string;
  /** Abnormal events reported by either process (the run may still have succeeded). */
  readonly problems: readonly string[];
  /** Wall-clock time of the run, process start and stop included. */
  readonly wallSeconds: number;
  /**
   * Share (0–1) of the CPUs that other processes kept busy in the 250 ms before the run (full
   * mode only): a noise indicator on a shared machine.
   */
  readonly busyBefore?: number;
}

/** Median and range of one figure over the successful repetitions. */
export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One workload × system over its repetitions. */
export interface Summary {
  readonly workload: string;
  readonly system: string;
  readonly succeeded: number;
  readonly failed: number;
  readonly rate?: Figure;
  readonly p50Us?: Figure;
  readonly p99Us?: Figure;
}

/**
 * A system against a baseline in one workload, medians over repetitions, both oriented so that
 * above 1 means the system does better: `ratio` = system rate / baseline rate, `p50Ratio` =
 * baseline p50 latency / system p50 latency (workloads with latency).
 */
export interface Ratio {
  readonly workload: string;
  readonly system: string;
  readonly baseline: string;
  readonly ratio: number;
  readonly p50Ratio?: number;
}

/** The JSON written to `bench/results/<date>.json`. */
export interface BenchReport {
  readonly schema: 1;
  readonly date: string;
  readonly mode: 'full' | 'quick';
  /** Filtered by `--workload`/`--system`, or profiled: not comparable with a full run. */
  readonly partial: boolean;
  readonly command: string;
  readonly durationSeconds: number;
  readonly machine: MachineFacts;
  readonly repetitions: number;
  readonly workloads: readonly { name: string; description: string; unit: string; measuredBy: string; settings: WorkloadSettings }[];
  readonly systems: readonly { name: string; family: SystemFamily; description: string; settings: string }[];
  readonly baselines: { readonly perMessage: string; readonly batched: string };
  readonly runs: readonly RunRecord[];
  readonly summaries: readonly Summary[];
  readonly ratios: readonly Ratio[];
}

function figure(values: readonly number[]): Figure | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** Median and range per workload × system, in the given orders. */
export function summarize(runs: readonly RunRecord[], workloads: readonly string[], systems: readonly string[]): Summary[] {
  const out: Summary[] = [];
  for (const workload of workloads) {
    for (const system of systems) {
      const mine = runs.filter((r) => r.workload === workload && r.system === system);
      if (mine.length === 0) continue;
      const results = mine.flatMap((r) => (r.result === undefined ? [] : [r.result]));
      const rate = figure(results.map((r) => r.rate));
      const p50 = figure(results.flatMap((r) => (r.p50Us === undefined ? [] : [r.p50Us])));
      const p99 = figure(results.flatMap((r) => (r.p99Us === undefined ? [] : [r.p99Us])));
      out.push({
        workload,
        system,
        succeeded: results.length,
        failed: mine.length - results.length,
        ...(rate === undefined ? {} : { rate }),
        ...(p50 === undefined ? {} : { p50Us: p50 }),
        ...(p99 === undefined ? {} : { p99Us: p99 }),
      });
    }
  }
  return out;
}

/** Every non-baseline system against each baseline, per workload, where both have figures. */
export function ratios(
  summaries: readonly Summary[],
  systems: readonly { name: string; family: SystemFamily }[],
  baselines: readonly string[],
): Ratio[] {
  const out: Ratio[] = [];
  const find = (workload: string, system: string): Summary | undefined => summaries.find((s) => s.workload === workload && s.system === system);
  const workloads = [...new Set(summaries.map((s) => s.workload))];
  for (const system of systems.filter((s) => s.family !== 'baseline')) {
    for (const baseline of baselines) {
      for (const workload of workloads) {
        const a = find(workload, system.name);
        const b = find(workload, baseline);
        if (a?.rate === undefined || b?.rate === undefined || b.rate.median <= 0) continue;
        const p50 = a.p50Us !== undefined && b.p50Us !== undefined && a.p50Us.median > 0 ? { p50Ratio: b.p50Us.median / a.p50Us.median } : {};
        out.push({ workload, system: system.name, baseline, ratio: a.rate.median / b.rate.median, ...p50 });
      }
    }
  }
  return out;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatFigure(f: Figure | undefined, digits = 0): string {
  if (f === undefined) return 'failed';
  const fmt = (x: number): string => (digits === 0 ? int.format(x) : x.toFixed(digits));
  return f.min === f.max ? fmt(f.median) : `${fmt(f.median)} (${fmt(f.min)}–${fmt(f.max)})`;
}

/** Latency in µs with sensible precision. */
function formatLatency(f: Figure | undefined): string {
  if (f === undefined) return '–';
  return formatFigure(f, f.median < 100 ? 1 : 0);
}

/** The tables of absolute figures (one per workload) and of ratios, as Markdown. */
export function resultTables(report: BenchReport): string {
  const lines: string[] = [];
  const names = report.systems.map((s) => s.name);
  for (const w of report.workloads) {
    const rows = report.summaries.filter((s) => s.workload === w.name).sort((a, b) => names.indexOf(a.system) - names.indexOf(b.system));
    if (rows.length === 0) continue;
    const latency = rows.some((r) => r.p50Us !== undefined);
    lines.push(`### ${w.name}`, '');
    lines.push(latency ? `| system | ${w.unit} | p50 latency µs | p99 latency µs |` : `| system | ${w.unit} |`);
    lines.push(latency ? '|---|--:|--:|--:|' : '|---|--:|');
    for (const r of rows) {
      const failed = r.failed > 0 ? ` (${r.failed} of ${r.succeeded + r.failed} runs failed)` : '';
      const cells = [`\`${r.system}\``, formatFigure(r.rate) + failed];
      if (latency) cells.push(formatLatency(r.p50Us), formatLatency(r.p99Us));
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push(
    'Each cell: median of the repetitions (min–max). A wide range means other processes disturbed some runs ' +
      '(see the CPU share before each run, under Machine); the least disturbed run is usually the best one.',
    '',
  );
  if (report.ratios.length > 0) {
    // One column per main figure, and one per p50 latency where the workload has it.
    const columns: { workload: string; title: string; pick: (r: Ratio) => number | undefined }[] = [];
    for (const w of report.workloads) {
      const mine = report.ratios.filter((r) => r.workload === w.name);
      if (mine.length === 0) continue;
      columns.push({ workload: w.name, title: `${w.name} ${w.unit}`, pick: (r) => r.ratio });
      if (mine.some((r) => r.p50Ratio !== undefined)) columns.push({ workload: w.name, title: `${w.name} p50 latency`, pick: (r) => r.p50Ratio });
    }
    lines.push('### Ratios to the raw baselines (medians; above 1 means better than the baseline: more per second, or lower p50 latency)', '');
    lines.push(`| system / baseline | ${columns.map((c) => c.title).join(' | ')} |`);
    lines.push(`|---|${columns.map(() => '--:').join('|')}|`);
    const pairs = [...new Set(report.ratios.map((r) => `${r.system}\u0000${r.baseline}`))];
    for (const pair of pairs) {
      const [system, baseline] = pair.split('\u0000') as [string, string];
      const cells = columns.map((c) => {
        const r = report.ratios.find((x) => x.system === system && x.baseline === baseline && x.workload === c.workload);
        const v = r === undefined ? undefined : c.pick(r);
        return v === undefined ? '–' : `${v.toFixed(2)}×`;
      });
      lines.push(`| \`${system}\` / \`${baseline}\` | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The problems and failures of the runs, as Markdown list items (empty when none). */
export function problemList(report: BenchReport): string[] {
  const out: string[] = [];
  for (const r of report.runs) {
    const where = `${r.workload} × ${r.system}, repetition ${r.repetition}`;
    if (r.error !== undefined) out.push(`- **failed**: ${where}: ${oneLine(r.error)}`);
    for (const p of r.problems) out.push(`- ${where}: ${oneLine(p)}`);
  }
  return out;
}

function oneLine(text: string): string {
  const first = text.split('\n').slice(0, 3).join(' ⏎ ');
  return first.length > 400 ? `${first.slice(0, 400)}…` : first;
}

const HISTORY = '## History';
const HISTORY_INTRO =
  'Each optimisation of rxmsg appends an entry here: the date, the change (commit), and the ratios before and after, ' +
  'from two runs of `npm run bench` on the same machine (copy the ratio rows of both RESULTS.md versions).';

/** How busy other processes kept the CPUs before the runs, when it was sampled. */
function noiseLine(report: BenchReport): string[] {
  const samples = report.runs.flatMap((r) => (r.busyBefore === undefined ? [] : [r.busyBefore])).sort((a, b) => a - b);
  if (samples.length === 0) return [];
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const noisy = samples.filter((x) => x > 0.15).length;
  return [
    `- CPU share used by other processes in the 250 ms before each run (the harness waits up to 2 s for it to fall under 15%): ` +
      `median ${pct(samples[samples.length >> 1]!)}, max ${pct(samples[samples.length - 1]!)}; ${noisy} of ${samples.length} runs started above 15%`,
  ];
}

/**
 * In ping-pong both raw baselines run the same code (one message is in flight, so every write
 * holds one message): the gap between their medians shows the run-to-run noise of this machine.
 */
export function noiseCheck(report: BenchReport): string | undefined {
  const rate = (system: string): number | undefined =>
    report.summaries.find((s) => s.workload === 'ping-pong' && s.system === system)?.rate?.median;
  const a = rate(report.baselines.perMessage);
  const b = rate(report.baselines.batched);
  if (a === undefined || b === undefined) return undefined;
  const gap = Math.abs(a - b) / Math.max(a, b);
  return (
    `Noise check: in ping-pong \`${report.baselines.perMessage}\` and \`${report.baselines.batched}\` run the same code ` +
    `(one message in flight, so one message per write either way); their medians differ by ${Math.round(gap * 100)}% in this run.`
  );
}

/** Settings of a workload, for the report. */
function describeSettings(s: WorkloadSettings): string {
  if (s.kind === 'one-way') return `${int.format(s.total)} messages, the first ${int.format(s.warmup)} not timed, time limit ${s.timeLimitMs / 1000} s`;
  return (
    `up to ${int.format(s.total)} requests, ${int.format(s.window)} in flight, the first ${int.format(s.warmup)} replies not timed, ` +
    `no new request after ${s.timeLimitMs / 1000} s`
  );
}

/**
 * The whole `bench/RESULTS.md`: tables, problems, how they were produced, machine facts, and
 * the History section carried over from `previous` (the file's current text).
 */
export function resultsMarkdown(report: BenchReport, resultFile: string, previous: string | undefined): string {
  const m = report.machine;
  const at = previous?.indexOf(`\n${HISTORY}\n`) ?? -1;
  const history = previous !== undefined && at !== -1 ? previous.slice(at + 1).trimEnd() : `${HISTORY}\n\n${HISTORY_INTRO}`;
  const problems = problemList(report);
  const noise = noiseCheck(report);
  const lines = [
    '# rxmsg benchmark results',
    '',
    `Measured ${report.date} with \`${report.command}\` (${report.mode} mode, ${report.repetitions} repetitions, ` +
      `${Math.round(report.durationSeconds)} s in all); raw data in [\`${resultFile}\`](${resultFile}).`,
    '',
    '## Results',
    '',
    resultTables(report),
    ...(noise === undefined ? [] : [noise, '']),
    '## Problems seen in this run',
    '',
    ...(problems.length === 0 ? ['None: every run completed, no error or abnormal event was reported.'] : problems),
    '',
    '## How it was produced',
    '',
    `- \`npm run bench\` builds with \`tsc -b bench\` and runs \`bench/dist/run.js\`. For each repetition, workload and system (in that`,
    `  nesting, so repetitions interleave), it starts a **server process and a client process** (\`bench/dist/child.js\`, fresh`,
    `  for every run), ${m.pinning.server === undefined ? 'unpinned' : 'pinned with `taskset -c 0` (server) and `taskset -c 1` (client)'},`,
    '  connected over 127.0.0.1 or a Unix socket in `os.tmpdir()`; they report over IPC. Every run is bounded by its counts, by',
    '  a time limit, and by a parent-side deadline after which both processes are killed.',
    '- Every system sends the same messages, `{"kind":"Ping","n":i}` from client to server and `{"kind":"Pong","n":i}` back;',
    '  every receiver decodes each message on its own (`JSON.parse` per line, or MessagePack per frame) and checks it',
    '  (rxmsg with the protocol\'s zod schemas, the raw baselines with a hand-written type check). Senders set `noDelay`.',
    '- Workloads:',
    ...report.workloads.map((w) => `  - **${w.name}** (${w.unit}, measured by the ${w.measuredBy}): ${w.description} Counts: ${describeSettings(w.settings)}.`),
    '- Systems:',
    ...report.systems.map(
      (s) => `  - \`${s.name}\` (${s.family}): ${s.description}.${s.settings.length > 0 ? ` Settings: ${s.settings}.` : ''}`,
    ),
    `- Ratios divide each system's median by the median of \`${report.baselines.perMessage}\` (one write per message) and of`,
    `  \`${report.baselines.batched}\` (64 messages per write, the limit for JSON lines).`,
    '- Latency is the time from emitting a request (before it is queued or written) to decoding its reply, on the client.',
    '- Other options: `--quick` (tiny counts, one repetition, an end-to-end check only), `--workload a,b`, `--system x,y`,',
    '  `--repetitions n`, `--cpu-prof` (profiles of both processes in `bench/profiles/`, git-ignored). Only a full, unfiltered',
    '  run rewrites this file (keeping the History section).',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpuModel}, ${m.cpuCount} logical CPUs (${m.availableParallelism} available to Node), ` +
      (m.cpuSpeedMHz > 0 ? `${m.cpuSpeedMHz} MHz reported` : 'clock speed not reported'),
    `- Memory: ${m.totalMemoryGiB} GiB; OS: ${m.platform} ${m.release} (${m.arch})`,
    `- Node ${m.node} (V8 ${m.v8})`,
    `- Pinning: ${m.pinning.note}`,
    `- Load average at start: ${m.loadAverage.join(', ')}`,
    ...noiseLine(report),
    '',
    history,
    '',
  ];
  return lines.join('\n');
}

/** The settings each workload ran with in this mode, for the report. */
export function workloadEntries(workloads: readonly Workload[], quick: boolean): BenchReport['workloads'] {
  return workloads.map((w) => ({
    name: w.name,
    description: w.description,
    unit: w.unit,
    measuredBy: w.measuredBy,
    settings: quick ? w.quick : w.full,
  }));
}
