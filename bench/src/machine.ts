import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** Where the server and client processes run. */
export interface Pinning {
  /** CPU of the server process, or `undefined` when not pinned. */
  readonly server: number | undefined;
  /** CPU of the client process, or `undefined` when not pinned. */
  readonly client: number | undefined;
  /** How it was decided, for the report. */
  readonly note: string;
}

/** The machine a run was measured on. */
export interface MachineFacts {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly availableParallelism: number;
  readonly cpuSpeedMHz: number;
  readonly totalMemoryGiB: number;
  readonly platform: string;
  readonly release: string;
  readonly arch: string;
  readonly node: string;
  readonly v8: string;
  readonly loadAverage: readonly number[];
  readonly pinning: Pinning;
  /** Soft limit on open files that the child processes inherit, when known. */
  readonly openFileLimit?: number;
}

/**
 * The soft limit on open files of this process (from `/proc/self/limits`), or `undefined`
 * where that file does not exist. Node cannot raise it: fan-in runs check it instead.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** File descriptors a bench process needs besides its sockets (stdio, IPC, the event loop's own). */
export const SPARE_FDS = 64;

/**
 * Why a process with the soft limit `limit` (see {@link openFileLimit}) may not hold `connections`
 * sockets, with the `ulimit -n` to use; `undefined` when it may (or the limit is unknown).
 */
export function fileLimitShortfall(connections: number, limit: number | undefined): string | undefined {
  if (limit === undefined || limit >= connections + SPARE_FDS) return undefined;
  return (
    `${connections.toLocaleString('en-US')} connections need about ${connections + SPARE_FDS} file descriptors per process but the ` +
    `soft limit is ${limit}: raise it in the shell that runs the bench (\`ulimit -n ${connections * 2 + SPARE_FDS}\`)`
  );
}

/**
 * Pin the server to CPU 0 and the client to CPU 1 when there are two CPUs and `taskset`
 * exists and works here (a container may forbid setting affinity); otherwise no pinning.
 */
export function detectPinning(): Pinning {
  const n = Math.min(cpus().length, availableParallelism());
  if (n < 2) return { server: undefined, client: undefined, note: `not pinned: ${n} CPU available` };
  let taskset: string;
  try {
    taskset = execFileSync('which', ['taskset'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return { server: undefined, client: undefined, note: 'not pinned: taskset not found' };
  }
  const probe = spawnSync('taskset', ['-c', '1', 'true'], { stdio: 'ignore' });
  if (probe.status !== 0) return { server: undefined, client: undefined, note: `not pinned: ${taskset} -c 1 failed here` };
  return { server: 0, client: 1, note: `server on CPU 0, client on CPU 1 (${taskset} -c)` };
}

/** Facts about this machine and Node, from `os` and `process`. */
export function machineFacts(pinning: Pinning): MachineFacts {
  const list = cpus();
  const files = openFileLimit();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    availableParallelism: availableParallelism(),
    cpuSpeedMHz: list[0]?.speed ?? 0,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: platform(),
    release: release(),
    arch: arch(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    pinning,
    ...(files === undefined ? {} : { openFileLimit: files }),
  };
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq;
    busy += t;
    total += t + c.times.idle;
  }
  return { busy, total };
}

/** Share (0–1) of all CPUs busy during the next `ms` milliseconds, from `os.cpus()` times. */
export async function cpuBusy(ms: number): Promise<number> {
  const a = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = cpuTimes();
  const total = b.total - a.total;
  return total > 0 ? Math.min(1, Math.max(0, (b.busy - a.busy) / total)) : 0;
}

/**
 * Before a run, while no benchmark process runs: the CPU share used by other processes.
 * Samples up to `attempts` times `sampleMs`, waiting while it is over `quiet`.
 * @returns the last sample.
 */
export async function waitForQuiet(quiet: number, sampleMs: number, attempts: number): Promise<number> {
  let busy = 1;
  for (let i = 0; i < attempts; i++) {
    busy = await cpuBusy(sampleMs);
    if (busy <= quiet) break;
  }
  return busy;
}
