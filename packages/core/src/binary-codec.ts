import { C1, Packr } from 'msgpackr';
import type { Codec } from './codec';
import { MalformedMessageError } from './errors';
import { LENGTH_PREFIX_BYTES, LengthPrefixFramer } from './length-prefix-framer';

// Plain MessagePack (no msgpackr records or extensions) so any MessagePack library can speak it.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

function pack(message: unknown): Uint8Array {
  return packr.pack(message);
}

/**
 * The binary wire format: each frame is a 4-byte big-endian payload length followed by
 * the message encoded as standard MessagePack (encoded with msgpackr, chosen over
 * `@msgpack/msgpack` by measurement: see `bench/msgpack.md`).
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
    const body = pack(message);
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
  byteLength: (chunk) => (typeof chunk === 'string' ? chunk.length : chunk.length),
};
