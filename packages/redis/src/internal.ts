/**
 * `@rxmsg/redis/internal`: parts of `@rxmsg/redis` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/redis` (see docs/api.md).
 * @packageDocumentation
 */
export { REDIS_PACKET_VERSION, decodePacket, encodePacket } from './redis-packet';
export type { DecodedPacket, RedisPacket } from './redis-packet';
