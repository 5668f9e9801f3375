import { concatBytes, utf8Length } from './bytes';
import { FrameTooLargeError, FrameTruncatedError, type DecodeError } from './errors';
import type { FrameResult, Framer } from './framer';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Shared by every framer that decodes text: without `stream`, a decode call keeps no state, and
 * a server holds a framer per connection.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Options of a {@link LineFramer}. */
export interface LineFramerOptions {
  /**
   * Decode the complete lines of a chunk to text at once (UTF-8), instead of leaving each line to
   * be decoded on its own: frames are then strings, except a line that spans chunks or is not
   * valid UTF-8, which comes as bytes. The text codec's framer does this.
   */
  readonly decodeText?: boolean;
}

/**
 * Frames `\n`-terminated lines (a `\r` before the `\n` is dropped; blank lines are skipped).
 * A line over `maxFrameBytes` is reported with {@link FrameTooLargeError} as soon as the
 * limit is crossed, its bytes are discarded up to the next `\n`, and framing resumes there.
 * A line held in one chunk is returned as a view into that chunk, without copying (or, with
 * `decodeText`, as a string cut from the chunk's text, decoded once for all its lines).
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
  /** Set with `decodeText`. */
  private readonly decodeText: boolean;
  /** The complete lines of `head` from `offset` on, decoded (`decodeText`); served before bytes are scanned again. */
  private text: string | undefined;
  /** Read position in `text`. */
  private textAt = 0;
  /** `text` is ASCII: a character is a byte. */
  private textAscii = false;
  /** A head chunk whose lines are not valid UTF-8 as a whole: its lines are framed as bytes. */
  private undecodable: Uint8Array | undefined;

  /**
   * @param maxFrameBytes - longest accepted line in bytes, terminator excluded.
   * @param options - see {@link LineFramerOptions}.
   */
  constructor(
    private readonly maxFrameBytes: number,
    options: LineFramerOptions = {},
  ) {
    this.decodeText = options.decodeText === true;
  }

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
      if (this.text !== undefined) {
        const line = this.nextOfText(this.text);
        if (line !== undefined) return line;
        continue;
      }
      const chunk = this.head;
      if (chunk === undefined) return undefined;
      const from = this.offset;
      if (this.decodeText && this.partialBytes === 0 && !this.discarding && this.decodeLines(chunk, from)) continue;
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

  /**
   * Decode every complete line of `chunk` from `from` in one go (`decodeText`).
   * @returns whether there was any and it was valid UTF-8 (else the lines are framed as bytes).
   */
  private decodeLines(chunk: Uint8Array, from: number): boolean {
    if (chunk === this.undecodable) return false;
    const last = chunk.lastIndexOf(LF);
    if (last < from) return false;
    try {
      this.text = utf8.decode(from === 0 && last === chunk.length - 1 ? chunk : chunk.subarray(from, last + 1));
    } catch {
      // Some line is not UTF-8: framed one by one as bytes, it alone is reported when decoded.
      this.undecodable = chunk;
      return false;
    }
    this.textAt = 0;
    this.textAscii = this.text.length === last + 1 - from;
    return true;
  }

  /** The next line of the decoded `text`, or `undefined` once it is used up. */
  private nextOfText(text: string): string | DecodeError | undefined {
    for (;;) {
      const start = this.textAt;
      if (start >= text.length) {
        this.text = undefined;
        return undefined;
      }
      // The decoded text ends with a line feed: every line in it is complete.
      const nl = text.indexOf('\n', start);
      this.textAt = nl + 1;
      const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      const line = text.slice(start, end);
      const bytes = this.textAscii ? end - start : utf8Length(line);
      this.dropHead(bytes + (nl - end) + 1);
      if (bytes > this.maxFrameBytes) return new FrameTooLargeError(bytes, this.maxFrameBytes);
      if (bytes === 0) continue;
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
    this.text = undefined;
    this.undecodable = undefined;
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
      // Only the head chunk can be the undecodable one: do not keep a used chunk alive for it.
      this.undecodable = undefined;
    }
  }

  private clearPartial(): void {
    this.partial = undefined;
    this.partialBytes = 0;
  }
}
