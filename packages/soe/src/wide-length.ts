import { ByteReader, putU16, putU32 } from './byte-reader';

/**
 * The wide forms shared by SOE's two variable-length integers (MultiPacket sub-packet lengths and
 * data-bundle lengths), which differ only in their one-byte form: `FF` + uint16 for values up to
 * 65534, `FF FF FF` + uint32 above. Writes `length` in the wide form at `offset`; returns the offset after it.
 */
export function writeWideLength(out: Uint8Array, offset: number, length: number): number {
  out[offset] = 0xff;
  if (length < 0xffff) {
    putU16(out, offset + 1, length);
    return offset + 3;
  }
  out[offset + 1] = 0xff;
  out[offset + 2] = 0xff;
  putU32(out, offset + 3, length);
  return offset + 7;
}

/** The bytes {@link writeWideLength} uses for `length`: 3 up to 65534, else 7. */
export function wideLengthSize(length: number): number {
  return length < 0xffff ? 3 : 7;
}

/**
 * Reads the rest of a wide length whose leading `FF` was read: `FF FF` then a uint32, else a
 * uint16. Throws `SOE_MALFORMED` (naming `what`) on truncation.
 */
export function readWideLength(reader: ByteReader, what: string): number {
  if (reader.peek() === 0xff && reader.peek(1) === 0xff) {
    reader.u16(what);
    return reader.u32(what);
  }
  return reader.u16(what);
}
