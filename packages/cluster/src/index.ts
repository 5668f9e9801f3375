/**
 * `@rxmsg/cluster`: one rxmsg server definition on every core of a machine. A primary process
 * (`runCluster`) forks worker processes that share the listeners through Node's `cluster`,
 * restarts crashed ones with backoff, relays rooms (broadcasts, `sendTo`) between them and shuts
 * them down gracefully; each worker (`clusterWorker`) runs its server with the IPC rooms adapter.
 * See docs/scaling.md.
 */
export { runCluster, startCluster, reusePortSupported } from './run-cluster';
export type { ClusterHandle, ClusterWorkerInfo, WorkerSnapshot } from './cluster-handle';
export type { ClusterEvent } from './cluster-events';
export { DEFAULT_SHUTDOWN_TIMEOUT_MS, DEFAULT_START_TIMEOUT_MS } from './cluster-options';
export type { RunClusterOptions } from './cluster-options';
export { DEFAULT_RESTART_POLICY } from './restart-backoff';
export type { RestartPolicy } from './restart-backoff';
export { clusterWorker } from './cluster-worker';
export type { ClusterWorkerContext, ClusterWorkerServer } from './cluster-worker';
export { DEFAULT_MAX_IPC_IN_FLIGHT } from './ipc-outbox';
export type { ResolvedRestartPolicy } from './restart-backoff';
export { ClusterRoomAdapter } from './cluster-room-adapter';
export type { ClusterRoomAdapterOptions } from './cluster-room-adapter';
