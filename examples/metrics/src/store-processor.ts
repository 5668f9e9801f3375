import { rpc, type ServerProcessor } from '@rxmsg/node';
import { Store } from './protocol';

const kv = rpc(Store);

/** The handlers of the store's requests, as `rpc(Store).respond` takes them. */
export type StoreHandlers = Parameters<typeof kv.respond>[1];

/**
 * The store's processor over `store`, its handlers passed through `wrap` once (e.g.
 * `metrics.timeHandlers`) before any connection uses them.
 *
 * @example
 * const metrics = serverMetrics(server);
 * const processor = storeProcessor(new Map(), (h) => metrics.timeHandlers(h));
 */
export function storeProcessor(store: Map<string, string>, wrap: (handlers: StoreHandlers) => StoreHandlers = (h) => h): ServerProcessor<typeof Store> {
  const handlers = wrap({
    Get: ({ key }) => ({ kind: 'Value', key, value: store.get(key) ?? null }),
    Put: ({ key, value }) => (store.set(key, value), { kind: 'Ok' }),
  });
  return (in$, peer) => in$.pipe(kv.respond(peer, handlers));
}
