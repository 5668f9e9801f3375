/**
 * `npm run bench`: every workload × system × repetition in fresh server and client
 * processes, then the tables of absolute figures and of ratios against the raw baselines and
 * the peer libraries, written to `bench/results/<date>.json` with a throughput chart
 * (`<date>.svg`) and (full runs) `bench/RESULTS.md` and `bench/chart.svg`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { BenchProcess, waitFor } from './bench-process';
import { throughputChart } from './chart-svg';
import { USAGE, UsageError, parseOptions, type BenchOptions } from './cli-options';
import { detectPinning, fileLimitShortfall, machineFacts, openFileLimit, waitForQuiet, type Pinning } from './machine';
import {
  noiseCheck,
  problemList,
  ratios,
  resultTables,
  resultsMarkdown,
  summarize,
  workloadEntries,
  workloadRepetitions,
  type BenchReport,
  type RunRecord,
} from './report';
import type { RecordedResult, ServerRss } from './run-result';
import { runSettings, scaledSettings } from './run-settings';
import type { SystemAdapter } from './system-adapter';
import { BASELINE_BATCHED, BASELINE_PER_MESSAGE, SYSTEMS } from './systems';
import { WORKLOADS, type Workload, type WorkloadSettings } from './workloads';

const BENCH_DIR = join(__dirname, '..');
/** Time a run may take beyond its workload's time limit (process start, connect, stop). */
const RUN_ALLOWANCE_MS = 15_000;
/** How long a one-way receiver may lag behind a sender that finished. */
const RECEIVER_GRACE_MS = 5_000;
/** How long a process may take to exit after `stop` before it is killed, plus {@link EXIT_GRACE_PER_CONNECTION_MS} per connection. */
const EXIT_GRACE_MS = 5_000;
/** A server closing 10,000 connections (idle-10k) is seen to take several seconds on a loaded machine. */
const EXIT_GRACE_PER_CONNECTION_MS = 1;
/** Before each full run: wait (up to 8 × 250 ms) while other processes keep more than this share of the CPUs busy. */
const QUIET_SHARE = 0.15;
/**
 * Runs under way at once in quick mode, which checks the harness end to end and measures
 * nothing: a tiny run is mostly process start-up and waiting, so three overlap well on two CPUs (unpinned: pinning is for measurements).
 * A full run measures one run at a time.
 */
const QUICK_PARALLEL_RUNS = 3;

/** Run `task` on every item, at most `limit` at a time, in order of the items. */
async function inParallel<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface RunContext {
  readonly pinning: Pinning;
  readonly cpuProf: boolean;
  readonly stamp: string;
  /** Sample (and wait for) a quiet machine before each run. */
  readonly settle: boolean;
}

/**
 * A fresh server and client process (`nodeArgs` per role: profiling), pinned as `ctx` says unless
 * the system asks for none ({@link SystemAdapter.unpinned}: a cluster's workers need both CPUs).
 */
function spawnPair(ctx: RunContext, system: SystemAdapter, nodeArgs: (role: string) => string[]): readonly [BenchProcess, BenchProcess] {
  const pin = system.unpinned === undefined ? ctx.pinning : { server: undefined, client: undefined };
  // --expose-gc: the memory figures (fan-in, idle) are read after forced GCs.
  const server = new BenchProcess({ role: 'server', cpu: pin.server, nodeArgs: ['--expose-gc', ...nodeArgs('server')] });
  const client = new BenchProcess({ role: 'client', cpu: pin.client, nodeArgs: ['--expose-gc', ...nodeArgs('client')] });
  return [server, client];
}

function pick<T extends { readonly name: string }>(all: readonly T[], wanted: readonly string[], what: string): T[] {
  if (wanted.length === 0) return [...all];
  const unknown = wanted.filter((w) => !all.some((a) => a.name === w));
  if (unknown.length > 0) throw new UsageError(`unknown ${what} ${unknown.join(', ')}; known: ${all.map((a) => a.name).join(', ')}`);
  return all.filter((a) => wanted.includes(a.name));
}

/** Why `system` does not run `workload`, or `undefined` when it does. */
function notApplicable(workload: Workload, system: SystemAdapter): string | undefined {
  const declared = system.notApplicable?.[workload.name];
  if (declared !== undefined) return declared;
  return workload.handoverOnly !== undefined && system.handover === undefined ? workload.handoverOnly : undefined;
}

/** The `index`-th RSS report of a server process (RSS and, when reported, heap bytes), if it arrived. */
function rssReport(server: BenchProcess, index: number): { bytes: number; heapBytes?: number | undefined } | undefined {
  const m = server.messages.filter((x) => x.type === 'rss')[index];
  return m?.type === 'rss' ? m : undefined;
}

/** What a server's memory grew by per connection, from its readings with none and with `n` idle. */
function perConnection(
  baseline: { bytes: number; heapBytes?: number | undefined },
  idle: { bytes: number; heapBytes?: number | undefined },
  n: number,
): ServerRss {
  const rss: ServerRss = { baselineBytes: baseline.bytes, idleBytes: idle.bytes, connections: n, perConnectionBytes: (idle.bytes - baseline.bytes) / n };
  if (idle.heapBytes !== undefined && baseline.heapBytes !== undefined) rss.perConnectionHeapBytes = (idle.heapBytes - baseline.heapBytes) / n;
  return rss;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Throw if either process failed: an `error` message, a non-zero exit, or a server gone before the end. */
function checkHealth(server: BenchProcess, client: BenchProcess): void {
  for (const p of [server, client]) {
    const e = p.find('error');
    if (e !== undefined) throw new Error(`${p.options.role}: ${e.text}`);
    if (p.exit !== undefined && p.exit.code !== 0) {
      const how = p.exit.signal ?? `code ${p.exit.code}`;
      throw new Error(`${p.options.role} process exited with ${how}${p.stderr.length > 0 ? `: ${p.stderr.trim().slice(-500)}` : ''}`);
    }
  }
  if (server.exit !== undefined) throw new Error('server process exited during the run');
}

async function runOnce(workload: Workload, settings: WorkloadSettings, system: SystemAdapter, repetition: number, ctx: RunContext): Promise<RunRecord> {
  const busyBefore = ctx.settle ? await waitForQuiet(QUIET_SHARE, 250, 8) : undefined;
  const started = Date.now();
  const deadline = started + settings.timeLimitMs + RUN_ALLOWANCE_MS;
  const socketDir = mkdtempSync(join(tmpdir(), 'rxmsg-bench-'));
  const nodeArgs = (role: string): string[] =>
    ctx.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${join(BENCH_DIR, 'profiles')}`, `--cpu-prof-name=${ctx.stamp}-${workload.name}-${system.name}-r${repetition}-${role}.cpuprofile`]
      : [];
  const [server, client] = spawnPair(ctx, system, nodeArgs);
  const both = [server, client];
  const problems: string[] = [];
  let result: RecordedResult | undefined;
  let error: string | undefined;
  try {
    await waitFor(both, () => {
      checkHealth(server, client);
      return server.find('loaded') !== undefined && client.find('loaded') !== undefined ? true : undefined;
    }, deadline, 'both processes to start');
    const common = { type: 'start', system: system.name, workload: workload.name, settings } as const;
    server.send({ ...common, role: 'server', socketDir });
    const ready = await waitFor(both, () => {
      checkHealth(server, client);
      return server.find('ready');
    }, deadline, 'the server to listen');
    let serverRss: ServerRss | undefined;
    if (settings.kind === 'fan-in') {
      // RSS with no connection, then with every connection open and idle; then the ping-pong.
      const healthyRss = (i: number) => (): { bytes: number; heapBytes?: number | undefined } | undefined => {
        checkHealth(server, client);
        return rssReport(server, i);
      };
      server.send({ type: 'measure-rss' });
      const baseline = await waitFor(both, healthyRss(0), deadline, 'the server RSS with no connection');
      client.send({ ...common, role: 'client', address: ready.address });
      await waitFor(both, () => {
        checkHealth(server, client);
        if (client.exit !== undefined) throw new Error('client exited before its connections were open');
        return client.find('idle');
      }, deadline, `${settings.connections} open connections`);
      server.send({ type: 'measure-rss' });
      const idle = await waitFor(both, healthyRss(1), deadline, 'the server RSS with idle connections');
      if (system.serverMemoryElsewhere === undefined) serverRss = perConnection(baseline, idle, settings.connections);
      client.send({ type: 'go' });
    } else if (settings.kind === 'idle') {
      // Server memory with no connection; the client reads its own before and after opening them,
      // reports it as its result and keeps the connections open; then the server's with all idle.
      server.send({ type: 'measure-rss' });
      const baseline = await waitFor(both, () => {
        checkHealth(server, client);
        return rssReport(server, 0);
      }, deadline, 'the server RSS with no connection');
      client.send({ ...common, role: 'client', address: ready.address });
      await waitFor(both, () => {
        checkHealth(server, client);
        if (client.exit !== undefined) throw new Error('client exited before its connections were open');
        return client.find('result');
      }, deadline, `${settings.connections} open idle connections`);
      server.send({ type: 'measure-rss' });
      const idle = await waitFor(both, () => {
        checkHealth(server, client);
        return rssReport(server, 1);
      }, deadline, 'the server RSS with idle connections');
      if (system.serverMemoryElsewhere === undefined) serverRss = perConnection(baseline, idle, settings.connections);
    } else client.send({ ...common, role: 'client', address: ready.address });
    const measuring = workload.measuredBy === 'server' ? server : client;
    let clientDoneAt: number | undefined;
    result = await waitFor(both, () => {
      checkHealth(server, client);
      const r = measuring.find('result');
      if (r !== undefined) return serverRss === undefined ? r.result : { ...r.result, serverRss };
      if (measuring === client && client.exit !== undefined) throw new Error('client exited without a result');
      if (measuring === server && client.find('done') !== undefined) {
        clientDoneAt ??= Date.now();
        if (Date.now() - clientDoneAt > RECEIVER_GRACE_MS) {
          throw new Error(`the client finished sending but the server had no result ${RECEIVER_GRACE_MS / 1000} s later`);
        }
      }
      return undefined;
    }, deadline, `the ${workload.name} result`);
  } catch (e) {
    error = message(e);
  } finally {
    const grace = EXIT_GRACE_MS + EXIT_GRACE_PER_CONNECTION_MS * (settings.kind === 'fan-in' || settings.kind === 'idle' ? settings.connections : 0);
    // An idle client still holds its connections: the server closes them (an orderly close each) before the client exits.
    const first = settings.kind === 'idle' ? [server] : both;
    for (const p of first) p.send({ type: 'stop' });
    const firstExited = await Promise.all(first.map((p) => p.stopped(grace)));
    for (const p of both) if (!first.includes(p)) p.send({ type: 'stop' });
    const exited = first.length === both.length ? firstExited : [firstExited[0]!, await client.stopped(grace)];
    exited.forEach((ok, i) => {
      if (!ok) problems.push(`${both[i]!.options.role} process did not exit within ${grace / 1000} s of stop; killed`);
    });
    rmSync(socketDir, { recursive: true, force: true });
  }
  for (const p of both) {
    for (const m of p.messages) {
      if (m.type === 'problem') problems.push(m.text);
      // After the figures are in, a late error (e.g. the receiver stopped on `stop`) is a problem, not a failure.
      else if (m.type === 'error' && result !== undefined) problems.push(`${p.options.role}: ${m.text}`);
    }
  }
  const wallSeconds = (Date.now() - started) / 1000;
  const base = {
    workload: workload.name,
    system: system.name,
    repetition,
    problems,
    wallSeconds,
    ...(busyBefore === undefined ? {} : { busyBefore: Math.round(busyBefore * 1000) / 1000 }),
  };
  return error !== undefined || result === undefined
    ? { ...base, error: error ?? 'no result' }
    : { ...base, result };
}

function describeRun(r: RunRecord, unit: string): string {
  if (r.result === undefined) return `FAILED: ${r.error ?? ''}`;
  const x = r.result;
  const latency = x.p50Us === undefined ? '' : `, p50 ${x.p50Us.toFixed(1)} µs, p99 ${(x.p99Us ?? 0).toFixed(1)} µs`;
  const kib = (b: number | undefined): string => (b === undefined ? '–' : (b / 1024).toFixed(1));
  const client =
    x.clientMemory === undefined
      ? ''
      : `, client RSS ${kib(x.clientMemory.perConnectionBytes)} KiB (JS heap ${kib(x.clientMemory.perConnectionHeapBytes)} KiB) per idle connection`;
  const rss = x.serverRss === undefined ? '' : `, server RSS ${kib(x.serverRss.perConnectionBytes)} KiB per idle connection`;
  return `${Math.round(x.rate).toLocaleString('en-US')} ${unit}${latency}${client}${rss} (${x.count.toLocaleString('en-US')} in ${x.seconds.toFixed(2)} s)`;
}

/** The connections one process of a run of `w` holds (fan-in and idle workloads), else 0. */
function connectionsOf(w: Workload, quick: boolean): number {
  const s = quick ? w.quick : w.full;
  return s.kind === 'fan-in' || s.kind === 'idle' ? s.connections : 0;
}

/**
 * Workloads skipped because the soft limit on open files is too low for their connections, with
 * the reason the report gives. A workload named with `--workload` is not skipped: the run stops
 * with the `ulimit -n` to use ({@link UsageError}).
 */
function fileLimitSkips(workloads: readonly Workload[], options: BenchOptions): Map<string, string> {
  const skips = new Map<string, string>();
  const limit = openFileLimit();
  for (const w of workloads) {
    const shortfall = fileLimitShortfall(connectionsOf(w, options.quick), limit);
    if (shortfall === undefined) continue;
    if (options.workloads.includes(w.name)) throw new UsageError(`${w.name}: ${shortfall}`);
    skips.set(w.name, `skipped in this run: ${shortfall}`);
    console.log(`skipping ${w.name}: ${shortfall}`);
  }
  return skips;
}

async function main(options: BenchOptions): Promise<number> {
  const workloads = pick(WORKLOADS, options.workloads, 'workload');
  const systems = pick(SYSTEMS, options.systems, 'system');
  // Quick runs overlap and measure nothing: pinning them would only queue them on two CPUs.
  const pinning: Pinning = options.quick ? { server: undefined, client: undefined, note: 'not pinned: quick mode' } : detectPinning();
  const machine = machineFacts(pinning);
  const date = new Date();
  const stamp = date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const partial = options.workloads.length > 0 || options.systems.length > 0 || options.cpuProf;
  const ctx: RunContext = { pinning, cpuProf: options.cpuProf, stamp, settle: !options.quick };
  if (options.cpuProf) mkdirSync(join(BENCH_DIR, 'profiles'), { recursive: true });

  console.log(`rxmsg bench (${options.quick ? 'quick: tiny counts, an end-to-end check, not a measurement' : 'full'}), ` +
    `${options.repetitions} repetition(s), Node ${machine.node}, ${machine.cpuCount} x ${machine.cpuModel}; ${pinning.note}`);
  for (const s of systems) console.log(`  ${s.name}: ${s.description}${s.settings.length > 0 ? ` [${s.settings}]` : ''}`);

  const runs: RunRecord[] = [];
  const notRun: BenchReport['notApplicable'][number][] = [];
  const tooFewFiles = fileLimitSkips(workloads, options);
  for (const w of workloads) {
    for (const s of systems) {
      const reason = tooFewFiles.get(w.name) ?? notApplicable(w, s);
      if (reason !== undefined) notRun.push({ workload: w.name, system: s.name, reason });
    }
  }
  const runnable = (w: Workload, s: SystemAdapter): boolean => !tooFewFiles.has(w.name) && notApplicable(w, s) === undefined;
  const runsOf = (w: Workload): number =>
    workloadRepetitions(w, options.repetitions, options.quick) * systems.filter((s) => runnable(w, s)).length;
  const total = workloads.reduce((sum, w) => sum + runsOf(w), 0);
  const t0 = Date.now();
  const tasks: { rep: number; w: Workload; s: SystemAdapter }[] = [];
  for (let rep = 1; rep <= options.repetitions; rep++) {
    for (const w of workloads) {
      if (rep > workloadRepetitions(w, options.repetitions, options.quick)) continue;
      for (const s of systems) if (runnable(w, s)) tasks.push({ rep, w, s });
    }
  }
  const records: RunRecord[] = [];
  let done = 0;
  await inParallel(tasks, options.quick ? QUICK_PARALLEL_RUNS : 1, async ({ rep, w, s }, i) => {
    const settings = runSettings(w, s, options.quick);
    const record = await runOnce(w, options.scale === undefined || options.quick ? settings : scaledSettings(settings, options.scale), s, rep, ctx);
    records[i] = record;
    const problems = record.problems.length > 0 ? ` [${record.problems.length} problem(s): ${record.problems[0]}]` : '';
    console.log(`[${++done}/${total}] rep ${rep} ${w.name} ${s.name}: ${describeRun(record, w.unit)}${problems}`);
  });
  runs.push(...records);

  const summaries = summarize(runs, workloads.map((w) => w.name), systems.map((s) => s.name), notRun);
  const outDir = options.out ?? join(BENCH_DIR, 'results');
  const suffix = options.quick ? '-quick' : partial ? '-partial' : '';
  const jsonPath = join(outDir, `${stamp}${suffix}.json`);
  const svgPath = join(outDir, `${stamp}${suffix}.svg`);
  const report: BenchReport = {
    schema: 3,
    date: date.toISOString(),
    mode: options.quick ? 'quick' : 'full',
    partial,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    durationSeconds: (Date.now() - t0) / 1000,
    machine,
    repetitions: options.repetitions,
    workloads: workloadEntries(workloads, options.quick, options.repetitions),
    systems: systems.map((s) => ({
      name: s.name,
      family: s.family,
      description: s.description,
      settings: s.settings,
      ...(options.quick || s.fullSettings === undefined ? {} : { fullSettings: s.fullSettings }),
      ...(s.unpinned === undefined ? {} : { unpinned: s.unpinned }),
    })),
    baselines: { perMessage: BASELINE_PER_MESSAGE, batched: BASELINE_BATCHED },
    peers: systems.filter((s) => s.family === 'peer').map((s) => s.name),
    notApplicable: notRun,
    chart: basename(svgPath),
    runs,
    summaries,
    ratios: ratios(summaries, systems, [BASELINE_PER_MESSAGE, BASELINE_BATCHED]),
  };

  mkdirSync(outDir, { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(report, null, 2) + '\n');
  const chart = throughputChart(report);
  writeFileSync(svgPath, chart);
  console.log(`\n${resultTables(report)}`);
  const noise = noiseCheck(report);
  if (noise !== undefined) console.log(`${noise}\n`);
  const problems = problemList(report);
  if (problems.length > 0) console.log(`Problems:\n${problems.join('\n')}\n`);
  console.log(`result: ${jsonPath}\nchart: ${svgPath}`);

  if (options.markdown ?? (!options.quick && !partial)) {
    const mdPath = join(BENCH_DIR, 'RESULTS.md');
    let previous: string | undefined;
    try {
      previous = readFileSync(mdPath, 'utf8');
    } catch {
      previous = undefined;
    }
    const chartPath = join(BENCH_DIR, 'chart.svg');
    writeFileSync(chartPath, chart);
    writeFileSync(mdPath, resultsMarkdown(report, relative(BENCH_DIR, jsonPath), previous, relative(BENCH_DIR, chartPath)));
    console.log(`tables: ${mdPath}\nchart: ${chartPath}`);
  }
  const failed = runs.filter((r) => r.result === undefined);
  // Quick mode checks the harness, not the speed: a run that only ran out of time on a loaded machine has no sample, and is no failure.
  const noSample = options.quick ? failed.filter((r) => r.error !== undefined && ranOutOfTime(r.error)) : [];
  if (noSample.length > 0) console.log(`no sample (out of time on a loaded machine, not a failure in quick mode): ${noSample.map((r) => `${r.workload} × ${r.system}`).join(', ')}`);
  return failed.length > noSample.length ? 1 : 0;
}

/** Whether a run's error says it ran out of time (the parent's deadline, or a measured period without a sample). */
function ranOutOfTime(error: string): boolean {
  return /timed out waiting for|no round trip in the measured|before the time limit|no connection completed within/.test(error);
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (e) {
  console.error(`${message(e)}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
main(options).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
