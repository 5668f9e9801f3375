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

/** The fields every side's config has, with their effective (resolved) types. */
export interface BaseConfig {
  /** Largest frame payload accepted or sent, in bytes. Checked while reading: larger input is never buffered whole. */
  readonly maxFrameBytes: number;
  /** Messages a peer's outbound queue may hold while its socket is not writable; past it the peer is disconnected. */
  readonly sendQueueLimit: number;
  /** What to do with input that fails to decode. */
  readonly onDecodeError: DecodeErrorPolicy;
  /** Disable Nagle's algorithm (TCP_NODELAY) on TCP sockets. */
  readonly noDelay: boolean;
  /** How long closing waits for processors and queued messages before the socket is destroyed. */
  readonly flushTimeoutMs: number;
}

/** Effective server config. */
export type ServerConfig = BaseConfig;

/** Effective client config. */
export interface ClientConfig extends BaseConfig {
  /** How the first connection is retried when it fails. */
  readonly connectRetry: 'none' | RetryPolicy;
}

/** Defaults of the server config; each is explained in the README. */
export const SERVER_CONFIG_DEFAULTS = Object.freeze({
  maxFrameBytes: 1_048_576,
  sendQueueLimit: 16_384,
  onDecodeError: 'disconnect',
  noDelay: true,
  flushTimeoutMs: 2_000,
} as const satisfies ServerConfig);

/** Defaults of the client config. */
export const CLIENT_CONFIG_DEFAULTS = Object.freeze({
  ...SERVER_CONFIG_DEFAULTS,
  connectRetry: 'none',
} as const satisfies ClientConfig);

/**
 * The config object a user writes for side `W`, usually `as const`.
 * `onDecodeError: 'reply'` only type-checks when the protocol defines the error
 * reply of that side (`R` is the union of sides that do).
 */
export type ConfigInput<W extends Side, R extends Side = never> = {
  readonly maxFrameBytes?: number;
  readonly sendQueueLimit?: number;
  readonly onDecodeError?: W extends R ? DecodeErrorPolicy : Exclude<DecodeErrorPolicy, 'reply'>;
  readonly noDelay?: boolean;
  readonly flushTimeoutMs?: number;
} & (W extends 'client' ? { readonly connectRetry?: 'none' | RetryPolicy } : { readonly connectRetry?: never });

/** The effective config: defaults overlaid with the given literal types, read-only. */
export type EffectiveConfig<W extends Side, C> = Readonly<
  Omit<W extends 'client' ? ClientConfig : ServerConfig, keyof C> & { [K in keyof C]-?: Exclude<C[K], undefined> }
>;

const retryPolicySchema = z
  .object({
    initialMs: z.number().int().min(0),
    maxMs: z.number().int().min(0),
    factor: z.number().min(1),
    jitter: z.number().min(0).max(1),
    maxAttempts: z.number().int().min(1),
  })
  .strict()
  .refine((p) => p.maxMs >= p.initialMs, { message: 'maxMs must be >= initialMs', path: ['maxMs'] });

const baseShape = {
  maxFrameBytes: z.number().int().min(16).max(0x7fffffff),
  sendQueueLimit: z.number().int().min(1),
  onDecodeError: z.enum(['ignore', 'reply', 'disconnect']),
  noDelay: z.boolean(),
  flushTimeoutMs: z.number().int().min(0),
};

const serverSchema = z.object(baseShape).partial().strict();
const clientSchema = z
  .object({ ...baseShape, connectRetry: z.union([z.literal('none'), retryPolicySchema]) })
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
 */
export function resolveConfig(side: 'server', input: unknown, replySides?: readonly Side[]): ServerConfig;
export function resolveConfig(side: 'client', input: unknown, replySides?: readonly Side[]): ClientConfig;
export function resolveConfig(side: Side, input: unknown, replySides: readonly Side[] = []): ServerConfig | ClientConfig {
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
  const config = { ...defaults, ...stripUndefined(parsed.data) } as ClientConfig;
  if (config.onDecodeError === 'reply' && !replySides.includes(side)) {
    throw new ConfigError('onDecodeError', [`'reply' needs the protocol to define errorReplies.${side}`]);
  }
  if (typeof config.connectRetry === 'object') Object.freeze(config.connectRetry);
  return Object.freeze(config);
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
