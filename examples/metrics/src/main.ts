import { startMetricsExample } from './metrics-example';

// `npm start -w @rxmsg-examples/metrics`: the store on tcp://127.0.0.1:4000, metrics on :9464.
startMetricsExample({ listen: 'tcp://127.0.0.1:4000', metricsPort: 9464 }).then(
  (ex) => {
    console.log(`store on ${ex.address}; metrics on ${ex.metricsUrl}`);
    console.log(`try: npm run poke -w @rxmsg-examples/metrics && curl -s ${ex.metricsUrl} | grep '^rxmsg_'`);
    const stop = (): void => void ex.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
