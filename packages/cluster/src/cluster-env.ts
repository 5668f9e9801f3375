/**
 * The environment variables through which the primary tells a worker process who it is. Set by
 * `runCluster`; read by `clusterWorker`.
 */
export const CLUSTER_ENV = {
  /** The worker's node number (1, 2, …; fresh for every process). */
  node: 'RXMSG_CLUSTER_NODE',
  /** The worker's slot (0 … workers − 1; kept across restarts). */
  slot: 'RXMSG_CLUSTER_SLOT',
  /** The bound of the worker's IPC outbox (`ipc.maxInFlight`). */
  maxInFlight: 'RXMSG_CLUSTER_MAX_IN_FLIGHT',
} as const;
