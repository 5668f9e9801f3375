import { ByteReader, checkUint } from './byte-reader';
import { readWideLength, wideLengthSize, writeWideLength } from './wide-length';

/** The bytes {@link writeDataBundleLength} uses for `length`: 1 below 255, 3 up to 65534, else 7. */
export function dataBundleLengthSize(length: number): number {
  return length < 0xff ? 1 : wideLengthSize(length);
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
  return writeWideLength(out, offset, length);
}

/**
 * Reads one data-bundle length: a first byte below 0xFF is the value; 0xFF 0xFF 0xFF is followed
 * by a uint32; any other 0xFF by a uint16. Throws `SOE_MALFORMED` on truncation.
 */
export function readDataBundleLength(reader: ByteReader): number {
  const first = reader.u8('data bundle length');
  return first < 0xff ? first : readWideLength(reader, 'data bundle length');
}
