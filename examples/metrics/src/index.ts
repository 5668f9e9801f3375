export { Store } from './protocol';
export { startMetricsExample } from './metrics-example';
export type { MetricsExample } from './metrics-example';
