import { z } from 'zod';
import { ProtocolDefinitionError } from './errors';

// Spelled out here rather than imported from protocol.ts, which imports this module.
import type { Side } from './side';
type MessageSchema = z.ZodObject<z.core.$ZodShape, z.core.$ZodObjectConfig>;
type MessageSchemas = Readonly<Record<string, MessageSchema>>;

/** The correlation field of requests and replies when a protocol names none. */
export const DEFAULT_CORRELATION_FIELD = 'rid';

/** Tag of the control message ending a request-stream: `{ <tag>: '$end', <correlation>: n }`. */
export const END_TAG = '$end';
/** Tag of the control message failing a request: `{ <tag>: '$error', <correlation>: n, code, message }`. */
export const ERROR_TAG = '$error';
/** Tag of the control message cancelling a request: `{ <tag>: '$cancel', <correlation>: n }`. */
export const CANCEL_TAG = '$cancel';

/** Longest `code` and `message` of an `$error` control message accepted. */
export const MAX_ERROR_CODE_LENGTH = 64;
/** Longest `message` of an `$error` control message accepted. */
export const MAX_ERROR_MESSAGE_LENGTH = 1_024;

/** How one request is answered: by one message named `Reply`, or by a stream of them (`{ stream: Reply }`). */
export type RequestDeclaration<Reply extends string> = Reply | { readonly stream: Reply };

/**
 * The `requests` of a protocol definition, per side that sends them: request name → reply name
 * (a message of the other direction) or `{ stream: name }` for a request-stream.
 * @example `{ client: { Get: 'Value', Watch: { stream: 'Changed' } }, server: { Probe: 'Probed' } }`
 */
export interface RequestDeclarations<CM, SM> {
  /** Requests the client sends, answered by server messages. */
  readonly client?: { readonly [K in keyof CM & string]?: RequestDeclaration<keyof SM & string> };
  /** Requests the server sends, answered by client messages. */
  readonly server?: { readonly [K in keyof SM & string]?: RequestDeclaration<keyof CM & string> };
}

/**
 * One declared request at the type level: its name, the side sending it, the request and reply
 * message types, and whether it is answered by a stream.
 */
export interface RequestPair<Name extends string = string, W extends Side = Side, Req = unknown, Reply = unknown, Stream extends boolean = boolean> {
  readonly name: Name;
  readonly side: W;
  readonly req: Req;
  readonly reply: Reply;
  readonly stream: Stream;
}

type ReplyName<D> = D extends { readonly stream: infer N } ? N : D;
type IsStream<D> = D extends { readonly stream: string } ? true : false;
type Named<Tag extends string, U, N> = Extract<U, { readonly [T in Tag]: N }>;

/** The {@link RequestPair}s of one side's declarations: `U` the union it sends, `V` the union answering. */
type PairsOf<Tag extends string, W extends Side, D, U, V> = {
  [K in keyof D & string]-?: RequestPair<K, W, Named<Tag, U, K>, Named<Tag, V, ReplyName<Exclude<D[K], undefined>>>, IsStream<Exclude<D[K], undefined>>>;
}[keyof D & string];

/** Every declared request of a protocol, as a union of {@link RequestPair}s (`never` without requests). */
export type RequestPairs<Tag extends string, Q, C, S> =
  | (Q extends { readonly client: infer D } ? PairsOf<Tag, 'client', D, C, S> : never)
  | (Q extends { readonly server: infer D } ? PairsOf<Tag, 'server', D, S, C> : never);

/** How one request is answered, at run time. */
export interface RequestKind {
  /** Name of the reply message (of the other direction). */
  readonly reply: string;
  /** Answered by a stream of replies ended by `$end`. */
  readonly stream: boolean;
}

/** Zod schema of a correlation id: a non-negative safe integer. */
export const correlationSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The run-time form of a protocol's `requests`: what each side may request and how it is
 * answered, and the schema changes they imply (the optional correlation field on requests and
 * replies, and the control messages `$end`, `$error`, `$cancel` in both directions).
 */
export class RequestSpec {
  /** Requests per sending side: name → how it is answered. */
  readonly sends: Readonly<Record<Side, ReadonlyMap<string, RequestKind>>>;
  /** Reply names per receiving side: the messages a side receives that may answer its own requests. */
  private readonly replies: Readonly<Record<Side, ReadonlySet<string>>>;

  /**
   * @param correlation - the correlation field.
   * @param declarations - the definition's `requests`.
   * @param client - the client's message schemas (without control messages).
   * @param server - the server's message schemas.
   * @throws {@link ProtocolDefinitionError} for a name that is not a message of the right direction,
   * a message that both requests and answers in one direction, a name starting with `$`, or a
   * message declaring the correlation field itself.
   */
  constructor(
    readonly correlation: string,
    declarations: RequestDeclarations<MessageSchemas, MessageSchemas>,
    client: MessageSchemas,
    server: MessageSchemas,
  ) {
    if (correlation.length === 0 || correlation.startsWith('$')) throw new ProtocolDefinitionError(`invalid correlation field "${correlation}"`);
    const schemas = { client, server };
    for (const side of ['client', 'server'] as const) {
      for (const name of Object.keys(schemas[side])) {
        if (name.startsWith('$')) throw new ProtocolDefinitionError(`message ${name}: names starting with "$" are reserved for control messages`);
      }
    }
    const sends = { client: readSide('client', declarations.client, client, server), server: readSide('server', declarations.server, server, client) };
    this.sends = sends;
    const replies = { client: new Set<string>(), server: new Set<string>() };
    for (const side of ['client', 'server'] as const) {
      const other = side === 'client' ? 'server' : 'client';
      for (const kind of sends[side].values()) replies[side].add(kind.reply);
      // An inbound message with a correlation id must mean one thing: an answer, or a request.
      for (const name of sends[other].keys()) {
        if (replies[side].has(name)) throw new ProtocolDefinitionError(`message ${name} both requests and answers a request`);
      }
    }
    this.replies = replies;
    for (const [name, schema] of [...Object.entries(client), ...Object.entries(server)]) {
      if (correlation in schema.shape) throw new ProtocolDefinitionError(`message ${name} declares the correlation field "${correlation}" itself; it is added for you`);
    }
  }

  /** Whether `name` is a message side `side` receives that may answer one of its requests. */
  answers(side: Side, name: string): boolean {
    return this.replies[side].has(name);
  }

  /**
   * The schemas of the messages `sender` sends, with the correlation field added (optional) to
   * its requests and replies, and the control messages added.
   */
  extend(sender: Side, schemas: MessageSchemas): MessageSchemas {
    const receiver: Side = sender === 'client' ? 'server' : 'client';
    const rid = correlationSchema.optional();
    const out: Record<string, MessageSchema> = {};
    for (const [name, schema] of Object.entries(schemas)) {
      const correlated = this.sends[sender].has(name) || this.replies[receiver].has(name);
      out[name] = correlated ? schema.extend({ [this.correlation]: rid }) : schema;
    }
    const id = { [this.correlation]: correlationSchema };
    out[END_TAG] = z.object(id);
    out[ERROR_TAG] = z.object({ ...id, code: z.string().max(MAX_ERROR_CODE_LENGTH), message: z.string().max(MAX_ERROR_MESSAGE_LENGTH) });
    out[CANCEL_TAG] = z.object(id);
    return out;
  }
}

function readSide(
  side: Side,
  declared: Readonly<Record<string, RequestDeclaration<string> | undefined>> | undefined,
  own: MessageSchemas,
  other: MessageSchemas,
): Map<string, RequestKind> {
  const kinds = new Map<string, RequestKind>();
  if (declared === undefined) return kinds;
  for (const [name, declaration] of Object.entries(declared)) {
    if (declaration === undefined) continue;
    if (!Object.hasOwn(own, name)) throw new ProtocolDefinitionError(`request ${name} is not a ${side} message`);
    const stream = typeof declaration === 'object';
    const reply = stream ? declaration.stream : declaration;
    if (typeof reply !== 'string' || !Object.hasOwn(other, reply)) {
      throw new ProtocolDefinitionError(`request ${name} is answered by ${String(reply)}, which is not a message of the other side`);
    }
    kinds.set(name, { reply, stream });
  }
  return kinds;
}
