/**
 * A worker of the cluster example: the store on the shared listener, its metrics in prom-client's
 * global registry, which the primary's `AggregatorRegistry` collects over IPC.
 */
import { AggregatorRegistry } from 'prom-client';
import { clusterWorker } from '@rxmsg/cluster';
import { createRooms, createServer } from '@rxmsg/node';
import { serverMetrics, type ServerMetrics } from '@rxmsg/metrics';
import { Store } from './protocol';
import { storeProcessor } from './store-processor';

// prom-client answers the primary's requests for metrics only once an AggregatorRegistry exists
// in the worker too (its constructor adds the listener); it reads the global registry.
new AggregatorRegistry();

void clusterWorker(async ({ adapter }) => {
  const store = new Map<string, string>();
  let metrics: ServerMetrics | undefined;
  const server = await createServer({
    listen: process.env.STORE_LISTEN ?? 'tcp://127.0.0.1:4000',
    protocol: Store,
    // The handlers are timed once the metrics exist (right after the server).
    processor: (in$, peer) => storeProcessor(store, (h) => metrics?.timeHandlers(h) ?? h)(in$, peer),
    config: { onDecodeError: 'ignore' },
    rooms: createRooms({ adapter }),
  });
  metrics = serverMetrics(server); // the global registry
  return server;
});
