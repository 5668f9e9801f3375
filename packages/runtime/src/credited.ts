import { FlowControlError, MAX_CREDIT, type Peer } from '@rxmsg/core';
import type { Observable, Subscription } from 'rxjs';
import { BufferedIterator } from './buffered-iterator';

/** Options of {@link credited}. */
export interface CreditedOptions {
  /**
   * Messages of the stream the consumer may hold at once: granted when the loop starts, and granted
   * again as the loop takes them (in batches of half the window). Default 64.
   */
  readonly window?: number;
}

/** Default {@link CreditedOptions.window}. */
export const CREDIT_WINDOW = 64;

/**
 * The consumer side of credit-based flow control: an async iterable over the messages of one
 * stream (`source`, e.g. `incoming$` filtered by the stream's id) that grants the remote producer
 * credits for `stream` as the loop takes them: `window` when the loop starts, then one per message
 * taken, sent in batches of half the window. The producer (`paced(peer, rows, { stream })` or
 * `peer.openStream(stream)` on the other side) sends at most what was granted, so a stalled loop
 * stalls only its own stream, never the other streams of the connection, and holds at most
 * `window` messages. A producer that sends more than it was granted makes the loop throw a
 * {@link FlowControlError}. Ends when `source` does; leaving the loop unsubscribes.
 *
 * @example
 * ```ts
 * peer.send({ kind: 'Watch', stream: 7 });
 * for await (const change of credited(peer, 7, incoming$.pipe(filter((m) => m.stream === 7)), { window: 32 })) await apply(change);
 * ```
 */
export function credited<T>(peer: Peer<unknown, unknown, unknown>, stream: number, source: Observable<T>, options?: CreditedOptions): AsyncIterableIterator<T> {
  const window = options?.window ?? CREDIT_WINDOW;
  if (!Number.isInteger(window) || window < 1 || window > MAX_CREDIT) throw new FlowControlError(`credit window ${window} is not an integer from 1 to ${MAX_CREDIT}`);
  return new CreditedIterator(peer, stream, source, window);
}

/** {@link credited}'s iterator: grants the window when the loop starts, then again as the loop takes messages. */
class CreditedIterator<T> extends BufferedIterator<T> {
  private subscription: Subscription | undefined;
  /** Messages taken since the last grant. */
  private takenSinceGrant = 0;
  private readonly batch: number;

  constructor(
    private readonly peer: Peer<unknown, unknown, unknown>,
    private readonly stream: number,
    private readonly source: Observable<T>,
    private readonly window: number,
  ) {
    super('credited()');
    this.batch = Math.max(1, Math.floor(window / 2));
  }

  protected start(): void {
    this.subscription = this.source.subscribe({
      next: (value) => this.push(value),
      error: (error: unknown) => this.end({ error }),
      complete: () => this.end(undefined),
    });
    if (this.done) this.subscription.unsubscribe();
    else this.peer.grant(this.stream, this.window);
  }

  /** The loop takes a message: its credit is granted again, in batches. */
  protected handedOver(): void {
    if (++this.takenSinceGrant >= this.batch && !this.done) {
      const n = this.takenSinceGrant;
      this.takenSinceGrant = 0;
      this.peer.grant(this.stream, n);
    }
  }

  protected overflow(buffered: number): FlowControlError | undefined {
    // Credits the producer holds: the window, less what waits here and what was taken but not yet granted again.
    if (buffered + this.takenSinceGrant < this.window) return undefined;
    return new FlowControlError(`stream ${this.stream}: the producer sent more than the ${this.window} messages granted`);
  }

  protected release(): void {
    this.subscription?.unsubscribe();
  }
}
