/**
 * `@rxmsg/shm/internal`: parts of `@rxmsg/shm` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/shm` (see docs/api.md).
 * @packageDocumentation
 */
export { SharedMemoryConnection } from './shared-memory-connection';
export { POLL_BACKOFF_WAITS, POLL_MS, PollWindow } from './poll-window';
export type { SharedMemoryConnectionOptions } from './shared-memory-connection';
export { RING_HEADER_BYTES, RING_MAGIC, SharedRing, Word } from './shared-ring';
