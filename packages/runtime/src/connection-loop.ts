import { Observable, Subscription, asyncScheduler, defer, timer, type Observer, type SchedulerLike, type Subscriber, type Unsubscribable } from 'rxjs';
import {
  ConnectError,
  TransportError,
  toRxmsgError,
  type ReconnectPolicy,
  type RetryPolicy,
  type RxmsgError,
} from '@rxmsg/core';
import { backoffDelay } from '@rxmsg/core/internal';

/** How one connection ended, as {@link connectionLoop} needs to know it. */
export interface ConnectionEnd {
  /** `true`: the connection was lost and is re-established under the reconnect policy; `false`: the loop ends. */
  readonly lost: boolean;
  /** What the connection ended with: the loop ends with it, or names it as the cause when it gives up reconnecting. */
  readonly error?: RxmsgError;
}

/**
 * What {@link connectionLoop} reports, in order:
 * - `connecting`: attempt `attempt` at the first connection begins (attempt 1 at once, later ones after a `connect-failed`'s wait);
 * - `connect-failed`: a dial failed; `retryInMs` is the wait before the next attempt, absent when none is left;
 * - `connected`: a dial succeeded; the loop now runs the connection until it ends;
 * - `reconnecting`: a connection was lost (or a reconnect dial failed); attempt `attempt` is dialled after `delayMs`;
 * - `ended`: last event; `error` is a {@link ConnectError} when attempts ran out, or the error the last connection ended with.
 */
export type ConnectionLoopEvent<C> =
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'connect-failed'; readonly attempt: number; readonly error: RxmsgError; readonly retryInMs?: number }
  | { readonly type: 'connected'; readonly connection: C }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'ended'; readonly error?: RxmsgError };

/** Options of {@link connectionLoop}. */
export interface ConnectionLoopOptions<C> {
  /** The address dialled, named by the {@link ConnectError} the loop ends with when it gives up. */
  readonly address: string;
  /** One connection attempt: cold, emits the connection (later values are ignored) or errors. */
  readonly dial: () => Observable<C>;
  /**
   * Use a connection until it ends: emits how it ended (a completion without a value is an
   * end that is not lost; an error ends the loop with that error). Unsubscribed when the loop is.
   */
  readonly run: (connection: C) => Observable<ConnectionEnd>;
  /** How the first connection is retried. */
  readonly connectRetry: 'none' | RetryPolicy;
  /** How a lost connection is re-established. */
  readonly reconnect: 'none' | ReconnectPolicy;
  /** Scheduler of the waits and of the clock that measures `stableAfterMs` (virtual time in tests). */
  readonly scheduler?: SchedulerLike | undefined;
  /** Random source for jitter, in [0, 1); `Math.random` by default. */
  readonly random?: () => number;
}

/**
 * The life of a client's connection as a cold Observable of events: dial (retrying under
 * `connectRetry`), run the connection, and when it is lost dial again under `reconnect`, until a
 * connection ends without being lost or attempts run out. Each subscription is one such life;
 * unsubscribing aborts the dial, wait or connection in progress (exactly one at a time).
 *
 * Delays: attempt `n + 1` of the first connection waits `backoffDelay(connectRetry, n)`; reconnect
 * attempt `n` waits `backoffDelay(reconnect, n)`, so even the first reconnection waits `initialMs`
 * (less jitter). Reconnect attempts are counted since the last stable connection: a lost connection
 * that lived at least `stableAfterMs` (by the scheduler's clock) starts again at attempt 1, one that did
 * not goes on counting, so a server that accepts and drops at once is retried with growing delays.
 * More than `reconnect.maxAttempts` attempts (which may be `Infinity`) end the loop with a {@link ConnectError}.
 *
 * @example
 * ```ts
 * connectionLoop({ address, dial: () => transport.connect(a, opts), run: useConnection, connectRetry: 'none',
 *   reconnect: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 1, maxAttempts: Infinity, stableAfterMs: 5_000 } })
 *   .subscribe((e) => console.log(e.type));
 * ```
 */
export function connectionLoop<C>(options: ConnectionLoopOptions<C>): Observable<ConnectionLoopEvent<C>> {
  return new Observable<ConnectionLoopEvent<C>>((subscriber) => {
    const life = new LoopLife(options, subscriber);
    subscriber.next({ type: 'connecting', attempt: 1 });
    life.dial();
    return life;
  });
}

/** What a step's source is: a dial, a wait before one, or a connection in use. */
const DIAL = 0;
const WAIT = 1;
const RUN = 2;
type StepKind = typeof DIAL | typeof WAIT | typeof RUN;

/**
 * One subscription's life of a {@link connectionLoop}: one object with methods rather than a closure
 * per step kind, since a client keeps it for as long as it lives (idle clients in their thousands).
 */
class LoopLife<C> implements Unsubscribable {
  /** The one dial, wait or connection in progress. */
  step: StepObserver<C> | undefined;
  /** `false` while making the first connection, `true` once one was lost. */
  private reconnecting = false;
  private attempt = 1;
  private connectedAt = 0;
  private readonly scheduler: SchedulerLike;
  private readonly random: () => number;

  constructor(
    private readonly options: ConnectionLoopOptions<C>,
    private readonly subscriber: Subscriber<ConnectionLoopEvent<C>>,
  ) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.random = options.random ?? Math.random;
  }

  /** The loop's teardown: end the step in progress. */
  unsubscribe(): void {
    this.step?.unsubscribe();
  }

  /** Make `source` the step in progress; its callbacks are ignored once another step replaced it. */
  private follow(source: Observable<unknown>, kind: StepKind): void {
    this.step?.unsubscribe();
    if (this.subscriber.closed) return;
    const step = new StepObserver(this, kind);
    this.step = step;
    // The step is the subscriber itself: a source that calls back synchronously and so replaces this step
    // before `subscribe` returns finds it closed, and its teardown runs at once.
    source.subscribe(step);
  }

  /** The step `kind` emitted `value`. */
  stepNext(kind: StepKind, value: unknown): void {
    if (kind === DIAL) this.connected(value as C);
    else if (kind === WAIT) this.dial();
    else this.lost(value as ConnectionEnd);
  }

  /** The step `kind` failed. */
  stepError(kind: StepKind, e: unknown): void {
    if (kind === DIAL) this.failed(asRxmsgError(e));
    else this.end(asRxmsgError(e));
  }

  /** The step `kind` completed. */
  stepComplete(kind: StepKind): void {
    if (kind === DIAL) this.failed(new TransportError(`${this.options.address}: the transport completed without a connection`));
    else if (kind === RUN) this.lost({ lost: false });
  }

  private end(error: RxmsgError | undefined): void {
    this.step?.unsubscribe();
    this.subscriber.next(error === undefined ? { type: 'ended' } : { type: 'ended', error });
    this.subscriber.complete();
  }

  dial(): void {
    const options = this.options;
    // Called as a method: the options may be an object whose `dial` reads `this` (the client's loop).
    this.follow(defer(() => options.dial()), DIAL);
  }

  private wait(ms: number): void {
    this.follow(timer(ms, this.scheduler), WAIT);
  }

  private failed(error: RxmsgError): void {
    const { connectRetry, reconnect, address } = this.options;
    const reconnecting = this.reconnecting;
    const attempt = this.attempt;
    const policy = reconnecting ? reconnect : connectRetry;
    if (policy === 'none' || attempt >= policy.maxAttempts) {
      this.subscriber.next({ type: 'connect-failed', attempt, error });
      this.end(new ConnectError(address, attempt, { cause: error }));
      return;
    }
    // Reconnect attempt n waits delay(n); attempt n + 1 of the first connection waits delay(n).
    const delayMs = delay(policy, reconnecting ? attempt + 1 : attempt, this.random);
    this.subscriber.next({ type: 'connect-failed', attempt, error, retryInMs: delayMs });
    const next = ++this.attempt;
    this.subscriber.next(reconnecting ? { type: 'reconnecting', attempt: next, delayMs } : { type: 'connecting', attempt: next });
    this.wait(delayMs);
  }

  private connected(connection: C): void {
    this.connectedAt = this.scheduler.now();
    this.subscriber.next({ type: 'connected', connection });
    const options = this.options;
    this.follow(defer(() => options.run(connection)), RUN);
  }

  private lost(result: ConnectionEnd): void {
    const reconnect = this.options.reconnect;
    if (!result.lost || reconnect === 'none') {
      this.end(result.error);
      return;
    }
    if (!this.reconnecting || this.scheduler.now() - this.connectedAt >= reconnect.stableAfterMs) this.attempt = 0;
    this.reconnecting = true;
    if (this.attempt >= reconnect.maxAttempts) {
      this.end(new ConnectError(this.options.address, this.attempt, result.error === undefined ? undefined : { cause: result.error }));
      return;
    }
    const attempt = ++this.attempt;
    const delayMs = delay(reconnect, attempt, this.random);
    this.subscriber.next({ type: 'reconnecting', attempt, delayMs });
    this.wait(delayMs);
  }
}

/**
 * The subscriber of one step: passes on what its source reports until it is unsubscribed
 * (replaced by the next step, or the loop ended). A {@link Subscription} with the observer
 * methods, which rxjs takes as its subscriber as it is (no wrapper objects per step); the
 * source's teardown is added to it.
 */
class StepObserver<C> extends Subscription implements Observer<unknown> {
  constructor(
    private readonly life: LoopLife<C>,
    private readonly kind: StepKind,
  ) {
    super();
  }

  next(value: unknown): void {
    if (!this.closed) this.life.stepNext(this.kind, value);
  }

  error(e: unknown): void {
    if (this.closed) return;
    this.life.stepError(this.kind, e);
    this.unsubscribe();
  }

  complete(): void {
    if (this.closed) return;
    this.life.stepComplete(this.kind);
    this.unsubscribe();
  }
}

/** {@link backoffDelay}, where a huge retry number with `initialMs: 0` gives 0 rather than `0 * Infinity`. */
function delay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ms = backoffDelay(policy, retry, random);
  return Number.isFinite(ms) ? ms : 0;
}

function asRxmsgError(error: unknown): RxmsgError {
  return toRxmsgError(error, (c) => new TransportError(String(c), { cause: c }));
}
