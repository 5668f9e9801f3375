import type { RxmsgError } from '@rxmsg/core';

/**
 * What happens in a cluster, as the primary sees it (`ClusterHandle.events$`). `slot` is the
 * worker's place (0 … workers − 1, kept across restarts), `node` the node number of one worker
 * process (fresh for each process).
 * - `worker-online`: a worker process started (`cluster.fork`);
 * - `worker-listening`: its server listens on `addresses`;
 * - `worker-exit`: it exited; `expected` when the primary asked it to (shutdown), a crash otherwise;
 * - `restart-scheduled`: a crashed worker is started again after `delayMs` (`failures`: crashes in a row);
 * - `worker-killed`: a worker did not exit within `shutdownTimeoutMs` (or did not listen within
 *   `startTimeoutMs`) and was sent SIGKILL;
 * - `worker-error`: a worker reported a failure (its build threw), or sent a malformed rxmsg message;
 * - `ipc-dropped`: messages for worker `node` were dropped because `ipc.maxInFlight` of them were
 *   waiting to be written (it does not read): `count` since the previous report (at most one per
 *   second per worker), `inFlight` the backlog then;
 * - `closed`: every worker exited after `close()`; the last event.
 */
export type ClusterEvent =
  | { readonly type: 'worker-online'; readonly slot: number; readonly node: number; readonly pid: number }
  | { readonly type: 'worker-listening'; readonly slot: number; readonly node: number; readonly pid: number; readonly addresses: readonly string[] }
  | { readonly type: 'worker-exit'; readonly slot: number; readonly node: number; readonly pid: number; readonly code: number | null; readonly signal: string | null; readonly expected: boolean }
  | { readonly type: 'restart-scheduled'; readonly slot: number; readonly delayMs: number; readonly failures: number }
  | { readonly type: 'worker-killed'; readonly slot: number; readonly node: number; readonly pid: number; readonly reason: 'shutdown-timeout' | 'start-timeout' }
  | { readonly type: 'worker-error'; readonly slot: number; readonly node: number; readonly error: RxmsgError | Error }
  | { readonly type: 'ipc-dropped'; readonly slot: number; readonly node: number; readonly count: number; readonly inFlight: number }
  | { readonly type: 'closed' };
