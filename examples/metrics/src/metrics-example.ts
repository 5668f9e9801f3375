import { Registry } from 'prom-client';
import { createServer } from '@rxmsg/node';
import { serverMetrics } from '@rxmsg/metrics';
import { serveMetrics } from './metrics-endpoint';
import { Store } from './protocol';
import { storeProcessor } from './store-processor';

/** The running example: the rxmsg server's address, the metrics URL, and one `close()` for both. */
export interface MetricsExample {
  /** Where the key-value server listens, e.g. `tcp://127.0.0.1:4000`. */
  readonly address: string;
  /** Where its metrics are served, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly metricsUrl: string;
  /** Detaches the metrics, closes the HTTP server and the rxmsg server. */
  close(): Promise<void>;
}

/**
 * Starts a key-value server over TCP with its Prometheus metrics on `/metrics`: a registry of its
 * own, `serverMetrics` attached to the server, request handlers timed, and decode errors ignored
 * (counted, the connection stays).
 *
 * @example
 * const ex = await startMetricsExample({ listen: 'tcp://127.0.0.1:4000', metricsPort: 9464 });
 * // curl http://127.0.0.1:9464/metrics
 * await ex.close();
 */
export async function startMetricsExample(options: { readonly listen?: string; readonly metricsPort?: number } = {}): Promise<MetricsExample> {
  const registry = new Registry();
  // The server is created before its metrics: the processor reads the timed handlers once they exist.
  const store = new Map<string, string>();
  let processor = storeProcessor(store);
  const server = await createServer({
    listen: options.listen ?? 'tcp://127.0.0.1:0',
    protocol: Store,
    processor: (in$, peer) => processor(in$, peer),
    config: { onDecodeError: 'ignore' },
  });
  const metrics = serverMetrics(server, { registry, prefix: 'rxmsg_' });
  processor = storeProcessor(store, (h) => metrics.timeHandlers(h));
  const endpoint = await serveMetrics(() => registry.metrics(), registry.contentType, options.metricsPort);
  return {
    address: server.addresses()[0]!,
    metricsUrl: endpoint.url,
    close: async () => {
      metrics.stop();
      await endpoint.close();
      await server.close();
    },
  };
}
