import { utf8Length } from './bytes';
import { MAX_CREDIT, MAX_STREAM_ID, isValidCredit, type Codec, type Credit } from './codec';
import { MalformedMessageError } from './errors';
import { LineFramer } from './line-framer';

const decoder = new TextDecoder('utf-8', { fatal: true });
const HASH = 0x23;
// Control lines start with '#', which no JSON object does.
const PING = '#ping';
const PONG = '#pong';
const CREDIT = '#credit ';
/** `#credit ` and two 10-digit numbers with a space between. */
const MAX_CREDIT_LINE = CREDIT.length + 10 + 1 + 10;
const MIN_CREDIT_LINE = CREDIT.length + 3;
const CREDIT_BYTES = Uint8Array.from(CREDIT, (c) => c.charCodeAt(0));
const creditText = new TextDecoder('latin1');

/**
 * The text wire format: one JSON object per line, UTF-8, terminated by `\n`
 * (`\r\n` accepted on input). Human-readable and easy to speak from any language.
 * Framework heartbeats are the lines `#ping` and `#pong`; a credit grant is `#credit <stream> <n>`
 * (decimal, no leading zeros).
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
    // Every control line starts with '#' and no JSON object does: one comparison for a message.
    if ((typeof payload === 'string' ? payload.charCodeAt(0) : payload[0]) !== HASH) return undefined;
    if (payload.length !== 5) return isCreditLine(payload) ? 'credit' : undefined;
    if (typeof payload === 'string') return payload === PING ? 'ping' : payload === PONG ? 'pong' : undefined;
    if (payload[0] !== HASH) return undefined;
    // '#ping' / '#pong': bytes 1..4 are 'p', 'i'|'o', 'n', 'g'.
    if (payload[1] !== 0x70 || payload[3] !== 0x6e || payload[4] !== 0x67) return undefined;
    return payload[2] === 0x69 ? 'ping' : payload[2] === 0x6f ? 'pong' : undefined;
  },
  creditFrame: (stream, n, framed) => {
    if (!isValidCredit(stream, n)) throw new RangeError(`credit out of range: stream ${stream}, n ${n}`);
    return `${CREDIT}${stream} ${n}${framed ? '\n' : ''}`;
  },
  creditOf(payload) {
    if (!isCreditLine(payload)) throw new MalformedMessageError('not a credit line');
    return parseCredit(typeof payload === 'string' ? payload : creditText.decode(payload));
  },
};

/** Whether a payload starts like a credit line and has a credit line's length (its numbers are checked by {@link parseCredit}). */
function isCreditLine(payload: Uint8Array | string): boolean {
  const n = payload.length;
  if (n < MIN_CREDIT_LINE || n > MAX_CREDIT_LINE) return false;
  if (typeof payload === 'string') return payload.startsWith(CREDIT);
  for (let i = 0; i < CREDIT_BYTES.length; i++) if (payload[i] !== CREDIT_BYTES[i]) return false;
  return true;
}

/** `#credit <stream> <n>`: both decimal without leading zeros, in range. */
function parseCredit(line: string): Credit {
  const space = line.indexOf(' ', CREDIT.length);
  const stream = decimal(line, CREDIT.length, space);
  const n = decimal(line, space + 1, line.length);
  if (stream === undefined || n === undefined || stream > MAX_STREAM_ID || n < 1 || n > MAX_CREDIT) {
    throw new MalformedMessageError(`malformed credit line ${JSON.stringify(line)}`);
  }
  return { stream, n };
}

/** The decimal number in `text[from, to)`, or `undefined` unless it is 1 to 10 digits without a leading zero. */
function decimal(text: string, from: number, to: number): number | undefined {
  if (to <= from || to - from > 10 || (to - from > 1 && text.charCodeAt(from) === 0x30)) return undefined;
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return value;
}
