import type { Codec } from './codec';
import { LENGTH_PREFIX_BYTES } from './length-prefix-framer';
import type { JsonObject } from './message-json-schema';

/** How a protocol's messages travel, for a peer written in another language. */
export interface WireFormat {
  /** The content type of one payload: `application/json` (text), `application/x-msgpack` (binary). */
  readonly contentType: string;
  /** The codec: its name and what one payload is. */
  readonly codec: JsonObject;
  /** How payloads are delimited on a byte stream (TCP, Unix socket, TLS). */
  readonly framing: JsonObject;
  /** The framework's own frames, which are never messages. */
  readonly controlFrames: JsonObject;
}

const MESSAGE_TRANSPORTS = 'over a message transport (WebSocket) each message is one transport message carrying the payload alone, unframed';

/**
 * Describe the wire format of `codec`: content type, framing, control frames. The two built-in
 * codecs are recognised by name (`text`, `binary`); any other codec is described by its name
 * and payload type only, with framing `custom`.
 * @param codec - a protocol's codec.
 * @param maxFrameBytes - the largest payload accepted, when known (the receiver's `maxFrameBytes`).
 */
export function wireFormat(codec: Codec, maxFrameBytes?: number): WireFormat {
  const limit = maxFrameBytes === undefined ? {} : { maxPayloadBytes: maxFrameBytes };
  if (codec.name === 'text' && codec.payloadType === 'text') {
    return {
      contentType: 'application/json',
      codec: { name: 'text', payload: 'one JSON object, UTF-8, without raw newlines (JSON escapes them)' },
      framing: {
        type: 'newline-delimited',
        terminator: '\n',
        description: `each payload is followed by "\\n" (0x0a); a "\\r" before it is ignored on input and empty lines are skipped; ${MESSAGE_TRANSPORTS} (a WebSocket text message)`,
        ...limit,
      },
      controlFrames: {
        description: 'lines starting with "#" (which no JSON object does) are control frames, answered by the framework and never messages',
        heartbeat: { ping: '#ping', pong: '#pong' },
        credit: '#credit <stream> <n> (decimal)',
      },
    };
  }
  if (codec.name === 'binary' && codec.payloadType === 'binary') {
    return {
      contentType: 'application/x-msgpack',
      codec: { name: 'binary', payload: 'one MessagePack map with string keys, no extension types' },
      framing: {
        type: 'length-prefixed',
        prefixBytes: LENGTH_PREFIX_BYTES,
        byteOrder: 'big-endian',
        signed: false,
        description: `each payload is preceded by its length in bytes (the prefix not counted) as a ${LENGTH_PREFIX_BYTES}-byte big-endian unsigned integer; ${MESSAGE_TRANSPORTS} (a WebSocket binary message)`,
        ...limit,
      },
      controlFrames: {
        description: 'payloads starting with 0xc1 (a byte MessagePack never uses) are control frames, answered by the framework and never messages',
        heartbeat: { ping: 'c1 01', pong: 'c1 02' },
        credit: 'c1 03, then the stream id and the credits, each 4 bytes big-endian',
      },
    };
  }
  return {
    contentType: codec.payloadType === 'text' ? 'text/plain' : 'application/octet-stream',
    codec: { name: codec.name, payload: `a custom ${codec.payloadType} payload` },
    framing: { type: 'custom', ...limit },
    controlFrames: { description: 'defined by the custom codec' },
  };
}
