import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { ConfigError } from '@rxmsg/core';
import { MAX_NODE_NUMBER } from '@rxmsg/runtime';

/** Options of {@link redisRoomAdapter}. Every bound has a default; see docs/scaling.md, "Redis". */
export interface RedisRoomAdapterOptions {
  /** Where Redis is: `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Prefix of every key and channel, so that several applications share one Redis. Default `rxmsg`. */
  readonly namespace?: string;
  /** How long a node's number and presence live without a heartbeat, in ms; also how long a silent node counts as alive. Default 15 000. */
  readonly presenceTtlMs?: number;
  /**
   * Heartbeat period, in ms; at most a third of `presenceTtlMs`. The same on every node of a
   * namespace: a node starting on an empty (or emptied) Redis listens this long (× 1.25) for the
   * others before it claims a number. Default 5 000.
   */
  readonly heartbeatMs?: number;
  /** `sharded` (SPUBLISH/SSUBSCRIBE, Redis 7+), `classic` (PUBLISH/SUBSCRIBE), or `auto`: sharded when the server is 7 or later. Default `auto`. */
  readonly pubsub?: 'auto' | 'sharded' | 'classic';
  /** Publishes sent and not yet acknowledged by Redis; past it a send to other nodes is dropped, counted and reported. Default 1 024. */
  readonly maxInFlight?: number;
  /** Requests waiting for another node's answer (`sendToConfirmed`, `snapshotAll`); past it one fails at once. Default 10 000. */
  readonly maxPendingReplies?: number;
  /** Presence changes (peers opened and closed) are gathered this long, then written in one round trip, in ms. Default 50. */
  readonly presenceFlushMs?: number;
  /** Longest wait between two reconnection attempts, in ms (the waits double from 50 ms up to it). Default 2 000. */
  readonly maxReconnectDelayMs?: number;
  /**
   * How long `attach` (the server's start) waits for Redis, in ms; then `createServer` fails. On a
   * Redis without the namespace's number sequence, the start also listens for one heartbeat period
   * (1.25 × `heartbeatMs`), which this bound does not include. Default 10 000.
   */
  readonly connectTimeoutMs?: number;
  /** At most one `room-error` per this many ms for messages that could not go out (the first at once). Default 1 000. */
  readonly reportIntervalMs?: number;
  /** Most nodes this node keeps track of. Default 1 024. */
  readonly maxNodes?: number;
  /** Timers (heartbeat, reports, timeouts) run on it; the async scheduler by default. */
  readonly scheduler?: SchedulerLike;
}

/** Default of {@link RedisRoomAdapterOptions.presenceTtlMs}. */
export const DEFAULT_PRESENCE_TTL_MS = 15_000;
/** Default of {@link RedisRoomAdapterOptions.heartbeatMs}. */
export const DEFAULT_HEARTBEAT_MS = 5_000;
/** Default of {@link RedisRoomAdapterOptions.maxInFlight}. */
export const DEFAULT_MAX_IN_FLIGHT = 1_024;
/** Default of {@link RedisRoomAdapterOptions.maxPendingReplies}. */
export const DEFAULT_MAX_PENDING_REPLIES = 10_000;

const positive = z.number().int().positive();
const Schema = z
  .object({
    url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
    namespace: z.string().min(1).max(100).regex(/^[^\s{}]+$/, 'no spaces or braces').default('rxmsg'),
    presenceTtlMs: positive.min(100).default(DEFAULT_PRESENCE_TTL_MS),
    heartbeatMs: positive.min(10).default(DEFAULT_HEARTBEAT_MS),
    pubsub: z.enum(['auto', 'sharded', 'classic']).default('auto'),
    maxInFlight: positive.default(DEFAULT_MAX_IN_FLIGHT),
    maxPendingReplies: positive.default(DEFAULT_MAX_PENDING_REPLIES),
    presenceFlushMs: z.number().int().nonnegative().default(50),
    maxReconnectDelayMs: positive.default(2_000),
    connectTimeoutMs: positive.default(10_000),
    reportIntervalMs: positive.default(1_000),
    maxNodes: positive.max(MAX_NODE_NUMBER).default(1_024),
  })
  .refine((o) => o.heartbeatMs * 3 <= o.presenceTtlMs, { message: 'heartbeatMs must be at most a third of presenceTtlMs', path: ['heartbeatMs'] });

/** The options with every default filled in. */
export type ResolvedRedisOptions = z.infer<typeof Schema> & { readonly scheduler: SchedulerLike | undefined };

/** Validate `options`. @throws {@link @rxmsg/core!ConfigError} naming the first bad field. */
export function resolveRedisOptions(options: RedisRoomAdapterOptions): ResolvedRedisOptions {
  const { scheduler, ...rest } = options;
  const parsed = Schema.safeParse(rest);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(`redis.${first?.path.join('.') ?? ''}`, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return { ...parsed.data, scheduler };
}
