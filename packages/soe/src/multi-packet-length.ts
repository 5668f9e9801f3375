import { ByteReader, checkUint } from './byte-reader';
import { SoePacketError } from './soe-packet-error';
import { readWideLength, wideLengthSize, writeWideLength } from './wide-length';

/**
 * The bytes {@link writeMultiPacketLength} uses for `length`: 1 up to 255, 3 up to 65534, else 7.
 */
export function multiPacketLengthSize(length: number): number {
  return length <= 0xff ? 1 : wideLengthSize(length);
}

/**
 * Writes a MultiPacket sub-packet length at `offset`; returns the offset after it.
 *
 * One byte for 0–255 (a 255 is told apart from the three-byte form by the sub-packet's op code,
 * whose high byte is always 0x00), `FF` + uint16 for 256–65534, `FF FF FF` + uint32 above.
 */
export function writeMultiPacketLength(out: Uint8Array, offset: number, length: number): number {
  checkUint(length, 0xffff_ffff, 'MultiPacket sub-packet length');
  if (length <= 0xff) {
    out[offset] = length;
    return offset + 1;
  }
  return writeWideLength(out, offset, length);
}

/**
 * Reads a MultiPacket sub-packet length. A first byte below 0xFF is the value; 0xFF followed by
 * 0x00 is the value 255 (the 0x00 starts the sub-packet's op code); 0xFF 0xFF 0xFF is followed by
 * a uint32; any other 0xFF is followed by a uint16. Throws `SOE_MALFORMED` on truncation.
 */
export function readMultiPacketLength(reader: ByteReader): number {
  const first = reader.u8('MultiPacket length');
  if (first < 0xff) return first;
  const next = reader.peek();
  if (next === undefined) throw new SoePacketError('SOE_MALFORMED', 'truncated: MultiPacket length');
  if (next === 0x00) return 0xff;
  return readWideLength(reader, 'MultiPacket length');
}
