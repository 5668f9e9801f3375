import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a focused bench asks of one run of the main bench. */
export interface MainBenchRun {
  /** The `run.js` to start (default: this checkout's); another checkout's for a before/after. */
  readonly runJs?: string;
  readonly system: string;
  readonly workload: string;
  /** The main bench's quick counts. */
  readonly quick: boolean;
  /** `--scale f`, passed on in full mode. */
  readonly scale?: string;
  /** `--cpu-prof`: profiles of both processes into bench/profiles/. */
  readonly cpuProf?: boolean;
  /** Names the run in errors. */
  readonly label: string;
  /** A guard against a hung `run.js` only: it is killed after this long. */
  readonly guardMs: number;
}

/** The result of one run, as `run.js` writes it into its JSON report (its schema 3). */
export interface MainBenchResult {
  readonly rate: number;
  readonly serverRss?: { readonly perConnectionBytes: number; readonly perConnectionHeapBytes?: number };
}

interface ReportJson {
  readonly runs: readonly { readonly error?: string; readonly result?: MainBenchResult }[];
}

/**
 * Run one system on one workload with the main bench's `run.js` (fresh server and client
 * processes, one repetition, nothing written but its JSON report in a temporary directory) and
 * return the run's result.
 * @throws an `Error` naming `label` when the run failed or wrote no report.
 *
 * @example
 * ```ts
 * const { rate } = await runMainBenchOnce({ system: 'ws-json', workload: 'one-way', quick: true, label: 'ws-json', guardMs: 240_000 });
 * ```
 */
export async function runMainBenchOnce(o: MainBenchRun): Promise<MainBenchResult> {
  const out = mkdtempSync(join(tmpdir(), 'rxmsg-bench-run-'));
  try {
    const args = [o.runJs ?? join(__dirname, 'run.js'), '--system', o.system, '--workload', o.workload, '--repetitions', '1', '--out', out, '--no-markdown'];
    if (o.quick) args.push('--quick');
    if (o.cpuProf === true) args.push('--cpu-prof');
    if (o.scale !== undefined && !o.quick) args.push('--scale', o.scale);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), o.guardMs);
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    clearTimeout(guard);
    const file = readdirSync(out).find((f) => f.endsWith('.json'));
    if (file === undefined) throw new Error(`${o.workload} ${o.label}: no report\n${text.slice(-2000)}`);
    // Written by run.js in this invocation: the shape read here is its schema 3.
    const report = JSON.parse(readFileSync(join(out, file), 'utf8')) as ReportJson;
    const run = report.runs[0];
    if (run?.result === undefined) throw new Error(`${o.workload} ${o.label}: ${run?.error ?? 'no run'}`);
    return run.result;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
