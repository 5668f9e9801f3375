/**
 * `@rxmsg/metrics`: Prometheus metrics of rxmsg servers through prom-client.
 * @packageDocumentation
 */
export { DEFAULT_MAX_LABEL_VALUES, DEFAULT_REQUEST_BUCKETS, serverMetrics } from './server-metrics';
export type { MetricsSource, ServerMetrics, ServerMetricsOptions } from './server-metrics';
export { LabelGuard, OTHER_LABEL } from './label-guard';
export { timeHandlers } from './timed-handlers';
export type { HandlerOutcome, HandlerRecord, HandlerTimer } from './timed-handlers';
