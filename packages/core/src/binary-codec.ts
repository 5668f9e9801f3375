import { C1, Packr } from 'msgpackr';
import { isValidCredit, type Codec } from './codec';
import { MalformedMessageError } from './errors';
import { NOT_FLAT, decodeFlatMap } from './flat-msgpack';
import { encodeFlat } from './flat-msgpack-encoder';
import { LENGTH_PREFIX_BYTES, LengthPrefixFramer } from './length-prefix-framer';

// Plain MessagePack (no msgpackr records or extensions) so any MessagePack library can speak it.
// Decoded `bin` values are copies: a view would keep the whole received chunk (up to 64 KiB) alive
// for as long as the application keeps the message.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: true });

// 0xc1 is the one byte MessagePack never uses: a payload starting with it is a control frame.
const NEVER_USED = 0xc1;
const PING_PAYLOAD = Uint8Array.of(NEVER_USED, 0x01);
const PONG_PAYLOAD = Uint8Array.of(NEVER_USED, 0x02);
const PING_FRAME = Uint8Array.of(0, 0, 0, 2, NEVER_USED, 0x01);
const PONG_FRAME = Uint8Array.of(0, 0, 0, 2, NEVER_USED, 0x02);
const CREDIT = 0x03;
/** `c1 03`, the stream id and the credits, both 4-byte big-endian. */
const CREDIT_PAYLOAD_BYTES = 10;

function pack(message: unknown): Uint8Array {
  // The common plain message without msgpackr's per-message setup, in the same bytes.
  return encodeFlat(message, 0) ?? packr.pack(message);
}

/**
 * The binary wire format: each frame is a 4-byte big-endian payload length followed by
 * the message encoded as standard MessagePack (encoded with msgpackr, chosen over
 * `@msgpack/msgpack` by measurement: see `bench/msgpack.md`). Framework heartbeats are the
 * 2-byte payloads `c1 01` (ping) and `c1 02` (pong): 0xc1 is never used by MessagePack. A credit
 * grant is the 10-byte payload `c1 03`, the stream id and the credits, each 4 bytes big-endian.
 *
 * Plain messages (objects and arrays of strings, numbers, booleans, `null`) are encoded without
 * msgpackr, in the bytes msgpackr writes; a frame of up to 256 bytes is then a view into a 1 KiB
 * slab shared with the frames encoded after it (so a frame kept alive keeps at most 1 KiB alive),
 * a larger one an array of its own. Decoded `bin` values are copies, never views of received bytes.
 *
 * @example
 * ```ts
 * const frame = binaryCodec.encodeFrame({ kind: 'Ping', n: 1 }) as Uint8Array;
 * // frame[0..3] = payload length, frame[4..] = MessagePack map
 * ```
 */
export const binaryCodec: Codec = {
  name: 'binary',
  payloadType: 'binary',
  createFramer: (maxFrameBytes) => new LengthPrefixFramer(maxFrameBytes),
  encodeFrame(message) {
    // The fast encoder leaves room for the prefix: one array, no copy of the payload.
    const fast = encodeFlat(message, LENGTH_PREFIX_BYTES);
    if (fast !== undefined) {
      const n = fast.length - LENGTH_PREFIX_BYTES;
      // The reserved bytes hold whatever the scratch did; the fast encoder's payloads are below 64 KiB.
      fast[0] = 0;
      fast[1] = 0;
      fast[2] = n >>> 8;
      fast[3] = n & 0xff;
      return fast;
    }
    const body = packr.pack(message);
    const n = body.length;
    const frame = new Uint8Array(LENGTH_PREFIX_BYTES + n);
    frame[0] = n >>> 24;
    frame[1] = (n >>> 16) & 0xff;
    frame[2] = (n >>> 8) & 0xff;
    frame[3] = n & 0xff;
    frame.set(body, LENGTH_PREFIX_BYTES);
    return frame;
  },
  encodePayload: pack,
  decode(payload) {
    if (typeof payload === 'string') throw new MalformedMessageError('binary protocol received a text payload');
    if (payload.length === 0) throw new MalformedMessageError('empty MessagePack payload');
    // The common small map without msgpackr's per-message setup; anything else (and every error) is msgpackr's.
    const flat = decodeFlatMap(payload);
    if (flat !== NOT_FLAT) return flat;
    let value: unknown;
    try {
      value = packr.unpack(payload);
    } catch (cause) {
      throw new MalformedMessageError('payload is not valid MessagePack', { cause });
    }
    // msgpackr decodes the never-used byte 0xc1 to a marker object instead of failing.
    if (value === C1) throw new MalformedMessageError('payload is the never-used MessagePack byte 0xc1');
    return value;
  },
  byteLength: (chunk) => chunk.length,
  controlFrame: (kind, framed) => (kind === 'ping' ? (framed ? PING_FRAME : PING_PAYLOAD) : framed ? PONG_FRAME : PONG_PAYLOAD),
  controlOf(payload) {
    if (typeof payload === 'string' || payload[0] !== NEVER_USED) return undefined;
    if (payload.length === CREDIT_PAYLOAD_BYTES) return payload[1] === CREDIT ? 'credit' : undefined;
    if (payload.length !== 2) return undefined;
    return payload[1] === 0x01 ? 'ping' : payload[1] === 0x02 ? 'pong' : undefined;
  },
  creditFrame(stream, n, framed) {
    if (!isValidCredit(stream, n)) throw new RangeError(`credit out of range: stream ${stream}, n ${n}`);
    const at = framed ? LENGTH_PREFIX_BYTES : 0;
    const out = new Uint8Array(at + CREDIT_PAYLOAD_BYTES);
    const view = new DataView(out.buffer);
    if (framed) view.setUint32(0, CREDIT_PAYLOAD_BYTES);
    out[at] = NEVER_USED;
    out[at + 1] = CREDIT;
    view.setUint32(at + 2, stream);
    view.setUint32(at + 6, n);
    return out;
  },
  creditOf(payload) {
    if (typeof payload === 'string' || payload.length !== CREDIT_PAYLOAD_BYTES || payload[0] !== NEVER_USED || payload[1] !== CREDIT) {
      throw new MalformedMessageError('not a credit frame');
    }
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const stream = view.getUint32(2);
    const n = view.getUint32(6);
    if (!isValidCredit(stream, n)) throw new MalformedMessageError(`credit frame out of range: stream ${stream}, n ${n}`);
    return { stream, n };
  },
};
