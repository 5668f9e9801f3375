import { ByteReader, checkUint, putU16, putU32 } from './byte-reader';

/** The bytes {@link writeDataBundleLength} uses for `length`: 1 below 255, 3 up to 65534, else 7. */
export function dataBundleLengthSize(length: number): number {
  return length < 0xff ? 1 : length < 0xffff ? 3 : 7;
}

/**
 * Writes the length of one application buffer inside a data bundle at `offset`; returns the
 * offset after it. One byte for 0–254, `FF` + uint16 for 255–65534, `FF FF FF` + uint32 above.
 */
export function writeDataBundleLength(out: Uint8Array, offset: number, length: number): number {
  checkUint(length, 0xffff_ffff, 'data bundle buffer length');
  if (length < 0xff) {
    out[offset] = length;
    return offset + 1;
  }
  if (length < 0xffff) {
    out[offset] = 0xff;
    putU16(out, offset + 1, length);
    return offset + 3;
  }
  out[offset] = 0xff;
  out[offset + 1] = 0xff;
  out[offset + 2] = 0xff;
  putU32(out, offset + 3, length);
  return offset + 7;
}

/**
 * Reads one data-bundle length: a first byte below 0xFF is the value; 0xFF 0xFF 0xFF is followed
 * by a uint32; any other 0xFF by a uint16. Throws `SOE_MALFORMED` on truncation.
 */
export function readDataBundleLength(reader: ByteReader): number {
  const first = reader.u8('data bundle length');
  if (first < 0xff) return first;
  if (reader.peek() === 0xff && reader.peek(1) === 0xff) {
    reader.u16('data bundle length');
    return reader.u32('data bundle length');
  }
  return reader.u16('data bundle length');
}
