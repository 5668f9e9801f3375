import { startClusterMetricsExample } from './cluster-metrics-example';

// `npm run cluster -w @rxmsg-examples/metrics`: two workers on tcp://127.0.0.1:4000, merged metrics on :9464.
startClusterMetricsExample({ listen: 'tcp://127.0.0.1:4000', metricsPort: 9464, workers: 2 }).then(
  (ex) => {
    console.log(`store on ${ex.address} (2 workers); merged metrics on ${ex.metricsUrl}`);
    const stop = (): void => void ex.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
