import { concatBytes } from './bytes';
import { FrameTooLargeError, FrameTruncatedError, type DecodeError } from './errors';
import type { FrameResult, Framer } from './framer';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Frames `\n`-terminated lines (a `\r` before the `\n` is dropped; blank lines are skipped).
 * A line over `maxFrameBytes` is reported with {@link FrameTooLargeError} as soon as the
 * limit is crossed, its bytes are discarded up to the next `\n`, and framing resumes there.
 * A line held in one chunk is returned as a view into that chunk, without copying.
 */
export class LineFramer implements Framer {
  /** The chunk being scanned; usually the only one. */
  private head: Uint8Array | undefined;
  /** Chunks received behind `head`, created when first needed. */
  private rest: Uint8Array[] | undefined;
  /** Read position in `head`. */
  private offset = 0;
  private unscanned = 0;
  /** Pieces of a line that spans chunks, created when first needed. */
  private partial: Uint8Array[] | undefined;
  private partialBytes = 0;
  /** Inside an oversized line already reported: skip to the next `\n`. */
  private discarding = false;

  /** @param maxFrameBytes - longest accepted line in bytes, terminator excluded. */
  constructor(private readonly maxFrameBytes: number) {}

  get bufferedBytes(): number {
    return this.unscanned + this.partialBytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.head === undefined) this.head = chunk;
    else (this.rest ??= []).push(chunk);
    this.unscanned += chunk.length;
  }

  next(): FrameResult {
    for (;;) {
      const chunk = this.head;
      if (chunk === undefined) return undefined;
      const from = this.offset;
      const nl = chunk.indexOf(LF, from);
      if (nl === -1) {
        const rest = chunk.length - from;
        this.dropHead(rest);
        if (this.discarding) continue;
        // One byte of slack: a trailing CR may belong to the terminator.
        if (this.partialBytes + rest > this.maxFrameBytes + 1) {
          const seen = this.partialBytes + rest;
          this.clearPartial();
          this.discarding = true;
          return new FrameTooLargeError(seen, this.maxFrameBytes);
        }
        (this.partial ??= []).push(from === 0 ? chunk : chunk.subarray(from));
        this.partialBytes += rest;
        continue;
      }
      this.dropHead(nl + 1 - from);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      let line: Uint8Array;
      const partial = this.partial;
      if (partial === undefined || this.partialBytes === 0) line = chunk.subarray(from, nl);
      else {
        partial.push(chunk.subarray(from, nl));
        line = concatBytes(partial, this.partialBytes + nl - from);
        this.clearPartial();
      }
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      if (line.length > this.maxFrameBytes) return new FrameTooLargeError(line.length, this.maxFrameBytes);
      if (line.length === 0) continue;
      return line;
    }
  }

  end(): DecodeError | undefined {
    const pending = this.partialBytes + this.unscanned;
    const wasDiscarding = this.discarding;
    this.takeRemainder();
    return pending > 0 && !wasDiscarding ? new FrameTruncatedError(pending) : undefined;
  }

  takeRemainder(): Uint8Array[] {
    const out = this.partial ?? [];
    const head = this.head;
    if (head !== undefined) out.push(this.offset > 0 ? head.subarray(this.offset) : head);
    if (this.rest !== undefined) out.push(...this.rest);
    this.head = undefined;
    this.rest = undefined;
    this.offset = 0;
    this.unscanned = 0;
    this.partial = undefined;
    this.partialBytes = 0;
    this.discarding = false;
    return out;
  }

  /** Consume `n` bytes of the head chunk. */
  private dropHead(n: number): void {
    this.unscanned -= n;
    this.offset += n;
    const head = this.head;
    if (head !== undefined && this.offset >= head.length) {
      const rest = this.rest;
      this.head = rest === undefined || rest.length === 0 ? undefined : rest.shift();
      this.offset = 0;
    }
  }

  private clearPartial(): void {
    this.partial = undefined;
    this.partialBytes = 0;
  }
}
