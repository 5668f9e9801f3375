import { utf8Length } from './bytes';
import type { Codec } from './codec';
import { MalformedMessageError } from './errors';
import { LineFramer } from './line-framer';

const decoder = new TextDecoder('utf-8', { fatal: true });
const HASH = 0x23;
// Control lines start with '#', which no JSON object does.
const PING = '#ping';
const PONG = '#pong';

/**
 * The text wire format: one JSON object per line, UTF-8, terminated by `\n`
 * (`\r\n` accepted on input). Human-readable and easy to speak from any language.
 * Framework heartbeats are the lines `#ping` and `#pong`.
 *
 * @example
 * ```ts
 * textCodec.encodeFrame({ kind: 'Hello', name: 'Ada' }); // '{"kind":"Hello","name":"Ada"}\n'
 * ```
 */
export const textCodec: Codec = {
  name: 'text',
  payloadType: 'text',
  // Lines are decoded a chunk at a time: one UTF-8 decode for all the lines of a chunk.
  createFramer: (maxFrameBytes) => new LineFramer(maxFrameBytes, { decodeText: true }),
  // JSON.stringify escapes control characters, so the line never contains a raw \n.
  encodeFrame: (message) => JSON.stringify(message) + '\n',
  encodePayload: (message) => JSON.stringify(message),
  decode(payload) {
    let text: string;
    try {
      text = typeof payload === 'string' ? payload : decoder.decode(payload);
    } catch (cause) {
      throw new MalformedMessageError('line is not valid UTF-8', { cause });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new MalformedMessageError('line is not valid JSON', { cause });
    }
  },
  byteLength: (chunk) => (typeof chunk === 'string' ? utf8Length(chunk) : chunk.length),
  controlFrame: (kind, framed) => (kind === 'ping' ? PING : PONG) + (framed ? '\n' : ''),
  controlOf(payload) {
    if (payload.length !== 5) return undefined;
    if (typeof payload === 'string') return payload === PING ? 'ping' : payload === PONG ? 'pong' : undefined;
    if (payload[0] !== HASH) return undefined;
    // '#ping' / '#pong': bytes 1..4 are 'p', 'i'|'o', 'n', 'g'.
    if (payload[1] !== 0x70 || payload[3] !== 0x6e || payload[4] !== 0x67) return undefined;
    return payload[2] === 0x69 ? 'ping' : payload[2] === 0x6f ? 'pong' : undefined;
  },
};
