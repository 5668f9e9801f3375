import { FrameTooLargeError, FrameTruncatedError, MAX_SKIP_FACTOR, type DecodeError } from './errors';
import type { FrameResult, Framer } from './framer';

/** Bytes of the big-endian length prefix. */
export const LENGTH_PREFIX_BYTES = 4;

/**
 * Frames payloads preceded by a 4-byte big-endian length. A length over `maxFrameBytes`
 * is reported with {@link FrameTooLargeError} as soon as the prefix is read; the announced
 * bytes are then skipped as they arrive (never buffered) and framing resumes after them. A length
 * over {@link MAX_SKIP_FACTOR} times `maxFrameBytes` is reported as not resumable: the session
 * closes the connection rather than skip gigabytes of what is most likely not a frame.
 * A payload held in one chunk is returned as a view into that chunk, without copying. A payload
 * that spans chunks is copied as it arrives into one array of its own, grown by doubling up to the
 * announced length: the framer then holds at most twice the bytes received of it (plus 256), and
 * neither the chunks it came in (a view would keep a whole chunk alive) nor one object per chunk
 * (a peer sending one byte at a time).
 */
export class LengthPrefixFramer implements Framer {
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  private unscanned = 0;
  /** Prefix bytes read so far when the prefix spans chunks. */
  private header: number[] = [];
  /** Payload length of the frame being read, or -1 while reading the prefix. */
  private expected = -1;
  /** The payload being assembled when it spans chunks (see the class comment), or `undefined`. */
  private partial: Uint8Array | undefined;
  private partialBytes = 0;
  /** Bytes of an oversized payload still to skip. */
  private skipping = 0;

  /** @param maxFrameBytes - largest accepted payload in bytes, prefix excluded. */
  constructor(private readonly maxFrameBytes: number) {}

  get bufferedBytes(): number {
    return this.unscanned + this.partialBytes + this.header.length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.unscanned += chunk.length;
  }

  next(): FrameResult {
    for (;;) {
      const chunk = this.chunks[0];
      if (chunk === undefined) return undefined;
      const avail = chunk.length - this.offset;
      if (this.skipping > 0) {
        const n = Math.min(avail, this.skipping);
        this.skipping -= n;
        this.consume(n);
        continue;
      }
      if (this.expected < 0) {
        if (this.header.length === 0 && avail >= LENGTH_PREFIX_BYTES) {
          const o = this.offset;
          // >>> 0 keeps lengths of 2 GiB and more positive.
          this.expected = ((chunk[o]! << 24) | (chunk[o + 1]! << 16) | (chunk[o + 2]! << 8) | chunk[o + 3]!) >>> 0;
          this.consume(LENGTH_PREFIX_BYTES);
        } else {
          this.header.push(chunk[this.offset]!);
          this.consume(1);
          if (this.header.length < LENGTH_PREFIX_BYTES) continue;
          const [a, b, c, d] = this.header as [number, number, number, number];
          this.expected = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
          this.header = [];
        }
        if (this.expected > this.maxFrameBytes) {
          const size = this.expected;
          this.skipping = size;
          this.expected = -1;
          // Skipping is bounded: a longer declared length is most likely not a length at all.
          return new FrameTooLargeError(size, this.maxFrameBytes, size <= MAX_SKIP_FACTOR * this.maxFrameBytes);
        }
        if (this.expected === 0) {
          this.expected = -1;
          return new Uint8Array(0);
        }
        continue;
      }
      const need = this.expected - this.partialBytes;
      if (this.partialBytes === 0 && avail >= need) {
        const frame = chunk.subarray(this.offset, this.offset + need);
        this.consume(need);
        this.expected = -1;
        return frame;
      }
      const n = Math.min(avail, need);
      this.append(chunk, this.offset, n);
      this.consume(n);
      if (this.partialBytes === this.expected) {
        // Grown up to the announced length exactly: the array is the payload.
        const frame = this.partial!;
        this.partial = undefined;
        this.partialBytes = 0;
        this.expected = -1;
        return frame;
      }
    }
  }

  end(): DecodeError | undefined {
    const pending = this.bufferedBytes;
    // An oversized frame being skipped was already reported once; its end is not news.
    const inFrame = this.expected >= 0 || this.header.length > 0;
    const skipping = this.skipping > 0;
    this.takeRemainder();
    return (pending > 0 || inFrame) && !skipping ? new FrameTruncatedError(pending) : undefined;
  }

  takeRemainder(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.expected >= 0) {
      const e = this.expected;
      out.push(Uint8Array.of(e >>> 24, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff));
    } else if (this.header.length > 0) out.push(Uint8Array.from(this.header));
    if (this.partial !== undefined) out.push(this.partial.subarray(0, this.partialBytes));
    const head = this.chunks[0];
    if (head !== undefined && this.offset > 0) this.chunks[0] = head.subarray(this.offset);
    out.push(...this.chunks);
    this.chunks.length = 0;
    this.offset = 0;
    this.unscanned = 0;
    this.header = [];
    this.expected = -1;
    this.partial = undefined;
    this.partialBytes = 0;
    this.skipping = 0;
    return out;
  }

  /** Copy `n` bytes of `chunk` from `from` to the payload being assembled, growing it by doubling up to its announced length. */
  private append(chunk: Uint8Array, from: number, n: number): void {
    const have = this.partialBytes;
    let partial = this.partial;
    if (partial === undefined || partial.length < have + n) {
      const size = Math.min(this.expected, Math.max(2 * (have + n), 256));
      const grown = new Uint8Array(size);
      if (partial !== undefined) grown.set(partial.subarray(0, have));
      this.partial = partial = grown;
    }
    partial.set(chunk.subarray(from, from + n), have);
    this.partialBytes = have + n;
  }

  private consume(n: number): void {
    this.unscanned -= n;
    this.offset += n;
    const head = this.chunks[0];
    if (head !== undefined && this.offset >= head.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}
