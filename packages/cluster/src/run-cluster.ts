import { ClusterPrimary } from './cluster-primary';
import type { ClusterHandle } from './cluster-handle';
import { resolveClusterOptions, type RunClusterOptions } from './cluster-options';

/**
 * Start a cluster: `workers` processes (Node's `cluster`, round-robin accept on Linux), each
 * running the `worker` module, which calls `clusterWorker` to create its server. Returns at once;
 * `ready` says when every worker listens. Subscribe to `events$` here to see the first workers
 * start. One cluster per process.
 * @throws {@link @rxmsg/core!ConfigError} for bad options, in a worker process, or when a cluster runs already.
 * @example
 * ```ts
 * const cluster = startCluster({ worker: require.resolve('./worker'), workers: 2 });
 * cluster.events$.subscribe((e) => console.log(e.type));
 * await cluster.ready;
 * ```
 */
export function startCluster(options: RunClusterOptions): ClusterHandle {
  return new ClusterPrimary(resolveClusterOptions(options));
}

/**
 * Start a cluster and resolve once every worker's server listens (see {@link startCluster}).
 * When a worker fails first, the cluster is closed and the promise rejects (a
 * `WorkerFailedError`, or the `ConfigError` the worker's build threw).
 * @example
 * ```ts
 * // main.ts
 * import { runCluster } from '@rxmsg/cluster';
 * const cluster = await runCluster({ worker: require.resolve('./worker'), workers: 2, handleSignals: true });
 * console.log(cluster.addresses());
 * const { workers } = await cluster.snapshot({ timeoutMs: 2000 });
 * await cluster.close(); // each worker drains (server.close()) and exits
 * ```
 */
export async function runCluster(options: RunClusterOptions): Promise<ClusterHandle> {
  const handle = startCluster(options);
  try {
    await handle.ready;
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/**
 * Whether this Node version offers `reusePort` on `net` listeners (Node 22.12+, 23.1+): each
 * process could then bind the port itself and the kernel would spread connections. rxmsg's
 * cluster mode does not depend on it: it shares listeners through Node's `cluster`.
 */
export function reusePortSupported(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
