/**
 * `@rxmsg/tcp/internal`: parts of `@rxmsg/tcp` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/tcp` (see docs/api.md).
 * @packageDocumentation
 */
export { SocketConnection } from './socket-connection';
