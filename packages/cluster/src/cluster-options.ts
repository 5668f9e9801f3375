import { ConfigError } from '@rxmsg/core';
import { availableParallelism } from 'node:os';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { DEFAULT_MAX_IPC_IN_FLIGHT } from './ipc-outbox';
import { DEFAULT_RESTART_POLICY, type ResolvedRestartPolicy, type RestartPolicy } from './restart-backoff';

/** Default of {@link RunClusterOptions.shutdownTimeoutMs}. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** Default of {@link RunClusterOptions.startTimeoutMs}. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** Options of `runCluster` / `startCluster`. */
export interface RunClusterOptions {
  /** The module each worker runs (a path: `require.resolve('./worker')`); it calls `clusterWorker`. */
  readonly worker: string;
  /** Worker processes. Default `os.availableParallelism()`. */
  readonly workers?: number;
  /** Arguments of the worker processes (`process.argv.slice(2)` there). */
  readonly args?: readonly string[];
  /** Node options of the worker processes; default this process's `execArgv`. */
  readonly execArgv?: readonly string[];
  /** Environment added to this process's for the workers. */
  readonly env?: Readonly<Record<string, string>>;
  /** Backoff of restarts of crashed workers; `false`: a crashed worker is not restarted. */
  readonly restart?: RestartPolicy | false;
  /** Time each worker has to drain and exit on `close()`, in ms; then SIGKILL. Default {@link DEFAULT_SHUTDOWN_TIMEOUT_MS}. */
  readonly shutdownTimeoutMs?: number;
  /** Time a started worker has to listen, in ms; then it is killed (a crash). Default {@link DEFAULT_START_TIMEOUT_MS}. */
  readonly startTimeoutMs?: number;
  /** IPC bounds: messages sent and not yet written, per channel (each way), past which new ones are dropped and counted. Default {@link DEFAULT_MAX_IPC_IN_FLIGHT}. */
  readonly ipc?: { readonly maxInFlight?: number };
  /** Close gracefully on SIGTERM and SIGINT (the handlers are removed on close). Default `false`. */
  readonly handleSignals?: boolean;
  /** Pipe the workers' stdout/stderr to this process's streams (`false`, the default) or keep them apart (`true`: `worker.process.stdout`). */
  readonly silent?: boolean;
  /** Scheduler of the primary's timers (restart delays, timeouts); `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
}

/** {@link RunClusterOptions} validated, defaults applied. */
export interface ResolvedClusterOptions {
  readonly worker: string;
  readonly workers: number;
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly restart: ResolvedRestartPolicy | false;
  readonly shutdownTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly maxInFlight: number;
  readonly handleSignals: boolean;
  readonly silent: boolean;
  readonly scheduler: SchedulerLike;
}

const ms = z.number().int().nonnegative();
const Schema = z.object({
  worker: z.string().min(1),
  workers: z.number().int().min(1).max(1024).optional(),
  args: z.array(z.string()).optional(),
  execArgv: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  restart: z.union([z.literal(false), z.object({ minDelayMs: ms.optional(), maxDelayMs: ms.optional(), resetAfterMs: ms.optional(), jitter: z.number().min(0).max(1).optional() })]).optional(),
  shutdownTimeoutMs: ms.optional(),
  startTimeoutMs: z.number().int().positive().optional(),
  ipc: z.object({ maxInFlight: z.number().int().positive().optional() }).optional(),
  handleSignals: z.boolean().optional(),
  silent: z.boolean().optional(),
  scheduler: z.unknown().optional(),
});

/** Validate `options`. @throws {@link @rxmsg/core!ConfigError} for the first bad field. */
export function resolveClusterOptions(options: RunClusterOptions): ResolvedClusterOptions {
  const parsed = Schema.safeParse(options);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(first === undefined ? 'cluster' : first.path.join('.'), parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const restart = options.restart === false ? false : { ...DEFAULT_RESTART_POLICY, ...stripUndefined(options.restart ?? {}) };
  if (restart !== false && restart.maxDelayMs < restart.minDelayMs) throw new ConfigError('restart.maxDelayMs', ['must be at least restart.minDelayMs']);
  return {
    worker: options.worker,
    workers: options.workers ?? availableParallelism(),
    args: options.args ?? [],
    execArgv: options.execArgv ?? process.execArgv,
    env: options.env ?? {},
    restart,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    maxInFlight: options.ipc?.maxInFlight ?? DEFAULT_MAX_IPC_IN_FLIGHT,
    handleSignals: options.handleSignals ?? false,
    silent: options.silent ?? false,
    scheduler: options.scheduler ?? asyncScheduler,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
