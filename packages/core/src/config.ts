import { z } from 'zod';
import { ConfigError } from './errors';
import type { Side } from './protocol';

/**
 * What a side does with inbound bytes that do not decode to a valid message:
 * `ignore` drops them and goes on, `reply` answers with the protocol's error message
 * and goes on, `disconnect` closes the connection after flushing what was queued.
 * Every case is also reported on `events$`.
 */
export type DecodeErrorPolicy = 'ignore' | 'reply' | 'disconnect';

/** Exponential backoff between connection attempts. */
export interface RetryPolicy {
  /** Delay before the second attempt. */
  readonly initialMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  /** Growth of the delay per attempt (1 = constant). */
  readonly factor: number;
  /** Random share removed from each delay: 0 = none, 1 = full jitter (uniform in [0, delay]). */
  readonly jitter: number;
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
}

/** Exponential backoff of reconnection after an established connection is lost. */
export interface ReconnectPolicy extends RetryPolicy {
  /** A connection that lived this long resets the backoff to its first step. */
  readonly stableAfterMs: number;
}

/**
 * What happens when a peer's outbound queue is full (`sendQueueLimit` messages or
 * `sendQueueBytes` bytes waiting because the socket is not writable):
 * `backpressure` stops reading that peer's input until the queue drains (nothing is lost;
 * memory stays bounded because the processor gets no new input), `drop-newest` refuses the
 * new message, `drop-oldest` drops the oldest queued one, `disconnect` closes the connection.
 */
export type SendQueuePolicy = 'backpressure' | 'drop-newest' | 'drop-oldest' | 'disconnect';

/**
 * One outbound lane (see docs/lanes.md): a queue of its own in front of the socket, with its own
 * limits and full-queue policy. Protocols put messages in lanes with `defineProtocol({ lanes })`;
 * messages in no lane go to the default lane, which keeps `sendQueueLimit`, `sendQueueBytes` and
 * `onSendQueueFull` and has priority 0.
 */
export interface LaneConfig {
  /** Messages the lane may hold while the socket is not writable. */
  readonly limit: number;
  /** Bytes the lane may hold; `sendQueueBytes` when left out. */
  readonly bytes?: number;
  /** What happens when the lane is full: as `onSendQueueFull`, for this lane only. */
  readonly policy: SendQueuePolicy;
  /**
   * Lower is written first when the socket has room (the default lane has 0; ties take turns);
   * a waiting lane is passed over at most `LANE_STARVATION_LIMIT` times in a row, plus one for each other
   * lane starving at the same time. 0 when left out.
   */
  readonly priority?: number;
}

/** Framework heartbeats: sent and answered by rxmsg itself, never seen by processors. */
export interface HeartbeatPolicy {
  /** Send a heartbeat after this long without sending anything. */
  readonly intervalMs: number;
  /** Close the connection (reason `timeout`) after this long without receiving anything. */
  readonly timeoutMs: number;
}

/** What happens to a peer sending faster than `rateLimit` allows. */
export type RateLimitAction = 'pause' | 'drop' | 'disconnect';

/** Per-connection inbound rate limit, a token bucket. */
export interface RateLimitPolicy {
  /** Tokens added per second: the sustained message rate. */
  readonly messagesPerSecond: number;
  /** Bucket size: how many messages may arrive at once. */
  readonly burst: number;
  /** `pause` stops reading until tokens are back (TCP backpressure), `drop` discards, `disconnect` closes. */
  readonly onExceed: RateLimitAction;
}

/** What `send()` does on a client that is not connected. */
export type WhileDisconnectedPolicy = 'queue' | 'drop' | 'error';

/**
 * Whether each outbound message is checked against its protocol's zod schema before it is
 * encoded: `'always'`, `'never'`, or `'development'` (checked unless `NODE_ENV` is
 * `'production'`, read once when the config is resolved). See {@link validatesOutbound}.
 */
export type OutboundValidation = 'development' | 'always' | 'never';

/** The fields every side's config has, with their effective (resolved) types. */
export interface BaseConfig {
  /** Largest frame payload accepted or sent, in bytes. Checked while reading: larger input is never buffered whole. */
  readonly maxFrameBytes: number;
  /** Messages a peer's outbound queue may hold while its socket is not writable. */
  readonly sendQueueLimit: number;
  /** Bytes a peer's outbound queue may hold while its socket is not writable. */
  readonly sendQueueBytes: number;
  /** What happens when the outbound queue is full. */
  readonly onSendQueueFull: SendQueuePolicy;
  /** Messages delivered to a processor and not yet consumed before the socket stops being read. */
  readonly receiveQueueLimit: number;
  /** What to do with input that fails to decode. */
  readonly onDecodeError: DecodeErrorPolicy;
  /** `full`: every inbound message is checked against its zod schema; `tag`: only its tag (trusted peers). */
  readonly validation: 'full' | 'tag';
  /** Disable Nagle's algorithm (TCP_NODELAY) on TCP sockets. */
  readonly noDelay: boolean;
  /** How long closing waits for processors and queued messages before the socket is destroyed. */
  readonly flushTimeoutMs: number;
  /** Framework heartbeats, or `'none'`. */
  readonly heartbeat: 'none' | HeartbeatPolicy;
  /** Close a connection with no application message in either direction for this long (0: never). */
  readonly idleTimeoutMs: number;
  /** Inbound rate limit per connection, or `'none'`. */
  readonly rateLimit: 'none' | RateLimitPolicy;
  /** Outbound lanes by name (none by default); a lane a protocol names must be here. See {@link LaneConfig}. */
  readonly lanes: Readonly<Record<string, LaneConfig>>;
  /**
   * Check each message this side sends against the protocol's schema (the full zod check) before
   * encoding it: an invalid one is not sent and fails loudly (see {@link OutboundValidation}).
   */
  readonly validateOutbound: OutboundValidation;
  /** Requests this side may have outstanding per connection; one more fails at once with a `RequestLimitError`. */
  readonly maxRequestsInFlight: number;
}

/** Effective server config. */
export interface ServerConfig extends BaseConfig {
  /** Connections open at once; more are refused with a `connection-refused` event (0: unlimited). */
  readonly maxConnections: number;
  /** A connection must deliver its first message within this long or is closed (slowloris defence; 0: no deadline). */
  readonly handshakeTimeoutMs: number;
  /**
   * Bytes all connections together may hold in rxmsg's buffers (undecoded input and outbound
   * queues). Past it, the connections holding the most are closed first (reason `memory-limit`)
   * until the sum is under it again (0: no limit). Default 1 GiB. One connection's share is
   * bounded on its own too: see `connectionMemoryBound`.
   */
  readonly maxBufferedBytes: number;
}

/** Effective client config. */
export interface ClientConfig extends BaseConfig {
  /** How the first connection is retried when it fails. */
  readonly connectRetry: 'none' | RetryPolicy;
  /** How a lost connection is re-established. */
  readonly reconnect: 'none' | ReconnectPolicy;
  /** What `send()` does while not connected. */
  readonly whileDisconnected: WhileDisconnectedPolicy;
  /** Messages `send()` may queue while not connected (with `whileDisconnected: 'queue'`). */
  readonly disconnectedQueueLimit: number;
  /**
   * How long one connection attempt may take, in ms, before it fails with a `TimeoutError` (code `TIMEOUT`)
   * (and `connectRetry` or `reconnect` decides what comes next); 0: no deadline. Applied by the TCP,
   * Unix and TLS transports (for TLS: TCP connect and TLS handshake together). WebSocket transports
   * have their own handshake deadline. Default 10 000.
   */
  readonly connectTimeoutMs: number;
}

const BASE_DEFAULTS = {
  maxFrameBytes: 1_048_576,
  sendQueueLimit: 16_384,
  sendQueueBytes: 8_388_608,
  onSendQueueFull: 'backpressure',
  receiveQueueLimit: 1_024,
  onDecodeError: 'disconnect',
  validation: 'full',
  noDelay: true,
  flushTimeoutMs: 2_000,
  heartbeat: 'none',
  idleTimeoutMs: 0,
  rateLimit: 'none',
  lanes: Object.freeze({}),
  validateOutbound: 'never',
  maxRequestsInFlight: 1_024,
} as const satisfies BaseConfig;

/** Defaults of the server config; each is explained in the README. */
export const SERVER_CONFIG_DEFAULTS = Object.freeze({
  ...BASE_DEFAULTS,
  maxConnections: 10_000,
  handshakeTimeoutMs: 10_000,
  maxBufferedBytes: 1_073_741_824,
} as const satisfies ServerConfig);

/** Defaults of the client config. */
export const CLIENT_CONFIG_DEFAULTS = Object.freeze({
  ...BASE_DEFAULTS,
  connectRetry: 'none',
  reconnect: 'none',
  whileDisconnected: 'queue',
  disconnectedQueueLimit: 1_024,
  connectTimeoutMs: 10_000,
} as const satisfies ClientConfig);

type Input<T> = { readonly [K in keyof T]?: T[K] };

/**
 * The config object a user writes for side `W`, usually `as const`.
 * `onDecodeError: 'reply'` only type-checks when the protocol defines the error
 * reply of that side (`R` is the union of sides that do); fields of the other side
 * (`connectRetry` on a server, `maxConnections` on a client) do not type-check.
 */
export type ConfigInput<W extends Side, R extends Side = never> = Input<Omit<BaseConfig, 'onDecodeError'>> & {
  readonly onDecodeError?: W extends R ? DecodeErrorPolicy : Exclude<DecodeErrorPolicy, 'reply'>;
} & (W extends 'client'
    ? Input<Omit<ClientConfig, keyof BaseConfig>> & { readonly [K in Exclude<keyof ServerConfig, keyof BaseConfig>]?: never }
    : Input<Omit<ServerConfig, keyof BaseConfig>> & { readonly [K in Exclude<keyof ClientConfig, keyof BaseConfig>]?: never });

/** The effective config type of side `W`. */
type SideConfig<W extends Side> = W extends 'client' ? ClientConfig : ServerConfig;

/** The keys `C` always sets: not optional, and not possibly `undefined` (which counts as absent). */
type SetKeys<C> = { [K in keyof C]-?: {} extends Pick<C, K> ? never : undefined extends C[K] ? never : K }[keyof C];

/**
 * The effective config: the type of each field is the given literal type where the config
 * always sets it, the default's type where it leaves it out, and both where it may (an optional
 * key, or one that may be `undefined`: the default applies at run time then). Read-only.
 * @example `EffectiveConfig<'client', { readonly maxFrameBytes: 4096 }>['maxFrameBytes']` is `4096`;
 * with `{ readonly maxFrameBytes?: 4096 }` it is `number`.
 */
export type EffectiveConfig<W extends Side, C> = Readonly<
  Omit<SideConfig<W>, keyof C> & {
    [K in keyof C & keyof SideConfig<W>]-?: K extends SetKeys<C> ? Exclude<C[K], undefined> : Exclude<C[K], undefined> | SideConfig<W>[K];
  }
>;

// Node timers hold at most 2^31 - 1 ms; a larger value would silently fire after 1 ms.
const ms = z.number().int().min(0).max(2_147_483_647);
const positive = z.number().int().min(1);

const retryShape = {
  initialMs: ms,
  maxMs: ms,
  factor: z.number().min(1),
  jitter: z.number().min(0).max(1),
  maxAttempts: positive,
};
const maxAtLeastInitial = { message: 'maxMs must be >= initialMs', path: ['maxMs'] };
const retryPolicySchema = z
  .object(retryShape)
  .strict()
  .refine((p) => p.maxMs >= p.initialMs, maxAtLeastInitial);
const reconnectPolicySchema = z
  .object({ ...retryShape, maxAttempts: z.number().int().min(1).or(z.literal(Infinity)), stableAfterMs: ms })
  .strict()
  .refine((p) => p.maxMs >= p.initialMs, maxAtLeastInitial);

const baseShape = {
  maxFrameBytes: z.number().int().min(16).max(0x7fffffff),
  sendQueueLimit: positive,
  sendQueueBytes: positive,
  onSendQueueFull: z.enum(['backpressure', 'drop-newest', 'drop-oldest', 'disconnect']),
  receiveQueueLimit: positive,
  onDecodeError: z.enum(['ignore', 'reply', 'disconnect']),
  validation: z.enum(['full', 'tag']),
  noDelay: z.boolean(),
  flushTimeoutMs: ms,
  heartbeat: z.union([
    z.literal('none'),
    z
      .object({ intervalMs: positive, timeoutMs: positive })
      .strict()
      .refine((h) => h.timeoutMs > h.intervalMs, { message: 'timeoutMs must be > intervalMs', path: ['timeoutMs'] }),
  ]),
  idleTimeoutMs: ms,
  rateLimit: z.union([
    z.literal('none'),
    z.object({ messagesPerSecond: z.number().positive(), burst: positive, onExceed: z.enum(['pause', 'drop', 'disconnect']) }).strict(),
  ]),
  lanes: z.record(
    z.string().regex(/^[A-Za-z_][\w.-]{0,63}$/, 'a lane name is a letter or _, then up to 63 letters, digits, _ . -'),
    z
      .object({
        limit: positive,
        bytes: positive.optional(),
        policy: z.enum(['backpressure', 'drop-newest', 'drop-oldest', 'disconnect']),
        priority: z.number().int().min(-1000).max(1000).optional(),
      })
      .strict(),
  ),
  validateOutbound: z.enum(['development', 'always', 'never']),
  maxRequestsInFlight: z.number().int().min(1).max(1_048_576),
};

const serverSchema = z.object({ ...baseShape, maxConnections: ms, handshakeTimeoutMs: ms, maxBufferedBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).partial().strict();
const clientSchema = z
  .object({
    ...baseShape,
    connectRetry: z.union([z.literal('none'), retryPolicySchema]),
    reconnect: z.union([z.literal('none'), reconnectPolicySchema]),
    whileDisconnected: z.enum(['queue', 'drop', 'error']),
    disconnectedQueueLimit: positive,
    connectTimeoutMs: ms,
  })
  .partial()
  .strict();

/**
 * Validate a config object once, at creation, and return the frozen effective config
 * (defaults filled in).
 *
 * @param side - which side's fields are allowed.
 * @param input - the user's config (may be `undefined`).
 * @param replySides - sides whose protocol defines an error reply; `onDecodeError: 'reply'` needs this side in it.
 * @throws {@link ConfigError} naming the first invalid field.
 *
 * @example
 * ```ts
 * const config = resolveConfig('server', { maxFrameBytes: 4096, onDecodeError: 'disconnect' });
 * config.maxFrameBytes; // 4096
 * config.onSendQueueFull; // 'backpressure' (the default)
 * resolveConfig('client', { maxFrameBytes: -1 }); // throws ConfigError (code CONFIG_INVALID)
 * ```
 */
export function resolveConfig(side: 'server', input: unknown, replySides?: readonly Side[]): ServerConfig;
export function resolveConfig(side: 'client', input: unknown, replySides?: readonly Side[]): ClientConfig;
export function resolveConfig(side: Side, input: unknown, replySides: readonly Side[] = []): ServerConfig | ClientConfig {
  // No config: the defaults, resolved once per side and shared (frozen, and valid for any replySides
  // since the default onDecodeError is not 'reply'): a process with many clients keeps one copy.
  if (input === undefined) return (resolvedDefaults[side] ??= resolveInput(side, {}, replySides));
  return resolveInput(side, input, replySides);
}

/** The effective config of `undefined`, per side, once resolved. */
const resolvedDefaults: { server?: ServerConfig | ClientConfig; client?: ServerConfig | ClientConfig } = {};

function resolveInput(side: Side, input: unknown, replySides: readonly Side[]): ServerConfig | ClientConfig {
  const schema = side === 'server' ? serverSchema : clientSchema;
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue === undefined ? '' : issueField(issue)) || '(config)';
    throw new ConfigError(field, parsed.error.issues.map((i) => `${i.path.map(String).join('.') || field}: ${i.message}`), {
      cause: parsed.error,
    });
  }
  const defaults = side === 'server' ? SERVER_CONFIG_DEFAULTS : CLIENT_CONFIG_DEFAULTS;
  // Every field is either defaulted or validated by the schema above.
  const config = { ...defaults, ...stripUndefined(parsed.data) } as ClientConfig & ServerConfig;
  if (config.onDecodeError === 'reply' && !replySides.includes(side)) {
    throw new ConfigError('onDecodeError', [`'reply' needs the protocol to define errorReplies.${side}`]);
  }
  if ('default' in config.lanes) {
    throw new ConfigError('lanes.default', ['the default lane is set by sendQueueLimit, sendQueueBytes and onSendQueueFull']);
  }
  for (const nested of [config.connectRetry, config.reconnect, config.heartbeat, config.rateLimit, ...Object.values(config.lanes)]) {
    if (typeof nested === 'object') Object.freeze(nested);
  }
  Object.freeze(config.lanes);
  const frozen = Object.freeze(config);
  if (config.validateOutbound === 'development') resolvedOutbound.set(frozen, !isProduction());
  return frozen;
}

/** `validateOutbound: 'development'` as resolved by `resolveConfig`: NODE_ENV is read once per config. */
const resolvedOutbound = new WeakMap<object, boolean>();

/** `true` when `NODE_ENV` is `'production'`; `false` where there is no `process` (browsers). */
function isProduction(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.['NODE_ENV'] === 'production';
}

/**
 * Whether a config asks for outbound validation: `'always'`, or `'development'` when `NODE_ENV` was
 * not `'production'` as `resolveConfig` resolved this config (a config built by hand reads
 * `NODE_ENV` now). Read once per connection by the session engine.
 * @example `validatesOutbound({ validateOutbound: 'always' })` is `true`; `validatesOutbound({ validateOutbound: 'development' })` is `true` unless `NODE_ENV` is `'production'`.
 */
export function validatesOutbound(config: Pick<BaseConfig, 'validateOutbound'>): boolean {
  const mode = config.validateOutbound;
  if (mode === 'never') return false;
  return mode === 'always' || (resolvedOutbound.get(config) ?? !isProduction());
}

/**
 * Dotted path of the field an issue is about. A retry policy failing a check that zod
 * treats as fatal (a missing field, a non-integer) is reported as a failed `'none' | RetryPolicy`
 * union; the policy branch's issue names the field.
 */
function issueField(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => [...path, key].join('.')).join(', ');
  if (issue.code === 'invalid_union') {
    const nested = issue.errors.map((branch) => branch[0]).find((first) => first !== undefined && first.path.length > 0);
    if (nested !== undefined) return [...path, issueField(nested)].join('.');
  }
  return path.join('.');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
