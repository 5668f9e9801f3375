import { z } from 'zod';
import { binaryCodec } from './binary-codec';
import type { Codec } from './codec';
import {
  InvalidMessageError,
  MalformedMessageError,
  ProtocolDefinitionError,
  UnknownMessageError,
  type DecodeError,
} from './errors';
import { compileFlatValidator, type FlatValidator } from './flat-validator';
import { DEFAULT_CORRELATION_FIELD, RequestSpec, type RequestDeclarations, type RequestPairs } from './request-spec';
import { textCodec } from './text-codec';

import type { Side } from './side';

export type { Side } from './side';

/** The zod object schema of one message, without its tag field. */
export type MessageSchema = z.ZodObject<z.core.$ZodShape, z.core.$ZodObjectConfig>;

/** Message schemas of one direction, keyed by message name (the tag value). */
export type MessageSchemas = Readonly<Record<string, MessageSchema>>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** Drop index signatures (zod types `z.object({})` as `Record<string, never>`). */
type KnownKeys<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/** The union of messages described by `M`, each carrying its name in the `Tag` field. */
export type MessageOf<Tag extends string, M extends MessageSchemas> = {
  [K in keyof M & string]: Simplify<{ [T in Tag]: K } & KnownKeys<z.output<M[K]>>>;
}[keyof M & string];

/** The wire formats built in: `text` (JSON lines) and `binary` (length-prefixed MessagePack). */
export type CodecName = 'text' | 'binary';

/**
 * Messages a side answers with when it receives bad input and its config says
 * `onDecodeError: 'reply'`. Each is built from the decode error.
 */
export interface ErrorReplies<C, S> {
  /** What the server sends to a client whose input failed to decode. */
  readonly server?: (error: DecodeError) => S;
  /** What the client sends to a server whose input failed to decode. */
  readonly client?: (error: DecodeError) => C;
}

/**
 * Messages a side sends to announce a graceful stop ("going away") before it flushes and
 * closes, e.g. when a server shuts down.
 */
export interface GoingAwayMessages<C, S> {
  /** What the server sends to each client when it is closed. */
  readonly server?: () => S;
  /** What the client sends to the server when it is closed. */
  readonly client?: () => C;
}

/** What {@link defineProtocol} takes. */
export interface ProtocolDefinition<Tag extends string, CM extends MessageSchemas, SM extends MessageSchemas, R, Q = {}> {
  /** Name used in events, snapshots and docs. */
  readonly name: string;
  /** The field every message carries its name in, e.g. `kind`. */
  readonly tag: Tag;
  /** Wire format; defaults to `text`. */
  readonly codec?: CodecName | Codec;
  /** Messages the client sends to the server. */
  readonly client: CM;
  /** Messages the server sends to the client. */
  readonly server: SM;
  /** Error messages for `onDecodeError: 'reply'`, per side. */
  readonly errorReplies?: R & ErrorReplies<MessageOf<Tag, CM>, MessageOf<Tag, SM>>;
  /** Messages announcing a graceful stop, per side. */
  readonly goingAway?: GoingAwayMessages<MessageOf<Tag, CM>, MessageOf<Tag, SM>>;
  /**
   * Outbound lanes of messages, by message name (of either direction): e.g. `{ Changed: 'notify' }`.
   * Messages not named go to the default lane. Each lane named must be configured (`config.lanes`)
   * on every side that sends one of its messages, or creating that server or client fails with a
   * `ConfigError`. See docs/lanes.md.
   */
  readonly lanes?: { readonly [K in (keyof CM | keyof SM) & string]?: string };
  /**
   * Which messages are requests and what answers them, per sending side (see `docs/requests.md`):
   * `{ client: { Get: 'Value', Watch: { stream: 'Changed' } } }`. The library adds the correlation
   * field to those messages (optional: without it they are ordinary messages) and the control
   * messages `$end`, `$error`, `$cancel` to both directions.
   */
  readonly requests?: Q & RequestDeclarations<CM, SM>;
  /** The correlation field of requests and their replies; `rid` by default. */
  readonly correlation?: string;
}

/** The lane of each message that is not in the default lane, by message name. */
export type MessageLanes = Readonly<Record<string, string>>;

/**
 * The validated, decodable messages of one direction of a protocol.
 * @typeParam M - union of the messages.
 */
export class MessageSet<M> {
  private readonly schemas = new Map<string, MessageSchema>();
  /** Each message's name and, for a flat schema, its precompiled validator (see {@link compileFlatValidator}): tried before zod. */
  private readonly entries = new Map<string, MessageEntry>();
  /**
   * The entry last found by {@link MessageSet.parse}/{@link MessageSet.parseTag}: a tag read from a
   * decoded message is a new string each time, which a Map lookup hashes (over half of `parse`'s own
   * time); comparing it with the last name found costs a few byte compares.
   */
  private last: MessageEntry | undefined;

  /**
   * @param tag - the tag field.
   * @param schemas - schema per message name (without the tag field).
   */
  constructor(
    readonly tag: string,
    schemas: MessageSchemas,
  ) {
    for (const [name, schema] of Object.entries(schemas)) {
      // A zod 3 schema (or anything else) type-checks through a loose `any` in some setups but fails every
      // message at run time: refuse it here, where the mistake is made.
      if (!(schema instanceof z.ZodObject)) {
        throw new ProtocolDefinitionError(`message ${name} is not a zod 4 object schema (z.object from zod 4; zod 3 schemas are not supported)`);
      }
      if (tag in schema.shape) {
        throw new ProtocolDefinitionError(`message ${name} declares the tag field "${tag}" itself; it is added for you`);
      }
      const full = schema.extend({ [tag]: z.literal(name) });
      this.schemas.set(name, full);
      const fast = compileFlatValidator(full);
      this.entries.set(name, { name, fast });
    }
    if (this.schemas.size === 0) throw new ProtocolDefinitionError('a direction must define at least one message');
  }

  /** Names of the messages, in definition order. */
  get names(): string[] {
    return [...this.schemas.keys()];
  }

  /**
   * The schema of message `name` as it is checked on receipt: the definition's object with the tag
   * field (a literal of `name`) and, for requests and replies, the correlation field added.
   * @returns the schema, or `undefined` when the direction has no message of that name.
   */
  schemaOf(name: string): MessageSchema | undefined {
    return this.schemas.get(name);
  }

  /**
   * Check only that a decoded value is an object with a known tag, and trust the rest: the fast
   * path of `validation: 'tag'`, for peers you trust (about a quarter of the cost of decoding a
   * small JSON message is the full zod check).
   * @returns the value as a message, or the {@link DecodeError} explaining why it is not one.
   */
  parseTag(value: unknown): M | DecodeError {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return new MalformedMessageError('payload is not an object');
    }
    const tagValue: unknown = (value as Record<string, unknown>)[this.tag];
    if (typeof tagValue !== 'string') {
      return new UnknownMessageError(this.tag, tagValue === undefined ? undefined : String(tagValue));
    }
    if (this.entryOf(tagValue) === undefined) return new UnknownMessageError(this.tag, tagValue);
    // Trusted by configuration: the shape is not checked.
    return value as M;
  }

  /**
   * Validate a decoded value against the schemas.
   * @returns the typed message, or the {@link DecodeError} explaining why it is not one.
   */
  parse(value: unknown): M | DecodeError {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return new MalformedMessageError('payload is not an object');
    }
    const tagValue: unknown = (value as Record<string, unknown>)[this.tag];
    if (typeof tagValue !== 'string') {
      return new UnknownMessageError(this.tag, tagValue === undefined ? undefined : String(tagValue));
    }
    // A flat schema's precompiled validator accepts exactly what zod accepts, with zod's output;
    // on a reject zod runs to produce its issues. Looked up first: one map lookup for a valid message.
    const validate = this.entryOf(tagValue)?.fast;
    if (validate !== undefined) {
      try {
        const fast = validate(value);
        if (fast !== undefined) return fast as M;
      } catch (error) {
        // A codec's value may be exotic (a getter, a proxy): contained like a schema that throws.
        return schemaThrew(tagValue, error);
      }
    }
    const schema = this.schemas.get(tagValue);
    if (schema === undefined) return new UnknownMessageError(this.tag, tagValue);
    let result: ReturnType<typeof schema.safeParse>;
    try {
      result = schema.safeParse(value);
    } catch (error) {
      // A transform or refinement threw instead of reporting an issue: user code, contained here.
      return schemaThrew(tagValue, error);
    }
    if (!result.success) {
      const issues = result.error.issues.map((i) => ({ path: i.path, code: i.code, message: i.message }));
      return new InvalidMessageError(tagValue, issues);
    }
    // The schema for this tag produces exactly the member of M named by the tag.
    return result.data as M;
  }

  /** The entry of message `name` (remembered as the last found), or `undefined` when the direction has none. */
  private entryOf(name: string): MessageEntry | undefined {
    const last = this.last;
    if (last !== undefined && last.name === name) return last;
    const entry = this.entries.get(name);
    if (entry !== undefined) this.last = entry;
    return entry;
  }
}

/** A message of a {@link MessageSet}: its name and its precompiled validator, if its schema is flat. */
interface MessageEntry {
  readonly name: string;
  readonly fast: FlatValidator | undefined;
}

/** The error of a message whose validation threw instead of reporting an issue. */
function schemaThrew(tag: string, error: unknown): InvalidMessageError {
  const message = `schema threw: ${error instanceof Error ? error.message : String(error)}`;
  return new InvalidMessageError(tag, [{ path: [], code: 'custom', message }], { cause: error });
}

/**
 * A protocol: the messages each side may send, their wire format and error replies.
 * Create one with {@link defineProtocol}.
 *
 * @typeParam C - messages sent by the client (client → server).
 * @typeParam S - messages sent by the server (server → client).
 * @typeParam R - the sides that define an error reply (`'server'`, `'client'`, both or `never`).
 */
export interface Protocol<C, S, R extends Side = never, Q = never> {
  readonly name: string;
  readonly tag: string;
  readonly codec: Codec;
  /** Messages the client sends. */
  readonly client: MessageSet<C>;
  /** Messages the server sends. */
  readonly server: MessageSet<S>;
  /** Error replies for `onDecodeError: 'reply'`. */
  readonly errorReplies: ErrorReplies<C, S>;
  /** Messages announcing a graceful stop. */
  readonly goingAway: GoingAwayMessages<C, S>;
  /** The outbound lane of each message not in the default lane, by message name (`{}` for none). */
  readonly lanes: MessageLanes;
  /** Type-only marker of the sides with an error reply; always `undefined` at run time. */
  readonly replySides?: R;
  /** The declared requests, when there are any (see {@link ProtocolDefinition.requests}). */
  readonly requests?: RequestSpec;
  /** Type-only marker of the declared requests (a union of `RequestPair`s); always `undefined` at run time. */
  readonly requestPairs?: Q;
}

/** Messages sent by the client of protocol `P`. */
export type ClientMessage<P> = P extends Protocol<infer C, unknown, Side, unknown> ? C : never;
/** Messages sent by the server of protocol `P`. */
export type ServerMessage<P> = P extends Protocol<unknown, infer S, Side, unknown> ? S : never;
/** Messages received by side `W` of protocol `P`. */
export type InboundOf<P, W extends Side> = W extends 'server' ? ClientMessage<P> : ServerMessage<P>;
/** Messages sent by side `W` of protocol `P`. */
export type OutboundOf<P, W extends Side> = W extends 'server' ? ServerMessage<P> : ClientMessage<P>;
/** Sides of protocol `P` that define an error reply. */
export type ReplySides<P> = P extends Protocol<unknown, unknown, infer R, unknown> ? R : never;
/** The declared requests of protocol `P`, a union of `RequestPair`s (`never` without requests). */
export type RequestsOf<P> = P extends Protocol<unknown, unknown, Side, infer Q> ? Q : never;
/** Any protocol (protocols are covariant in their message types, so every one is assignable). */
export type AnyProtocol = Protocol<unknown, unknown, Side, unknown>;

type RepliesOf<R> = R extends object ? (keyof R & Side) : never;

/**
 * Define a protocol from zod schemas: the messages each side sends, keyed by name.
 * The tag field (here `kind`) is added to every message and identifies it on the wire.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineProtocol } from '@rxmsg/core';
 *
 * export const HelloProtocol = defineProtocol({
 *   name: 'hello',
 *   tag: 'kind',
 *   codec: 'text',
 *   client: { Hello: z.object({ name: z.string() }) },
 *   server: { World: z.object({ greeting: z.string() }), Oops: z.object({ error: z.string() }) },
 *   errorReplies: { server: (e) => ({ kind: 'Oops', error: e.code }) },
 * });
 * // ClientMessage<typeof HelloProtocol> is { kind: 'Hello'; name: string }
 * ```
 */
export function defineProtocol<
  const Tag extends string,
  CM extends MessageSchemas,
  SM extends MessageSchemas,
  R extends ErrorReplies<MessageOf<Tag, CM>, MessageOf<Tag, SM>> = Record<never, never>,
  const Q extends RequestDeclarations<CM, SM> = {},
>(
  definition: ProtocolDefinition<Tag, CM, SM, R, Q>,
): Protocol<MessageOf<Tag, CM>, MessageOf<Tag, SM>, RepliesOf<R>, RequestPairs<Tag, Q, MessageOf<Tag, CM>, MessageOf<Tag, SM>>> {
  const codec = resolveCodec(definition.codec ?? 'text');
  // No prototype: looking up a message named `toString` finds nothing.
  const lanes = Object.create(null) as Record<string, string>;
  for (const [message, lane] of Object.entries(definition.lanes ?? {})) {
    if (lane === undefined) continue;
    if (!Object.hasOwn(definition.client, message) && !Object.hasOwn(definition.server, message)) {
      throw new ProtocolDefinitionError(`lanes names message ${message}, which the protocol does not define`);
    }
    if (typeof lane !== 'string' || lane === '') throw new ProtocolDefinitionError(`the lane of message ${message} must be a non-empty string`);
    lanes[message] = lane;
  }
  const declared = definition.requests;
  const requests =
    declared === undefined ? undefined : new RequestSpec(definition.correlation ?? DEFAULT_CORRELATION_FIELD, declared, definition.client, definition.server);
  return Object.freeze({
    name: definition.name,
    tag: definition.tag,
    codec,
    client: new MessageSet<MessageOf<Tag, CM>>(definition.tag, requests === undefined ? definition.client : requests.extend('client', definition.client)),
    server: new MessageSet<MessageOf<Tag, SM>>(definition.tag, requests === undefined ? definition.server : requests.extend('server', definition.server)),
    errorReplies: Object.freeze({ ...definition.errorReplies }),
    goingAway: Object.freeze({ ...definition.goingAway }),
    lanes: Object.freeze(lanes),
    ...(requests === undefined ? {} : { requests }),
  });
}

function resolveCodec(codec: CodecName | Codec): Codec {
  if (typeof codec !== 'string') return codec;
  return codec === 'text' ? textCodec : binaryCodec;
}
