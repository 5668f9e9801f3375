import { extname, join } from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import { runCluster } from '@rxmsg/cluster';
import { serveMetrics } from './metrics-endpoint';
import type { MetricsExample } from './metrics-example';

/**
 * The store in cluster mode: `workers` workers (cluster-worker.ts) share the listener, each with
 * its own metrics; the primary serves them merged on `/metrics` through prom-client's
 * `AggregatorRegistry` (counters summed, the longest queue by max). Call from a process of its
 * own: Node's cluster settings are process-wide.
 *
 * @example
 * const ex = await startClusterMetricsExample({ listen: 'tcp://127.0.0.1:4000', metricsPort: 9464, workers: 2 });
 * // curl http://127.0.0.1:9464/metrics
 * await ex.close();
 */
export async function startClusterMetricsExample(options: { readonly listen?: string; readonly metricsPort?: number; readonly workers?: number; readonly startTimeoutMs?: number } = {}): Promise<MetricsExample> {
  const cluster = await runCluster({
    // The worker module next to this one: .ts under ts-node, .js once built.
    worker: join(__dirname, `cluster-worker${extname(__filename)}`),
    workers: options.workers ?? 2,
    env: { STORE_LISTEN: options.listen ?? 'tcp://127.0.0.1:4000' },
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
  });
  const aggregator = new AggregatorRegistry();
  const endpoint = await serveMetrics(() => aggregator.clusterMetrics(), aggregator.contentType, options.metricsPort);
  return {
    address: cluster.addresses()[0]!,
    metricsUrl: endpoint.url,
    close: async () => {
      await endpoint.close();
      await cluster.close();
    },
  };
}
