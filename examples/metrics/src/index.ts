export { Store } from './protocol';
export { startMetricsExample } from './metrics-example';
export type { MetricsExample } from './metrics-example';
export { storeProcessor } from './store-processor';
export type { StoreHandlers } from './store-processor';
export { startClusterMetricsExample } from './cluster-metrics-example';
