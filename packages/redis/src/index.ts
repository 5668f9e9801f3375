/**
 * `@rxmsg/redis`: rxmsg rooms, broadcasts and direct sends across machines through Redis.
 * See {@link redisRoomAdapter} and docs/scaling.md ("Redis").
 */
export { RedisRoomAdapter, redisRoomAdapter } from './redis-room-adapter';
export type { RedisAdapterStats } from './redis-room-adapter';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_PENDING_REPLIES, DEFAULT_PRESENCE_TTL_MS } from './redis-adapter-options';
export type { RedisRoomAdapterOptions } from './redis-adapter-options';
