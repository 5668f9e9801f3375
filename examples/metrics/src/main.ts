import { startMetricsExample } from './metrics-example';
import { runUntilSignal } from './run-until-signal';

// `npm start -w @rxmsg-examples/metrics`: the store on tcp://127.0.0.1:4000, metrics on :9464.
runUntilSignal(startMetricsExample({ listen: 'tcp://127.0.0.1:4000', metricsPort: 9464 }), (ex) => [
  `store on ${ex.address}; metrics on ${ex.metricsUrl}`,
  `try: npm run poke -w @rxmsg-examples/metrics && curl -s ${ex.metricsUrl} | grep '^rxmsg_'`,
]);
