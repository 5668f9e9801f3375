import type { ServerSnapshot } from '@rxmsg/runtime';
import type { Observable } from 'rxjs';
import type { ClusterEvent } from './cluster-events';

/** One worker's part of {@link ClusterHandle.snapshot}: its server's snapshot, or why there is none. */
export interface WorkerSnapshot {
  readonly slot: number;
  readonly node: number;
  readonly pid: number;
  /** Its server's snapshot (listener contexts left out), when it answered. */
  readonly snapshot?: ServerSnapshot;
  /** `timeout` (no answer in time), `exited` (it exited first), `ipc-full` (the request could not be sent). */
  readonly error?: 'timeout' | 'exited' | 'ipc-full';
}

/** A worker as the primary knows it now. */
export interface ClusterWorkerInfo {
  readonly slot: number;
  readonly node: number;
  readonly pid: number;
  /** Whether its server listens. */
  readonly listening: boolean;
}

/** The primary's handle on a cluster (from `runCluster` / `startCluster`). */
export interface ClusterHandle {
  /** What happens to the workers: hot, completes after `closed`. */
  readonly events$: Observable<ClusterEvent>;
  /**
   * Resolves once every worker's server listens; rejects when one failed first (its build threw,
   * it exited, or it did not listen within `startTimeoutMs`: a `WorkerFailedError`, or the
   * `ConfigError` the worker's build threw), or with a `ClosedError` on `close()` before. The
   * cluster is then closed.
   */
  readonly ready: Promise<void>;
  /** What the workers listen on (real ports: port 0 becomes the one port they share). */
  addresses(): string[];
  /** The workers running now, by slot. */
  workers(): readonly ClusterWorkerInfo[];
  /**
   * Every listening worker's server snapshot, asked for at once; a worker that does not answer
   * within `timeoutMs` (default 5 000) is listed with `error: 'timeout'`.
   */
  snapshot(options?: { readonly timeoutMs?: number }): Promise<{ readonly workers: readonly WorkerSnapshot[] }>;
  /**
   * Close gracefully: no more restarts; each worker closes its server (`server.close()`: stop
   * accepting, flush, close connections) and exits; a worker still there after
   * `shutdownTimeoutMs` is killed (a `worker-killed` event). Resolves when every worker exited
   * and the primary holds no timer or listener of the cluster. Safe to call twice.
   */
  close(): Promise<void>;
}
