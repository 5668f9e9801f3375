import { FlowControlError } from '@rxmsg/core';
import type { Observable, Unsubscribable } from 'rxjs';
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

type Settle<T> = { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void };

class PullIterator<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private head = 0;
  private subscription: Unsubscribable | AcknowledgedSubscription | undefined;
  private acked: AcknowledgedSubscription | undefined;
  /** Items handed to the loop and not yet acknowledged (0 or 1). */
  private taken = 0;
  private done = false;
  private failure: { error: unknown } | undefined;
  private waiter: Settle<T> | undefined;

  constructor(
    private readonly source: Observable<T>,
    private readonly limit: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.subscription === undefined && !this.done) this.subscribe();
    this.ackTaken();
    if (this.head < this.buffer.length) return Promise.resolve(this.take());
    if (this.failure !== undefined) {
      const { error } = this.failure;
      this.failure = undefined;
      this.finish();
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    if (this.waiter !== undefined) return Promise.reject(new FlowControlError('pull(): next() called again before the previous call settled'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  private subscribe(): void {
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
    if (this.done && this.subscription !== undefined) this.subscription.unsubscribe();
  }

  private push(value: T): void {
    if (this.done) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      this.taken = 1;
      w.resolve({ done: false, value });
      return;
    }
    if (this.acked === undefined && this.buffer.length - this.head >= this.limit) {
      this.end({ error: new FlowControlError(`pull(): more than ${this.limit} items waiting: the source does not wait for the loop`) });
      this.subscription?.unsubscribe();
      return;
    }
    this.buffer.push(value);
  }

  private take(): IteratorResult<T, undefined> {
    const value = this.buffer[this.head]!;
    this.buffer[this.head++] = undefined as T;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    }
    this.taken = 1;
    return { done: false, value };
  }

  private ackTaken(): void {
    if (this.taken === 0) return;
    this.taken = 0;
    this.acked?.ack();
  }

  private end(failure: { error: unknown } | undefined): void {
    if (this.done) return;
    this.done = true;
    const w = this.waiter;
    this.waiter = undefined;
    if (w === undefined) {
      this.failure = failure;
      return;
    }
    if (failure !== undefined) w.reject(failure.error);
    else w.resolve({ done: true, value: undefined });
    this.release();
  }

  /** Stop for good: unsubscribe, and acknowledge what was delivered and not consumed. */
  private finish(): void {
    this.done = true;
    this.failure = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ done: true, value: undefined });
    this.release();
  }

  private release(): void {
    const acked = this.acked;
    const unconsumed = this.taken + this.buffer.length - this.head;
    this.buffer.length = 0;
    this.head = 0;
    this.taken = 0;
    this.subscription?.unsubscribe();
    if (acked !== undefined) for (let n = unconsumed; n > 0; n--) acked.ack();
    this.acked = undefined;
  }
}
