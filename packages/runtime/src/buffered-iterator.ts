import { FlowControlError } from '@rxmsg/core';

/** The settle functions of the `next()` call waiting for an item. */
interface Waiter<T> {
  readonly resolve: (result: IteratorResult<T, undefined>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * An async iterator over items pushed to it by a subscription (`pull()`, `credited()`): the items
 * that come while no `next()` waits are buffered, under a bound each subclass states by
 * {@link BufferedIterator.overflow}; one `next()` may wait at a time; the source's error is thrown
 * after the items buffered before it; `return()` (a `break` out of `for await`) stops for good.
 */
export abstract class BufferedIterator<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private head = 0;
  private started = false;
  /** The source ended, or the loop left. */
  protected done = false;
  private failure: { readonly error: unknown } | undefined;
  private waiter: Waiter<T> | undefined;

  /** @param name - names the iterator in its errors, e.g. `pull()`. */
  constructor(private readonly name: string) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** Items buffered, not yet handed to the loop. */
  protected get buffered(): number {
    return this.buffer.length - this.head;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.started) {
      this.started = true;
      // Not after return(): a loop that left before it began subscribes to nothing.
      if (!this.done) this.start();
    }
    this.advancing();
    if (this.head < this.buffer.length) return Promise.resolve(this.take());
    if (this.failure !== undefined) {
      const { error } = this.failure;
      this.stop();
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    if (this.waiter !== undefined) return Promise.reject(new FlowControlError(`${this.name}: next() called again before the previous call settled`));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.stop();
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Subscribe to the source: called by the first `next()`. */
  protected abstract start(): void;

  /** The loop asks for the next item: what it took before is consumed. */
  protected advancing(): void {}

  /** `value` is handed to the loop. */
  protected abstract handedOver(value: T): void;

  /** The error that ends the iterator when an item arrives with `buffered` items waiting, if that is too many. */
  protected abstract overflow(buffered: number): FlowControlError | undefined;

  /** Stop for good: unsubscribe from the source and let go of the `unconsumed` items buffered or handed over. */
  protected abstract release(unconsumed: number): void;

  /** The source's next item. */
  protected push(value: T): void {
    if (this.done) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      this.handedOver(value);
      w.resolve({ done: false, value });
      return;
    }
    const error = this.overflow(this.buffered);
    if (error !== undefined) {
      this.end({ error });
      this.release(0);
      return;
    }
    this.buffer.push(value);
  }

  /** The source ended, with `failure` if it failed: thrown after the items buffered before it. */
  protected end(failure: { readonly error: unknown } | undefined): void {
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
    this.stop();
  }

  private take(): IteratorResult<T, undefined> {
    const value = this.buffer[this.head]!;
    this.buffer[this.head++] = undefined as T;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    }
    this.handedOver(value);
    return { done: false, value };
  }

  /** Stop for good: settle a waiting `next()` as done, drop what is buffered, release the source. */
  private stop(): void {
    this.done = true;
    this.failure = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ done: true, value: undefined });
    const unconsumed = this.buffered;
    this.buffer.length = 0;
    this.head = 0;
    this.release(unconsumed);
  }
}
