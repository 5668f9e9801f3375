import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createServer } from '@rxmsg/node';
import { serverMetrics } from '@rxmsg/metrics';
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
  const http: HttpServer = createHttpServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.metricsPort ?? 0, '127.0.0.1', () => (http.off('error', reject), resolve()));
  });
  const port = (http.address() as AddressInfo).port; // listening on TCP: an AddressInfo, not a pipe name
  return {
    address: server.addresses()[0]!,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    close: async () => {
      metrics.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await server.close();
    },
  };
}
