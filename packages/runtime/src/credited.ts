import { FlowControlError, MAX_CREDIT, type Peer } from '@rxmsg/core';
import type { Observable, Subscription } from 'rxjs';

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

class CreditedIterator<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private head = 0;
  private subscription: Subscription | undefined;
  private started = false;
  private done = false;
  private failure: { error: unknown } | undefined;
  private waiter: { resolve: (r: IteratorResult<T, undefined>) => void; reject: (e: unknown) => void } | undefined;
  /** Messages taken since the last grant. */
  private takenSinceGrant = 0;
  private readonly batch: number;

  constructor(
    private readonly peer: Peer<unknown, unknown, unknown>,
    private readonly stream: number,
    private readonly source: Observable<T>,
    private readonly window: number,
  ) {
    this.batch = Math.max(1, Math.floor(window / 2));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.started) this.start();
    if (this.head < this.buffer.length) return Promise.resolve(this.take());
    if (this.failure !== undefined) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    if (this.waiter !== undefined) return Promise.reject(new FlowControlError('credited(): next() called again before the previous call settled'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.done = true;
    this.failure = undefined;
    this.buffer.length = 0;
    this.head = 0;
    this.subscription?.unsubscribe();
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ done: true, value: undefined });
    return Promise.resolve({ done: true, value: undefined });
  }

  private start(): void {
    this.started = true;
    this.subscription = this.source.subscribe({
      next: (value) => this.push(value),
      error: (error: unknown) => this.end({ error }),
      complete: () => this.end(undefined),
    });
    if (this.done) this.subscription.unsubscribe();
    else this.peer.grant(this.stream, this.window);
  }

  private push(value: T): void {
    if (this.done) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve(this.consumed(value));
      return;
    }
    // Credits the producer holds: the window, less what waits here and what was taken but not yet granted again.
    if (this.buffer.length - this.head + this.takenSinceGrant >= this.window) {
      this.end({ error: new FlowControlError(`stream ${this.stream}: the producer sent more than the ${this.window} messages granted`) });
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
    return this.consumed(value);
  }

  /** The loop takes `value`: its credit is granted again, in batches. */
  private consumed(value: T): IteratorResult<T, undefined> {
    if (++this.takenSinceGrant >= this.batch && !this.done) {
      const n = this.takenSinceGrant;
      this.takenSinceGrant = 0;
      this.peer.grant(this.stream, n);
    }
    return { done: false, value };
  }

  private end(failure: { error: unknown } | undefined): void {
    if (this.done) return;
    this.done = true;
    const w = this.waiter;
    this.waiter = undefined;
    if (w === undefined) this.failure = failure;
    else if (failure !== undefined) w.reject(failure.error);
    else w.resolve({ done: true, value: undefined });
  }
}
