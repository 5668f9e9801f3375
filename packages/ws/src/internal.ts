/**
 * `@rxmsg/ws/internal`: parts of `@rxmsg/ws` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/ws` (see docs/api.md).
 * @packageDocumentation
 */
export { BrowserWsConnection } from './browser-ws-connection';
export { closeError } from './close-codes';
export { DEFAULT_HIGH_WATER_MARK, MessageConnection } from './message-connection';
export { WsConnection } from './ws-connection';
export { MAX_PAYLOAD_SLACK, maxPayloadFor } from './max-payload';
