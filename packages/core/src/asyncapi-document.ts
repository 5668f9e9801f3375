import { parseAddress } from './address';
import { MalformedMessageError, ProtocolDefinitionError } from './errors';
import { messageJsonSchema, type JsonObject, type JsonValue } from './message-json-schema';
import type { AnyProtocol, Side } from './protocol';
import type { ProtocolStack, StackStage } from './protocol-stack';
import { CANCEL_TAG, END_TAG, ERROR_TAG } from './request-spec';
import { wireFormat } from './wire-format';

/** Options of {@link toAsyncApi}. */
export interface AsyncApiOptions {
  /** `info.title`; the protocol's or stack's name by default. */
  readonly title?: string;
  /** `info.version`, the version of the application's protocol; `1.0.0` by default. */
  readonly version?: string;
  /** `info.description`, put before the generated summary of stages and directions; a stack's own `description` by default. */
  readonly description?: string;
  /** Addresses the protocol is served on (`tcp://host:port`, `unix:/path`, `ws://host:port/path`…): one server entry each (`host` = `host:port`, `pathname` = the path; a `unix:` socket is `host` = its path, `protocol` = `unix`). */
  readonly servers?: readonly string[];
  /** The receiver's `maxFrameBytes`, when it should be documented (`maxPayloadBytes` in each channel's framing). */
  readonly maxFrameBytes?: number;
}

/** An AsyncAPI 3.0.0 document, as plain JSON. */
export interface AsyncApiDocument {
  /** The AsyncAPI version of the document. */
  readonly asyncapi: '3.0.0';
  /** Title, version and a description of the stages and of the point of view. */
  readonly info: JsonObject;
  /** One entry per address given in {@link AsyncApiOptions.servers}. */
  readonly servers?: JsonObject;
  /** The content type of every message, when all stages share one. */
  readonly defaultContentType?: string;
  /** One channel per stage, in stack order. */
  readonly channels: JsonObject;
  /** `<stage>.receive`, `<stage>.send` and `<stage>.request.<name>`, from the server's point of view. */
  readonly operations: JsonObject;
  /** `messages` and their payload `schemas`, keyed `<stage>.<sender>.<name>`. */
  readonly components: JsonObject;
  /** rxmsg's extensions (`x-rxmsg-point-of-view`, `x-rxmsg-stack`). */
  readonly [extension: `x-${string}`]: JsonValue;
}

const POINT_OF_VIEW =
  'Operations are written from the server\'s point of view: `receive` operations carry what the client sends to the server, `send` operations what the server sends to the client.';
const CONTROL = new Map([
  [END_TAG, 'ends the request-stream of the same correlation id'],
  [ERROR_TAG, 'fails the request of the same correlation id'],
  [CANCEL_TAG, 'cancels the request of the same correlation id'],
]);

/**
 * Describe a protocol, or a composite stack of protocols, as an AsyncAPI 3.0.0 document that a
 * team writing a peer in another language can read and generate code from.
 *
 * - Each stage (a lone protocol is one stage, named after the protocol) is a **channel**, in
 *   stack order, with `x-rxmsg-stage` (`order`, and `next`: what moves a connection on), the
 *   codec, framing and control frames (`x-rxmsg-codec`, `x-rxmsg-framing`,
 *   `x-rxmsg-control-frames`) and the tag field (`x-rxmsg-tag`).
 * - Each message is a component message (`<stage>.<sender>.<name>`, `$` in names written `_`)
 *   with its content type (`application/json` for `text`, `application/x-msgpack` for
 *   `binary`), its tag value, and a payload in `components.schemas`: the JSON Schema of the
 *   zod schema's **input** side, which is what travels (see {@link messageJsonSchema}).
 * - Directions are from the **server's point of view**: `<stage>.receive` lists what the client
 *   sends, `<stage>.send` what the server sends. Each declared request is one more operation
 *   (`<stage>.request.<name>`) with its `reply` and `x-rxmsg-request` (correlation field, stream).
 * - `servers` has one entry per address given.
 *
 * The output is deterministic (keys in a fixed order, messages in definition order, stages in
 * stack order): the same protocols give the same JSON, so the document can be committed and diffed.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { toAsyncApi } from '@rxmsg/core';
 * import { HelloProtocol } from './protocols';
 *
 * const doc = toAsyncApi(HelloProtocol, { version: '1.0.0', servers: ['tcp://127.0.0.1:4000'] });
 * writeFileSync('asyncapi.json', JSON.stringify(doc, null, 2) + '\n');
 * ```
 * @param source - a protocol (`defineProtocol`) or a stack (`defineStack`).
 * @param options - title, version, description, servers, frame limit.
 * @returns the document, as plain JSON (`JSON.stringify` it).
 * @throws {@link ProtocolDefinitionError} when a message's schema cannot be converted to JSON Schema,
 * or two message names of one stage and sender give the same key (`$end` and `_end`).
 * @throws {@link AddressError} when a server address is not one.
 */
export function toAsyncApi(source: AnyProtocol | ProtocolStack, options: AsyncApiOptions = {}): AsyncApiDocument {
  const stack = 'stages' in source;
  const stages: readonly StackStage[] = stack ? source.stages : [{ name: safeKey(source.name), protocol: source }];
  const channels: Record<string, JsonValue> = {};
  const operations: Record<string, JsonValue> = {};
  const messages: Record<string, JsonValue> = {};
  const schemas: Record<string, JsonValue> = {};
  const contentTypes = new Set<string>();
  stages.forEach((stage, index) => {
    const described = describeStage(stage, stack ? { order: index + 1, of: stages.length } : undefined, options.maxFrameBytes);
    channels[stage.name] = described.channel;
    Object.assign(operations, described.operations);
    Object.assign(messages, described.messages);
    Object.assign(schemas, described.schemas);
    contentTypes.add(described.contentType);
  });
  const summary = stack ? stackSummary(stages) : `One protocol, \`${stages[0]!.protocol.name}\`, for the whole connection.`;
  const about = options.description ?? (stack ? source.description : undefined);
  const description = [about, summary, POINT_OF_VIEW].filter((s) => s !== undefined).join('\n\n');
  const servers = options.servers === undefined || options.servers.length === 0 ? undefined : serverEntries(options.servers);
  return {
    asyncapi: '3.0.0',
    info: { title: options.title ?? source.name, version: options.version ?? '1.0.0', description },
    ...(servers === undefined ? {} : { servers }),
    ...(contentTypes.size === 1 ? { defaultContentType: [...contentTypes][0]! } : {}),
    channels,
    operations,
    components: { messages, schemas },
    'x-rxmsg-point-of-view': 'server',
    ...(stack
      ? {
          'x-rxmsg-stack': {
            name: source.name,
            stages: stages.map((s) => s.name),
            handover:
              'stages follow each other on one connection with no delimiter: the byte after the last message of a stage is the first byte of the next stage\'s framing, possibly in the same segment',
          },
        }
      : {}),
  };
}

interface DescribedStage {
  readonly channel: JsonObject;
  readonly operations: Record<string, JsonValue>;
  readonly messages: Record<string, JsonValue>;
  readonly schemas: Record<string, JsonValue>;
  readonly contentType: string;
}

function describeStage(stage: StackStage, position: { order: number; of: number } | undefined, maxFrameBytes: number | undefined): DescribedStage {
  const { protocol } = stage;
  const channelId = stage.name;
  const wire = wireFormat(protocol.codec, maxFrameBytes);
  const channelMessages: Record<string, JsonValue> = {};
  const messages: Record<string, JsonValue> = {};
  const schemas: Record<string, JsonValue> = {};
  const keys: Record<Side, Map<string, string>> = { client: new Map(), server: new Map() };
  for (const side of ['client', 'server'] as const) {
    for (const name of protocol[side].names) {
      const key = `${side}.${safeKey(name)}`;
      const id = `${channelId}.${key}`;
      if (id in messages) throw new ProtocolDefinitionError(`messages ${name} and ${String(at(messages, id, 'name'))} of ${stage.name} have the same document key ${id}`);
      keys[side].set(name, key);
      // names come from the set itself, so the schema exists.
      schemas[id] = messageJsonSchema(protocol[side].schemaOf(name)!, name, `#/components/schemas/${id}`);
      messages[id] = messageObject(protocol, side, name, id, wire.contentType);
      channelMessages[key] = { $ref: `#/components/messages/${id}` };
    }
  }
  const channelRef = { $ref: `#/channels/${channelId}` };
  const refs = (side: Side, names: Iterable<string>) => [...names].map((n) => ({ $ref: `#/channels/${channelId}/messages/${keys[side].get(n)!}` }));
  const operations: Record<string, JsonValue> = {
    [`${channelId}.receive`]: {
      action: 'receive',
      channel: channelRef,
      title: `${stage.name}: client to server`,
      summary: `What the client may send in ${position === undefined ? 'this protocol' : `stage ${stage.name}`}.`,
      messages: refs('client', protocol.client.names),
    },
    [`${channelId}.send`]: {
      action: 'send',
      channel: channelRef,
      title: `${stage.name}: server to client`,
      summary: `What the server may send in ${position === undefined ? 'this protocol' : `stage ${stage.name}`}.`,
      messages: refs('server', protocol.server.names),
    },
  };
  const requests = protocol.requests;
  if (requests !== undefined) {
    for (const side of ['client', 'server'] as const) {
      const other: Side = side === 'client' ? 'server' : 'client';
      for (const [name, kind] of requests.sends[side]) {
        operations[`${channelId}.request.${safeKey(name)}`] = {
          action: side === 'client' ? 'receive' : 'send',
          channel: channelRef,
          title: `${stage.name}: request ${name}`,
          summary: `The ${side} requests with ${name} (carrying a \`${requests.correlation}\`); the ${other} answers with ${kind.stream ? `a stream of ${kind.reply}, ended by ${END_TAG}` : kind.reply} carrying the same \`${requests.correlation}\`, or ${ERROR_TAG}.`,
          messages: refs(side, [name]),
          reply: { channel: channelRef, messages: refs(other, kind.stream ? [kind.reply, END_TAG, ERROR_TAG] : [kind.reply, ERROR_TAG]) },
          'x-rxmsg-request': { correlation: requests.correlation, reply: kind.reply, stream: kind.stream, cancel: CANCEL_TAG },
        };
      }
    }
  }
  const next = stage.next === undefined ? {} : { next: stage.next };
  const channel: JsonObject = {
    title: stage.name,
    description: channelDescription(stage, position, wire.contentType),
    messages: channelMessages,
    'x-rxmsg-protocol': protocol.name,
    ...(position === undefined ? {} : { 'x-rxmsg-stage': { order: position.order, ...next } }),
    'x-rxmsg-tag': protocol.tag,
    'x-rxmsg-codec': wire.codec,
    'x-rxmsg-framing': wire.framing,
    'x-rxmsg-control-frames': wire.controlFrames,
    ...builtMessages(protocol),
  };
  return { channel, operations, messages, schemas, contentType: wire.contentType };
}

function messageObject(protocol: AnyProtocol, side: Side, name: string, id: string, contentType: string): JsonObject {
  const other = side === 'client' ? 'server' : 'client';
  const control = CONTROL.get(name);
  return {
    name,
    title: name,
    summary: control === undefined ? `${side} to ${other}` : `${side} to ${other}, control message: ${control}`,
    contentType,
    payload: { $ref: `#/components/schemas/${id}` },
    'x-rxmsg-tag': { field: protocol.tag, value: name },
    'x-rxmsg-sender': side,
  };
}

/** The messages the protocol's error-reply and going-away builders produce, found by calling them once. */
function builtMessages(protocol: AnyProtocol): JsonObject {
  const out: Record<string, JsonValue> = {};
  const errorReply: Record<string, JsonValue> = {};
  const goingAway: Record<string, JsonValue> = {};
  for (const side of ['server', 'client'] as const) {
    const reply = protocol.errorReplies[side];
    if (reply !== undefined) errorReply[side] = tagOf(protocol.tag, () => reply(new MalformedMessageError('payload is not an object')));
    const away = protocol.goingAway[side];
    if (away !== undefined) goingAway[side] = tagOf(protocol.tag, away);
  }
  if (Object.keys(errorReply).length > 0) {
    out['x-rxmsg-error-reply'] = { description: 'the message each side answers input that fails to decode with, under onDecodeError: reply', ...errorReply };
  }
  if (Object.keys(goingAway).length > 0) {
    out['x-rxmsg-going-away'] = { description: 'the message each side sends before a graceful close', ...goingAway };
  }
  return out;
}

/** The tag value of what `build` returns; a builder that throws is documented as such, not hidden. */
function tagOf(tag: string, build: () => unknown): JsonValue {
  let message: unknown;
  try {
    message = build();
  } catch (error) {
    return { message: null, note: `the builder threw: ${error instanceof Error ? error.message : String(error)}` };
  }
  const value = typeof message === 'object' && message !== null ? (message as Record<string, unknown>)[tag] : undefined;
  return typeof value === 'string' ? value : null;
}

function channelDescription(stage: StackStage, position: { order: number; of: number } | undefined, contentType: string): string {
  const { protocol } = stage;
  const where = position === undefined ? `Protocol \`${protocol.name}\`` : `Stage ${position.order} of ${position.of}: protocol \`${protocol.name}\``;
  const next = stage.next === undefined ? '' : ` Next: ${stage.next}`;
  return `${where}, ${protocol.codec.name} codec (${contentType}); messages carry their name in \`${protocol.tag}\`.${next}`;
}

function stackSummary(stages: readonly StackStage[]): string {
  const lines = stages.map((s, i) => `${i + 1}. \`${s.name}\` (protocol \`${s.protocol.name}\`, ${s.protocol.codec.name})${s.next === undefined ? '' : `: ${s.next}`}`);
  return `A connection goes through these stages, in order, each with its own protocol and framing:\n\n${lines.join('\n')}`;
}

function serverEntries(addresses: readonly string[]): JsonObject {
  const servers: Record<string, JsonValue> = {};
  const counts = new Map<string, number>();
  for (const text of addresses) {
    const address = parseAddress(text);
    const n = (counts.get(address.scheme) ?? 0) + 1;
    counts.set(address.scheme, n);
    const id = n === 1 ? address.scheme : `${address.scheme}-${n}`;
    if (address.kind === 'unix') {
      // A unix-domain socket has no host name: the socket path is what a client connects to, so it
      // is the host (AsyncAPI 3 only asks for a string; `pathname` is a resource *in* the host).
      servers[id] = { host: address.path, protocol: 'unix', description: text };
    } else {
      const host = address.host.includes(':') ? `[${address.host}]` : address.host;
      servers[id] = {
        host: `${host}:${address.port}`,
        ...(address.path === '/' ? {} : { pathname: address.path }),
        protocol: address.scheme,
        description: text,
      };
    }
  }
  return servers;
}

function at(object: Record<string, JsonValue>, key: string, field: string): JsonValue | undefined {
  const value = object[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject)[field] : undefined;
}

/** A component key AsyncAPI accepts (`^[a-zA-Z0-9.\-_]+$`): other characters (`$` of control messages) become `_`. */
function safeKey(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
