/**
 * `@rxmsg/cluster/internal`: parts of `@rxmsg/cluster` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/cluster` (see docs/api.md).
 * @packageDocumentation
 */
export { RestartBackoff } from './restart-backoff';
export { GATHER_MARGIN_MS } from './cluster-room-adapter';
export { IpcOutbox } from './ipc-outbox';
export type { IpcOutboxOptions, IpcPort } from './ipc-outbox';
export { DROP_REPORT_INTERVAL_MS, DropReporter } from './drop-reporter';
export { NodeNumbers } from './node-numbers';
export { CLUSTER_ENV } from './cluster-env';
