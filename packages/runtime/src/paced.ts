import { ClosedError, type OutboundStream, type Peer, type ProcessorOutput } from '@rxmsg/core';
import { Observable, isObservable, type Subscriber } from 'rxjs';
import { ActiveStage } from './active-stage';

/** Options of {@link paced}. */
export interface PacedOptions {
  /**
   * Also pace by the credits the remote consumer grants for this stream (see `Peer.openStream`):
   * each item emitted takes one credit, so every item emitted must be sent (map it, do not filter it).
   * The stream is opened on subscription and closed when the Observable ends.
   */
  readonly stream?: number;
}

/** Anything {@link paced} pulls. */
export type Pullable<T> = Iterable<T> | AsyncIterable<T>;

/**
 * An Observable that pulls `source` (an array, a generator, an async generator, a database
 * cursor) at `peer`'s pace: it takes the next item only while `peer.writable`, and waits on
 * `peer.whenWritable()` otherwise, so that what it emits, sent to `peer`, never overruns the send
 * queue, however large the source. With `stream`, it also waits for that stream's credits.
 *
 * It errors with what the source throws, and with a {@link ClosedError} if the peer can no longer
 * send while it is still subscribed. Unsubscribing calls the iterator's `return()` (a generator's
 * `finally` runs); what that throws is reported on the peer's connection as a `processor-error`.
 * Processors that return an iterable, and `consume` projections that do, are paced this way.
 *
 * @example
 * ```ts
 * const processor: ServerProcessor<typeof Db> = (incoming$, peer) =>
 *   incoming$.pipe(concatMap(({ n }) => paced(peer, range(n)).pipe(map((i) => ({ kind: 'Row', i }) as const))));
 * function* range(n: number) { for (let i = 0; i < n; i++) yield i; }
 * ```
 */
export function paced<T>(peer: Peer<unknown, unknown, unknown>, source: Pullable<T>, options?: PacedOptions): Observable<T> {
  return new Observable<T>((subscriber) => {
    const stream = options?.stream === undefined ? undefined : peer.openStream(options.stream);
    const pull = new Pull<T>(peer, subscriber, stream);
    pull.start(source);
    return () => pull.stop();
  });
}

/**
 * A processor's output as an Observable: an Observable as it is, an iterable or async iterable
 * {@link paced} by `peer`. For processors that wrap other processors (a decorator that counts or
 * delays what the inner one sends) and need to pipe its output whatever its form.
 *
 * @example
 * ```ts
 * const counted = <In, Out, S>(inner: Processor<In, Out, S>): Processor<In, Out, S> =>
 *   (incoming$, peer) => outputOf(inner(incoming$, peer), peer).pipe(tap(() => count++));
 * ```
 */
export function outputOf<T>(output: ProcessorOutput<T>, stage: Peer<unknown, unknown, unknown>): Observable<T> {
  if (isObservable(output)) return output;
  if (isPullable(output)) return paced(stage, output);
  throw new TypeError('a processor must return an Observable, an Iterable or an AsyncIterable');
}

/** Whether a value is pulled by {@link paced}: an iterable or async iterable that is not an Observable or a string. */
export function isPullable(value: unknown): value is Pullable<unknown> {
  if (value === null || typeof value !== 'object' || isObservable(value)) return false;
  return typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function' || typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}

/** One subscription of {@link paced}: the iterator, and the loop that pulls it while there is demand. */
class Pull<T> {
  private iterator: Iterator<T> | AsyncIterator<T> | undefined;
  private sync = true;
  private finished = false;
  /** Inside a sync iterator's `next()`: a generator cannot be returned while it runs. */
  private running = false;
  /** Unsubscribed while {@link running}: return() once `next()` is back. */
  private returnOwed = false;

  constructor(
    private readonly peer: Peer<unknown, unknown, unknown>,
    private readonly subscriber: Subscriber<T>,
    private readonly stream: OutboundStream<unknown> | undefined,
  ) {}

  start(source: Pullable<T>): void {
    try {
      const asyncIterable = (source as Partial<AsyncIterable<T>>)[Symbol.asyncIterator];
      if (typeof asyncIterable === 'function') {
        this.sync = false;
        this.iterator = asyncIterable.call(source);
        void this.pullAsync();
      } else {
        this.iterator = (source as Iterable<T>)[Symbol.iterator]();
        this.pullSync();
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Unsubscribed: end the iterator early (a generator's `finally` runs) unless it finished. */
  stop(): void {
    this.stream?.close();
    if (this.running) {
      // The generator itself closed the connection (peer.cancelAndClose() in its body): return() when it yields.
      this.returnOwed = true;
      return;
    }
    this.callReturn();
  }

  private callReturn(): void {
    const it = this.iterator;
    if (this.finished || it === undefined || typeof it.return !== 'function') return;
    this.finished = true;
    try {
      const result = it.return();
      // An async iterator's return() gives a promise; a hand-written one may give a plain value.
      if (!this.sync) Promise.resolve(result).then(undefined, (error: unknown) => this.cleanupFailed(error));
    } catch (error) {
      this.cleanupFailed(error);
    }
  }

  private demand(): boolean {
    const stream = this.stream;
    return this.peer.writable && (stream === undefined || stream.credits > 0);
  }

  private waitForDemand(): Promise<boolean> {
    return this.stream === undefined ? this.peer.whenWritable() : this.stream.ready();
  }

  /** Emit one item, taking a credit of the stream. */
  private emit(value: T): void {
    this.stream?.take();
    this.subscriber.next(value);
  }

  private pullSync(): void {
    const it = this.iterator as Iterator<T>;
    const subscriber = this.subscriber;
    while (!subscriber.closed) {
      if (!this.demand()) {
        // Settled off the call stack: whatever the loop throws from there must end here, not as an unhandled rejection.
        this.waitForDemand()
          .then((ok) => (ok ? this.pullSync() : this.noMoreDemand()))
          .catch((error: unknown) => this.fail(error));
        return;
      }
      let done: boolean;
      let value: T | undefined;
      this.running = true;
      try {
        // A hand-written iterator is user code: reading its result (a non-object, a throwing getter) may throw too.
        const r = it.next();
        done = r.done === true;
        if (!done) value = r.value;
      } catch (error) {
        this.fail(error);
        return;
      } finally {
        this.running = false;
      }
      if (done) {
        this.finished = true;
        subscriber.complete();
        return;
      }
      if (this.returnOwed) {
        this.callReturn();
        return;
      }
      this.emit(value as T);
    }
  }

  private async pullAsync(): Promise<void> {
    const it = this.iterator as AsyncIterator<T>;
    const subscriber = this.subscriber;
    try {
      while (!subscriber.closed) {
        if (!this.demand()) {
          if (!(await this.waitForDemand())) {
            this.noMoreDemand();
            return;
          }
          continue;
        }
        const r = await it.next();
        if (subscriber.closed) return;
        if (r.done === true) {
          this.finished = true;
          subscriber.complete();
          return;
        }
        // Items of an async source come a microtask apart: without the cork, each would be written alone.
        if (this.peer instanceof ActiveStage) this.peer.corkOutput();
        this.emit(r.value);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** The peer (or the stream) can no longer send. */
  private noMoreDemand(): void {
    if (this.subscriber.closed) return;
    this.subscriber.error(new ClosedError('the peer can no longer send: its protocol ended or its connection is closing'));
  }

  private fail(error: unknown): void {
    // A source that threw has finished: no return() to call.
    this.finished = true;
    if (!this.subscriber.closed) this.subscriber.error(error);
  }

  private cleanupFailed(error: unknown): void {
    const peer = this.peer;
    if (peer instanceof ActiveStage) peer.cleanupFailed(error);
    else
      queueMicrotask(() => {
        throw error;
      });
  }
}
