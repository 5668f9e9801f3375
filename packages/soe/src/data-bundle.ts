import { ByteReader } from './byte-reader';
import { dataBundleLengthSize, readDataBundleLength, writeDataBundleLength } from './data-bundle-length';
import { SoePacketError } from './soe-packet-error';

/** The two bytes a data bundle starts with. */
export const DATA_BUNDLE_MAGIC: readonly [number, number] = [0x00, 0x19];

/** Whether a reliable payload is a data bundle (starts with `00 19`). */
export function isDataBundle(payload: Uint8Array): boolean {
  return payload.length >= 2 && payload[0] === 0x00 && payload[1] === 0x19;
}

/** The size of the bundle {@link encodeDataBundle} makes of `buffers`. */
export function dataBundleSize(buffers: readonly Uint8Array[]): number {
  let size = 2;
  for (const b of buffers) size += dataBundleLengthSize(b.length) + b.length;
  return size;
}

/** Bundles application buffers into one reliable payload: `00 19`, then each buffer after its variable-length size. */
export function encodeDataBundle(buffers: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(dataBundleSize(buffers));
  out[0] = 0x00;
  out[1] = 0x19;
  let o = 2;
  for (const b of buffers) {
    o = writeDataBundleLength(out, o, b.length);
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/**
 * {@link encodeDataBundle} of buffers and strings (written as UTF-8, straight into the bundle),
 * given the UTF-8 length of each. Same bytes as `encodeDataBundle` of their UTF-8 encodings.
 */
export function encodeTextDataBundle(items: readonly (Uint8Array | string)[], lengths: readonly number[]): Uint8Array {
  let size = 2;
  for (let i = 0; i < items.length; i++) {
    const length = lengths[i] as number;
    size += dataBundleLengthSize(length) + length;
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x00;
  out[1] = 0x19;
  let o = 2;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Uint8Array | string;
    const length = lengths[i] as number;
    o = writeDataBundleLength(out, o, length);
    if (typeof item === 'string') {
      if (out.write(item, o, length, 'utf8') !== length) throw new Error('data bundle: a string changed length');
    } else out.set(item, o);
    o += length;
  }
  return out;
}

/**
 * Splits a data bundle (which must start with `00 19`) into views of its buffers. Throws
 * `SOE_MALFORMED` on a missing magic, a truncated length or a length beyond the bytes left,
 * `SOE_TOO_LARGE` past `maxBuffers` (default 4096).
 */
export function decodeDataBundle(payload: Uint8Array, maxBuffers = 4096): Uint8Array[] {
  if (!isDataBundle(payload)) throw new SoePacketError('SOE_MALFORMED', 'a data bundle starts with 00 19');
  const r = new ByteReader(payload, 2);
  const out: Uint8Array[] = [];
  while (r.remaining > 0) {
    if (out.length >= maxBuffers) throw new SoePacketError('SOE_TOO_LARGE', `data bundle holds more than ${maxBuffers} buffers`);
    const length = readDataBundleLength(r);
    if (length > r.remaining) throw new SoePacketError('SOE_MALFORMED', `data bundle: buffer length ${length} exceeds the ${r.remaining} byte(s) left`);
    out.push(r.bytesView(length, 'data bundle buffer'));
  }
  return out;
}
