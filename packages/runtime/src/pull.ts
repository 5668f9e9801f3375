import { FlowControlError } from '@rxmsg/core';
import type { Observable, Unsubscribable } from 'rxjs';
import { BufferedIterator } from './buffered-iterator';
import { InboundStream, type AcknowledgedSubscription } from './inbound-stream';

/** Options of {@link pull}. */
export interface PullOptions {
  /**
   * For a source other than `incoming$`/`peer.messages$` (which is held back by the connection's
   * `receiveQueueLimit`): the most items kept waiting for the loop; past it the iterator throws a
   * {@link FlowControlError}. Default 10,000.
   */
  readonly limit?: number;
}

/** Default {@link PullOptions.limit}. */
export const PULL_LIMIT = 10_000;

/**
 * An async iterable over an Observable, for `for await` loops. Over a processor's `incoming$`
 * (or `peer.messages$`) it reads at the loop's pace: a message counts as unconsumed until the loop
 * asks for the next one, and while `receiveQueueLimit` messages are unconsumed the connection
 * stops reading its socket, so TCP backpressure reaches the sender. Leaving the loop (`break`,
 * `return`, a throw) unsubscribes and lets go of what was not consumed.
 *
 * @example
 * ```ts
 * const processor: ServerProcessor<typeof Db> = async function* (incoming$) {
 *   for await (const req of pull(incoming$)) yield { kind: 'Saved', id: await db.save(req) } as const;
 * };
 * ```
 */
export function pull<T>(source: Observable<T>, options?: PullOptions): AsyncIterableIterator<T> {
  return new PullIterator(source, options?.limit ?? PULL_LIMIT);
}

/** {@link pull}'s iterator: acknowledges each message of an {@link InboundStream} once the loop asks for the next. */
class PullIterator<T> extends BufferedIterator<T> {
  private subscription: Unsubscribable | undefined;
  private acked: AcknowledgedSubscription | undefined;
  /** Items handed to the loop and not yet acknowledged (0 or 1). */
  private taken = 0;

  constructor(
    private readonly source: Observable<T>,
    private readonly limit: number,
  ) {
    super('pull()');
  }

  protected start(): void {
    const observer = {
      next: (value: T) => this.push(value),
      error: (error: unknown) => this.end({ error }),
      complete: () => this.end(undefined),
    };
    if (this.source instanceof InboundStream) {
      const s = (this.source as InboundStream<T>).subscribeAcknowledged(observer);
      this.acked = s;
      this.subscription = s;
    } else this.subscription = this.source.subscribe(observer);
    // Completed synchronously on subscribe (an empty source).
    if (this.done) this.subscription.unsubscribe();
  }

  protected override advancing(): void {
    if (this.taken === 0) return;
    this.taken = 0;
    this.acked?.ack();
  }

  protected handedOver(): void {
    this.taken = 1;
  }

  protected overflow(buffered: number): FlowControlError | undefined {
    // Over an InboundStream the connection stops delivering at receiveQueueLimit unconsumed messages.
    if (this.acked !== undefined || buffered < this.limit) return undefined;
    return new FlowControlError(`pull(): more than ${this.limit} items waiting: the source does not wait for the loop`);
  }

  /** Unsubscribe, and acknowledge what was delivered and not consumed. */
  protected release(unconsumed: number): void {
    const acked = this.acked;
    const n = unconsumed + this.taken;
    this.taken = 0;
    this.acked = undefined;
    this.subscription?.unsubscribe();
    if (acked !== undefined) for (let k = n; k > 0; k--) acked.ack();
  }
}
