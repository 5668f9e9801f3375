import { FlowControlError, MAX_CREDIT, MAX_STREAM_ID } from '@rxmsg/core';
import { CreditStream, type CreditStreamHost } from './credit-stream';

/**
 * Grants kept for streams this side has not opened yet (a consumer may grant before its request
 * reaches the producer): the most recent ones, up to this many; the oldest is forgotten first.
 * Grants for streams that ended and are never opened again fall out the same way.
 */
export const MAX_EARLY_GRANTS = 64;

/**
 * The producer side of credit-based flow control for one stage of a connection: the credits the
 * remote consumer granted, per stream. Open streams are {@link CreditStream}s; grants for streams
 * not open are kept, bounded by {@link MAX_EARLY_GRANTS}, so that a peer granting credits for
 * millions of stream ids makes the connection hold 64 numbers.
 */
export class CreditLedger {
  private readonly open = new Map<number, CreditStream<unknown>>();
  private readonly early = new Map<number, number>();

  constructor(private readonly host: CreditStreamHost) {}

  /** The remote consumer granted `n` more messages of `stream`. */
  granted(stream: number, n: number): void {
    const open = this.open.get(stream);
    if (open !== undefined) {
      open.granted(n);
      return;
    }
    const early = this.early;
    const before = early.get(stream);
    // Re-inserted, so that the most recently granted are the ones kept.
    if (before !== undefined) early.delete(stream);
    early.set(stream, Math.min(MAX_CREDIT, (before ?? 0) + n));
    if (early.size > MAX_EARLY_GRANTS) early.delete(early.keys().next().value!);
  }

  /** Open `stream` for sending, with the grants it received before. @throws {@link @rxmsg/core!FlowControlError}. */
  openStream(stream: number): CreditStream<unknown> {
    if (!Number.isInteger(stream) || stream < 0 || stream > MAX_STREAM_ID) {
      throw new FlowControlError(`stream id ${stream} is not an unsigned 32-bit integer`);
    }
    if (this.open.has(stream)) throw new FlowControlError(`stream ${stream} is open already`);
    const credits = this.early.get(stream) ?? 0;
    this.early.delete(stream);
    const s = new CreditStream<unknown>(this.host, stream, credits, () => {
      if (this.open.get(stream) === s) this.open.delete(stream);
    });
    this.open.set(stream, s);
    return s;
  }

  /** The peer has room again: wake the streams waiting for it. */
  relieved(): void {
    for (const s of this.open.values()) s.wake();
  }

  /** The stage ended: close every stream (their waiters resolve `false`) and forget every grant. */
  closeAll(): void {
    const streams = [...this.open.values()];
    this.open.clear();
    this.early.clear();
    for (const s of streams) s.close();
  }

  /** Streams open (for tests and snapshots). */
  get openStreams(): number {
    return this.open.size;
  }

  /** Streams with grants kept before they were opened (for tests). */
  get earlyGrants(): number {
    return this.early.size;
  }
}
