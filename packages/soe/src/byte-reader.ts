import { SoePacketError } from './soe-packet-error';

/**
 * A bounds-checked big-endian cursor over one datagram (internal to the codec). Every read past
 * the end throws a `SOE_MALFORMED` {@link SoePacketError}; reads return views, never copies.
 */
export class ByteReader {
  private offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.offset = start;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** The current offset within the underlying bytes. */
  get position(): number {
    return this.offset;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.offset) throw new SoePacketError('SOE_MALFORMED', `truncated: ${what} needs ${n} byte(s), ${this.end - this.offset} left`);
  }

  /** The byte `ahead` positions after the cursor, or `undefined` past the end; does not move. */
  peek(ahead = 0): number | undefined {
    const i = this.offset + ahead;
    return i < this.end ? this.bytes[i] : undefined;
  }

  /** Reads one byte; `what` names the field in the error. */
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.offset++] as number;
  }

  /** Reads a big-endian uint16. */
  u16(what: string): number {
    this.need(2, what);
    const v = ((this.bytes[this.offset] as number) << 8) | (this.bytes[this.offset + 1] as number);
    this.offset += 2;
    return v;
  }

  /** Reads a big-endian uint32. */
  u32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const o = this.offset;
    const v = (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
    this.offset += 4;
    return v;
  }

  /** A view of the next `n` bytes. */
  bytesView(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A view of every byte left. */
  rest(): Uint8Array {
    const v = this.bytes.subarray(this.offset, this.end);
    this.offset = this.end;
    return v;
  }

  /** Throws `SOE_MALFORMED` unless every byte was read. */
  done(what: string): void {
    if (this.offset !== this.end) throw new SoePacketError('SOE_MALFORMED', `${what}: ${this.end - this.offset} trailing byte(s)`);
  }
}

/** Throws `SOE_INVALID` unless `v` is an integer in [0, max]. */
export function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new SoePacketError('SOE_INVALID', `${what} must be an integer in [0, ${max}], got ${v}`);
}

/** Writes `v` as a big-endian uint16 at `o`. */
export function putU16(out: Uint8Array, o: number, v: number): void {
  out[o] = (v >>> 8) & 0xff;
  out[o + 1] = v & 0xff;
}

/** Writes `v` as a big-endian uint32 at `o`. */
export function putU32(out: Uint8Array, o: number, v: number): void {
  out[o] = (v >>> 24) & 0xff;
  out[o + 1] = (v >>> 16) & 0xff;
  out[o + 2] = (v >>> 8) & 0xff;
  out[o + 3] = v & 0xff;
}
