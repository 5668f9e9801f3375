import { startClusterMetricsExample } from './cluster-metrics-example';
import { runUntilSignal } from './run-until-signal';

// `npm run cluster -w @rxmsg-examples/metrics`: two workers on tcp://127.0.0.1:4000, merged metrics on :9464.
runUntilSignal(startClusterMetricsExample({ listen: 'tcp://127.0.0.1:4000', metricsPort: 9464, workers: 2 }), (ex) => [
  `store on ${ex.address} (2 workers); merged metrics on ${ex.metricsUrl}`,
]);
