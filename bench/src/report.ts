import type { MachineFacts } from './machine';
import type { RecordedResult } from './run-result';
import type { SystemFamily } from './system-adapter';
import type { RatioFigure, Workload, WorkloadSettings } from './workloads';

/** One run: one workload × one system × one repetition, in fresh processes. */
export interface RunRecord {
  readonly workload: string;
  readonly system: string;
  readonly repetition: number;
  /** The figures, when the run succeeded. */
  readonly result?: RecordedResult;
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
  /** Server RSS per idle connection, in bytes (fan-in and idle workloads). */
  readonly rssPerConnectionBytes?: Figure;
  /** Client RSS per idle connection, in bytes (idle workloads). */
  readonly clientRssPerConnectionBytes?: Figure;
  /** Client JS heap used per idle connection, in bytes (idle workloads). */
  readonly clientHeapPerConnectionBytes?: Figure;
  /** Why this system does not run this workload (no runs then). */
  readonly notApplicable?: string;
}

/**
 * A system against a baseline (a raw baseline or a peer library) in one workload, medians over
 * repetitions, all oriented so that above 1 means the system does better: `ratio` = system
 * rate / baseline rate, `p50Ratio` = baseline p50 latency / system p50 latency (workloads with
 * latency), `rssRatio` = baseline RSS per idle connection / the system's (fan-in).
 */
export interface Ratio {
  readonly workload: string;
  readonly system: string;
  readonly baseline: string;
  /** What the baseline is: a raw baseline or a peer library. */
  readonly against: 'baseline' | 'peer';
  readonly ratio: number;
  /** System rate / baseline rate of their best repetitions (the least disturbed runs). */
  readonly bestRatio: number;
  readonly p50Ratio?: number;
  readonly rssRatio?: number;
  /** Baseline client RSS per idle connection / the system's (idle workloads). */
  readonly clientRssRatio?: number;
  /** Baseline client JS heap per idle connection / the system's (idle workloads). */
  readonly clientHeapRatio?: number;
}

/** A workload as the report describes it. */
export interface WorkloadEntry {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly measuredBy: string;
  readonly settings: WorkloadSettings;
  /** Repetitions it ran with (fewer than the run's for long workloads in full mode). */
  readonly repetitions: number;
  /** Why it ran fewer repetitions, when it did. */
  readonly repetitionsNote?: string;
  readonly ratioFigures: readonly RatioFigure[];
}

/** The JSON written to `bench/results/<date>.json`. */
export interface BenchReport {
  /** 2: fan-in, handover, peers, n/a entries, RSS figures; 3: best-run ratios (`Ratio.bestRatio`). */
  readonly schema: 3;
  readonly date: string;
  readonly mode: 'full' | 'quick';
  /** Filtered by `--workload`/`--system`, or profiled: not comparable with a full run. */
  readonly partial: boolean;
  readonly command: string;
  readonly durationSeconds: number;
  readonly machine: MachineFacts;
  readonly repetitions: number;
  readonly workloads: readonly WorkloadEntry[];
  readonly systems: readonly {
    name: string;
    family: SystemFamily;
    description: string;
    settings: string;
    /** Workloads this system ran with its own settings (full mode), see `SystemAdapter.fullSettings`. */
    fullSettings?: Readonly<Partial<Record<string, WorkloadSettings>>>;
    /** Why neither of its processes was pinned, when they were not (see `SystemAdapter.unpinned`). */
    unpinned?: string;
  }[];
  readonly baselines: { readonly perMessage: string; readonly batched: string };
  /** The peer libraries every rxmsg system is also compared with. */
  readonly peers: readonly string[];
  /** Workload × system pairs that were not run, and why. */
  readonly notApplicable: readonly { readonly workload: string; readonly system: string; readonly reason: string }[];
  /** The throughput chart, relative to the JSON file (full and quick runs). */
  readonly chart?: string;
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

/** Median and range per workload × system, in the given orders; n/a pairs get their reason. */
export function summarize(
  runs: readonly RunRecord[],
  workloads: readonly string[],
  systems: readonly string[],
  notApplicable: BenchReport['notApplicable'] = [],
): Summary[] {
  const out: Summary[] = [];
  for (const workload of workloads) {
    for (const system of systems) {
      const na = notApplicable.find((x) => x.workload === workload && x.system === system);
      if (na !== undefined) {
        out.push({ workload, system, succeeded: 0, failed: 0, notApplicable: na.reason });
        continue;
      }
      const mine = runs.filter((r) => r.workload === workload && r.system === system);
      if (mine.length === 0) continue;
      const results = mine.flatMap((r) => (r.result === undefined ? [] : [r.result]));
      const rate = figure(results.map((r) => r.rate));
      const p50 = figure(results.flatMap((r) => (r.p50Us === undefined ? [] : [r.p50Us])));
      const p99 = figure(results.flatMap((r) => (r.p99Us === undefined ? [] : [r.p99Us])));
      const rss = figure(results.flatMap((r) => (r.serverRss === undefined ? [] : [r.serverRss.perConnectionBytes])));
      const clientRss = figure(results.flatMap((r) => (r.clientMemory === undefined ? [] : [r.clientMemory.perConnectionBytes])));
      const clientHeap = figure(results.flatMap((r) => (r.clientMemory?.perConnectionHeapBytes === undefined ? [] : [r.clientMemory.perConnectionHeapBytes])));
      out.push({
        workload,
        system,
        succeeded: results.length,
        failed: mine.length - results.length,
        ...(rate === undefined ? {} : { rate }),
        ...(p50 === undefined ? {} : { p50Us: p50 }),
        ...(p99 === undefined ? {} : { p99Us: p99 }),
        ...(rss === undefined ? {} : { rssPerConnectionBytes: rss }),
        ...(clientRss === undefined ? {} : { clientRssPerConnectionBytes: clientRss }),
        ...(clientHeap === undefined ? {} : { clientHeapPerConnectionBytes: clientHeap }),
      });
    }
  }
  return out;
}

/**
 * Every non-baseline system (rxmsg and peers) against each raw baseline, and every rxmsg system
 * against each peer library, per workload, where both have figures.
 */
export function ratios(summaries: readonly Summary[], systems: readonly { name: string; family: SystemFamily }[], baselines: readonly string[]): Ratio[] {
  const out: Ratio[] = [];
  const find = (workload: string, system: string): Summary | undefined => summaries.find((s) => s.workload === workload && s.system === system);
  const workloads = [...new Set(summaries.map((s) => s.workload))];
  const peers = systems.filter((s) => s.family === 'peer').map((s) => s.name);
  const pairs: { system: string; baseline: string; against: Ratio['against'] }[] = [];
  for (const system of systems.filter((s) => s.family !== 'baseline')) {
    for (const baseline of baselines) pairs.push({ system: system.name, baseline, against: 'baseline' });
  }
  for (const system of systems.filter((s) => s.family === 'rxmsg')) {
    for (const peer of peers) pairs.push({ system: system.name, baseline: peer, against: 'peer' });
  }
  for (const { system, baseline, against } of pairs) {
    for (const workload of workloads) {
      const a = find(workload, system);
      const b = find(workload, baseline);
      if (a?.rate === undefined || b?.rate === undefined || b.rate.median <= 0) continue;
      const p50 = a.p50Us !== undefined && b.p50Us !== undefined && a.p50Us.median > 0 ? { p50Ratio: b.p50Us.median / a.p50Us.median } : {};
      // Memory: the baseline's bytes per connection / the system's (above 1: the system uses less); only when both grew.
      const less = (x: Figure | undefined, y: Figure | undefined): number | undefined =>
        x !== undefined && y !== undefined && x.median > 0 && y.median > 0 ? y.median / x.median : undefined;
      const rssRatio = less(a.rssPerConnectionBytes, b.rssPerConnectionBytes);
      const clientRssRatio = less(a.clientRssPerConnectionBytes, b.clientRssPerConnectionBytes);
      const clientHeapRatio = less(a.clientHeapPerConnectionBytes, b.clientHeapPerConnectionBytes);
      const bestRatio = a.rate.max / b.rate.max;
      out.push({
        workload,
        system,
        baseline,
        against,
        ratio: a.rate.median / b.rate.median,
        bestRatio,
        ...p50,
        ...(rssRatio === undefined ? {} : { rssRatio }),
        ...(clientRssRatio === undefined ? {} : { clientRssRatio }),
        ...(clientHeapRatio === undefined ? {} : { clientHeapRatio }),
      });
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

/** Bytes as KiB with one decimal. */
function formatKiB(f: Figure | undefined): string {
  if (f === undefined) return '–';
  const k = (x: number): string => (x / 1024).toFixed(1);
  return f.min === f.max ? k(f.median) : `${k(f.median)} (${k(f.min)}–${k(f.max)})`;
}

/** Superscript digits marking the n/a reasons under a table. */
function footnoteMark(i: number): string {
  return String(i + 1).replace(/\d/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)]!);
}

/** The table of one workload's absolute figures, with its n/a reasons under it. */
function workloadTable(report: BenchReport, w: WorkloadEntry): string[] {
  const names = report.systems.map((s) => s.name);
  const rows = report.summaries.filter((s) => s.workload === w.name).sort((a, b) => names.indexOf(a.system) - names.indexOf(b.system));
  if (rows.length === 0) return [];
  const latency = rows.some((r) => r.p50Us !== undefined);
  const rss = rows.some((r) => r.rssPerConnectionBytes !== undefined);
  const client = rows.some((r) => r.clientRssPerConnectionBytes !== undefined);
  const runs = w.repetitions === report.repetitions ? '' : ` (${w.repetitions} repetition${w.repetitions === 1 ? '' : 's'})`;
  const lines = [`### ${w.name}${runs}`, ''];
  const head = [
    'system',
    w.unit,
    ...(latency ? ['p50 latency µs', 'p99 latency µs'] : []),
    ...(client ? ['client RSS per idle connection, KiB', 'client JS heap per idle connection, KiB'] : []),
    ...(rss ? ['server RSS per idle connection, KiB'] : []),
  ];
  lines.push(`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '--:').join('|')}|`);
  const reasons: string[] = [];
  for (const r of rows) {
    if (r.notApplicable !== undefined) {
      if (!reasons.includes(r.notApplicable)) reasons.push(r.notApplicable);
      const mark = `n/a${footnoteMark(reasons.indexOf(r.notApplicable))}`;
      lines.push(`| \`${r.system}\` | ${head.slice(1).map(() => mark).join(' | ')} |`);
      continue;
    }
    const failed = r.failed > 0 ? ` (${r.failed} of ${r.succeeded + r.failed} runs failed)` : '';
    const cells = [`\`${r.system}\``, formatFigure(r.rate) + failed];
    if (latency) cells.push(formatLatency(r.p50Us), formatLatency(r.p99Us));
    if (client) cells.push(formatKiB(r.clientRssPerConnectionBytes), formatKiB(r.clientHeapPerConnectionBytes));
    if (rss) cells.push(formatKiB(r.rssPerConnectionBytes));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  reasons.forEach((reason, i) => lines.push(`${footnoteMark(i)} n/a: ${reason}.`, ''));
  return lines;
}

/** One ratio table: the pairs of `against`, one column per figure each workload compares. */
function ratioTable(report: BenchReport, against: Ratio['against']): string[] {
  const mine = report.ratios.filter((r) => r.against === against);
  if (mine.length === 0) return [];
  const columns: { workload: string; title: string; pick: (r: Ratio) => number | undefined }[] = [];
  for (const w of report.workloads) {
    const these = mine.filter((r) => r.workload === w.name);
    if (these.length === 0) continue;
    for (const f of w.ratioFigures) {
      if (f === 'rate') columns.push({ workload: w.name, title: `${w.name} ${w.unit}`, pick: (r) => r.ratio });
      if (f === 'p50' && these.some((r) => r.p50Ratio !== undefined)) columns.push({ workload: w.name, title: `${w.name} p50 latency`, pick: (r) => r.p50Ratio });
      if (f === 'clientRss' && these.some((r) => r.clientRssRatio !== undefined)) {
        columns.push({ workload: w.name, title: `${w.name} client RSS per connection`, pick: (r) => r.clientRssRatio });
      }
      if (f === 'clientHeap' && these.some((r) => r.clientHeapRatio !== undefined)) {
        columns.push({ workload: w.name, title: `${w.name} client JS heap per connection`, pick: (r) => r.clientHeapRatio });
      }
      if (f === 'rss' && these.some((r) => r.rssRatio !== undefined)) {
        columns.push({ workload: w.name, title: `${w.name} ${w.name.startsWith('idle') ? 'server ' : ''}RSS per connection`, pick: (r) => r.rssRatio });
      }
    }
  }
  const title =
    against === 'baseline'
      ? '### Ratios to the raw baselines'
      : `### Ratios of rxmsg to the peer libraries (${report.peers.map((p) => `\`${p}\``).join(', ')})`;
  const lines = [
    `${title} (medians; above 1 means better than the ${against === 'baseline' ? 'baseline' : 'peer'}: more per second, lower p50 latency, less RSS)`,
    '',
    `| system / ${against === 'baseline' ? 'baseline' : 'peer'} | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---|${columns.map(() => '--:').join('|')}|`,
  ];
  const pairs = [...new Set(mine.map((r) => `${r.system}\u0000${r.baseline}`))];
  for (const pair of pairs) {
    const [system, baseline] = pair.split('\u0000') as [string, string];
    const cells = columns.map((c) => {
      const r = mine.find((x) => x.system === system && x.baseline === baseline && x.workload === c.workload);
      const v = r === undefined ? undefined : c.pick(r);
      return v === undefined ? '–' : `${v.toFixed(2)}×`;
    });
    lines.push(`| \`${system}\` / \`${baseline}\` | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

/**
 * The rate ratios of rxmsg's best repetitions to the best ones of each raw baseline and peer: a
 * view of the least disturbed runs, for when the medians land in different noise modes.
 */
function bestRatioTable(report: BenchReport): string[] {
  const rxmsg = new Set(report.systems.filter((s) => s.family === 'rxmsg').map((s) => s.name));
  const mine = report.ratios.filter((r) => rxmsg.has(r.system));
  const workloads = report.workloads.filter((w) => w.repetitions > 1 && mine.some((r) => r.workload === w.name));
  if (mine.length === 0 || workloads.length === 0) return [];
  const lines = [
    '### Ratios of the best repetitions (rxmsg\'s best run / the other system\'s best run, rates only; above 1 means rxmsg does better)',
    '',
    `| system / other | ${workloads.map((w) => `${w.name} ${w.unit}`).join(' | ')} |`,
    `|---|${workloads.map(() => '--:').join('|')}|`,
  ];
  for (const pair of [...new Set(mine.map((r) => `${r.system}\u0000${r.baseline}`))]) {
    const [system, other] = pair.split('\u0000') as [string, string];
    const cells = workloads.map((w) => {
      const r = mine.find((x) => x.system === system && x.baseline === other && x.workload === w.name);
      return r === undefined ? '–' : `${r.bestRatio.toFixed(2)}×`;
    });
    lines.push(`| \`${system}\` / \`${other}\` | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

/** The tables of absolute figures (one per workload) and of ratios, as Markdown. */
export function resultTables(report: BenchReport): string {
  const lines: string[] = [];
  for (const w of report.workloads) lines.push(...workloadTable(report, w));
  lines.push(
    'Each cell: median of the repetitions (min–max). A wide range means other processes disturbed some runs ' +
      '(see the CPU share before each run, under Machine); the least disturbed run is usually the best one.',
    '',
  );
  lines.push(...ratioTable(report, 'baseline'), ...ratioTable(report, 'peer'), ...bestRatioTable(report));
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

/** The systems whose processes were not pinned, and why, as a clause of the pinning sentence ('' when none). */
function unpinnedClause(report: BenchReport): string {
  const unpinned = report.systems.filter((s) => s.unpinned !== undefined);
  if (unpinned.length === 0) return '';
  return `; except ${unpinned.map((s) => `\`${s.name}\` (${s.unpinned})`).join(', ')}: neither of its processes is pinned, so its row measures the system and the client sharing all CPUs`;
}

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

/** The clause saying a measured period is extended until `minSamples` were counted, or nothing. */
function atLeast(minSamples: number | undefined, what: string): string {
  return minSamples === undefined ? '' : ` (or longer, until ${int.format(minSamples)} ${what} were counted)`;
}

/** Settings of a workload, for the report. */
function describeSettings(s: WorkloadSettings): string {
  if (s.kind === 'one-way') return `${int.format(s.total)} messages, the first ${int.format(s.warmup)} not timed, time limit ${s.timeLimitMs / 1000} s`;
  if (s.kind === 'fan-in') {
    return (
      `${int.format(s.connections)} connections (at most ${s.connectConcurrency} being opened at a time), ` +
      `${s.warmupMs} ms of ping-pong not timed, then ${s.durationMs / 1000} s measured${atLeast(s.minSamples, 'round trips')}; time limit ${s.timeLimitMs / 1000} s`
    );
  }
  if (s.kind === 'idle') {
    return `${int.format(s.connections)} connections (at most ${s.connectConcurrency} being opened at a time); time limit ${s.timeLimitMs / 1000} s`;
  }
  if (s.kind === 'handover') {
    return (
      `${s.concurrency} connections at a time, ${s.warmupMs} ms not timed, then ${s.durationMs / 1000} s measured` +
      `${atLeast(s.minSamples, 'connections')}; time limit ${s.timeLimitMs / 1000} s`
    );
  }
  return (
    `up to ${int.format(s.total)} requests, ${int.format(s.window)} in flight, the first ${int.format(s.warmup)} replies not timed, ` +
    `no new request after ${s.timeLimitMs / 1000} s`
  );
}

/**
 * The whole `bench/RESULTS.md`: tables, problems, how they were produced, machine facts, and
 * the History section carried over from `previous` (the file's current text).
 */
export function resultsMarkdown(report: BenchReport, resultFile: string, previous: string | undefined, chartFile?: string): string {
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
    ...(chartFile === undefined
      ? []
      : [`![One-way messages/s and pipelined answers/s per system (medians)](${chartFile})`, '', `Throughput per system, medians of this run ([\`${chartFile}\`](${chartFile})).`, '']),
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
    `  for every run), ${m.pinning.server === undefined ? 'unpinned' : 'pinned with `taskset -c 0` (server) and `taskset -c 1` (client)'}` +
      unpinnedClause(report) +
      ',',
    '  connected over 127.0.0.1 or a Unix socket in `os.tmpdir()`; they report over IPC. Every run is bounded by its counts, by',
    '  a time limit, and by a parent-side deadline after which both processes are killed.',
    '- Every system sends the same messages, `{"kind":"Ping","n":i}` from client to server and `{"kind":"Pong","n":i}` back;',
    '  every receiver decodes each message on its own (`JSON.parse` per line or per WebSocket message, or MessagePack per frame)',
    '  and checks it (rxmsg with the protocol\'s zod schemas, the raw baselines and the peer libraries with a hand-written type',
    '  check). Senders set `noDelay`. Peer libraries are used as their documentation shows, with the settings listed below.',
    '- Workloads:',
    ...report.workloads.map(
      (w) =>
        `  - **${w.name}** (${w.unit}, measured by the ${w.measuredBy}): ${w.description} Counts: ${describeSettings(w.settings)}.` +
        (w.repetitionsNote === undefined ? '' : ` Repetitions: ${w.repetitions}, because ${w.repetitionsNote}.`),
    ),
    '- Systems:',
    ...report.systems.map(
      (s) => `  - \`${s.name}\` (${s.family}): ${s.description}.${s.settings.length > 0 ? ` Settings: ${s.settings}.` : ''}`,
    ),
    `- Ratios divide each system's median by the median of \`${report.baselines.perMessage}\` (one write per message) and of`,
    `  \`${report.baselines.batched}\` (64 messages per write, the limit for JSON lines), and each rxmsg system's by each peer`,
    `  library's (${report.peers.map((p) => `\`${p}\``).join(', ')}). Compare like with like: \`rxmsg-ws-*\` with \`ws-json\` and`,
    '  `socket-io` (all WebSocket), `rxmsg-tcp-*` with `rsocket-tcp` and the raw baselines (all TCP).',
    '- The best-repetition table divides the rate of each rxmsg system\'s best run by the best run of the other system. On a',
    '  virtual machine, ping-pong latency was seen to have two modes for every system (a p50 round trip of about 10 µs, or of',
    '  about 20 µs), and which one a run lands in varies from run to run; medians may then compare runs of different modes,',
    '  the best runs compare the undisturbed mode of each.',
    `- File descriptors: a fan-in or idle process holds one per connection (2,000 in \`fan-in-2000\`, 10,000 in \`idle-10k\`); the`,
    `  harness reads the soft limit from \`/proc/self/limits\` (Node cannot raise it). A workload that needs more is skipped, with`,
    `  the reason and the \`ulimit -n\` to use in its n/a footnote, unless it was named with \`--workload\`: then the bench stops`,
    `  with that message; each child checks the limit again.` +
      (m.openFileLimit === undefined ? '' : ` Limit here: ${int.format(m.openFileLimit)}.`),
    '- Memory: both processes run with `--expose-gc`; every memory figure is read after two forced GCs (`process.memoryUsage()`:',
    '  RSS, and `heapUsed` for the JS heap) and is the growth from the reading before the first connection, divided by the',
    '  connections. Processes that load their library on first use (rxmsg, socket.io) load it before the idle client\'s first reading.',
    '- Latency is the time from emitting a request (before it is queued or written) to decoding its reply, on the client.',
    '- Other options: `--quick` (tiny counts, one repetition, three runs at a time and unpinned: an end-to-end check only),',
    '  `--workload a,b`, `--system x,y`, `--repetitions n`, `--cpu-prof` (profiles of both processes in `bench/profiles/`,',
    '  git-ignored). Only a full, unfiltered run rewrites this file (keeping the History section) and `chart.svg`; every run',
    '  writes its JSON and its chart (`results/<date>.svg`).',
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

/** Repetitions of `w` in a run of `repetitions`: fewer for long workloads in full mode. */
export function workloadRepetitions(w: Workload, repetitions: number, quick: boolean): number {
  return quick || w.fullRepetitions === undefined ? repetitions : Math.min(repetitions, w.fullRepetitions.max);
}

/** The settings each workload ran with in this mode, for the report. */
export function workloadEntries(workloads: readonly Workload[], quick: boolean, repetitions: number): WorkloadEntry[] {
  return workloads.map((w) => {
    const reps = workloadRepetitions(w, repetitions, quick);
    return {
      name: w.name,
      description: w.description,
      unit: w.unit,
      measuredBy: w.measuredBy,
      settings: quick ? w.quick : w.full,
      repetitions: reps,
      ...(reps < repetitions && w.fullRepetitions !== undefined ? { repetitionsNote: w.fullRepetitions.why } : {}),
      ratioFigures: w.ratioFigures,
    };
  });
}
