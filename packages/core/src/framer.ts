import type { DecodeError } from './errors';

/**
 * What {@link Framer.next} returns: a complete frame's payload (bytes, or text from a framer that
 * decodes text itself), a framing error (reported once per bad frame; the framer resynchronises
 * after it when it can), or `undefined` when more bytes are needed.
 */
export type FrameResult = Uint8Array | string | DecodeError | undefined;

/**
 * Splits a byte stream into frames. Pure and chunk-independent: the same bytes
 * pushed in any split give the same sequence of results. Framers never throw
 * and never hold more than `maxFrameBytes` of a frame in memory (plus the
 * chunks pushed but not yet scanned, which the caller bounds by pausing input).
 *
 * Frames are pulled one at a time, so a caller can stop after any frame and
 * hand the unread bytes to another framer with {@link Framer.takeRemainder}.
 */
export interface Framer {
  /** Append received bytes. The framer keeps a reference: do not reuse `chunk`. */
  push(chunk: Uint8Array): void;
  /** The next frame, a framing error, or `undefined` if more bytes are needed. */
  next(): FrameResult;
  /** Signal end of input: a framing error if a frame was left unfinished, else `undefined`. */
  end(): DecodeError | undefined;
  /** Remove and return every byte not yet returned as a frame, in order (partial frame included). */
  takeRemainder(): Uint8Array[];
  /** Bytes held: unscanned chunks plus the partial frame. */
  readonly bufferedBytes: number;
}
