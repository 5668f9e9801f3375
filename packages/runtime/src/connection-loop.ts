import { Observable, Subscription, asyncScheduler, defer, timer, type SchedulerLike } from 'rxjs';
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
  readonly scheduler?: SchedulerLike;
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
    const { connectRetry, reconnect } = options;
    const scheduler = options.scheduler ?? asyncScheduler;
    const random = options.random ?? Math.random;
    /** The one dial, wait or connection in progress. */
    let step = new Subscription();
    /** `false` while making the first connection, `true` once one was lost. */
    let reconnecting = false;
    let attempt = 1;
    let connectedAt = 0;

    /** Make `source` the step in progress; its callbacks are ignored once another step replaced it. */
    const follow = <T>(source: Observable<T>, next: (value: T) => void, error: (e: unknown) => void, complete: () => void): void => {
      step.unsubscribe();
      if (subscriber.closed) return;
      const current = new Subscription();
      step = current;
      // A source that calls back synchronously may replace `current` before `subscribe` returns:
      // adding to a closed Subscription then unsubscribes at once.
      current.add(
        source.subscribe({
          next: (value) => {
            if (!current.closed) next(value);
          },
          error: (e: unknown) => {
            if (!current.closed) error(e);
          },
          complete: () => {
            if (!current.closed) complete();
          },
        }),
      );
    };

    const end = (error: RxmsgError | undefined): void => {
      step.unsubscribe();
      subscriber.next(error === undefined ? { type: 'ended' } : { type: 'ended', error });
      subscriber.complete();
    };

    const dial = (): void =>
      follow(
        defer(options.dial),
        connected,
        (e) => failed(asRxmsgError(e)),
        () => failed(new TransportError(`${options.address}: the transport completed without a connection`)),
      );

    const wait = (ms: number): void =>
      follow(timer(ms, scheduler), dial, (e) => end(asRxmsgError(e)), () => {});

    const failed = (error: RxmsgError): void => {
      const policy = reconnecting ? reconnect : connectRetry;
      if (policy === 'none' || attempt >= policy.maxAttempts) {
        subscriber.next({ type: 'connect-failed', attempt, error });
        end(new ConnectError(options.address, attempt, { cause: error }));
        return;
      }
      // Reconnect attempt n waits delay(n); attempt n + 1 of the first connection waits delay(n).
      const delayMs = delay(policy, reconnecting ? attempt + 1 : attempt, random);
      subscriber.next({ type: 'connect-failed', attempt, error, retryInMs: delayMs });
      attempt++;
      subscriber.next(reconnecting ? { type: 'reconnecting', attempt, delayMs } : { type: 'connecting', attempt });
      wait(delayMs);
    };

    const connected = (connection: C): void => {
      connectedAt = scheduler.now();
      subscriber.next({ type: 'connected', connection });
      follow(
        defer(() => options.run(connection)),
        lost,
        (e) => end(asRxmsgError(e)),
        () => lost({ lost: false }),
      );
    };

    const lost = (result: ConnectionEnd): void => {
      if (!result.lost || reconnect === 'none') {
        end(result.error);
        return;
      }
      if (!reconnecting || scheduler.now() - connectedAt >= reconnect.stableAfterMs) attempt = 0;
      reconnecting = true;
      if (attempt >= reconnect.maxAttempts) {
        end(new ConnectError(options.address, attempt, result.error === undefined ? undefined : { cause: result.error }));
        return;
      }
      attempt++;
      const delayMs = delay(reconnect, attempt, random);
      subscriber.next({ type: 'reconnecting', attempt, delayMs });
      wait(delayMs);
    };

    subscriber.next({ type: 'connecting', attempt });
    dial();
    return () => step.unsubscribe();
  });
}

/** {@link backoffDelay}, where a huge retry number with `initialMs: 0` gives 0 rather than `0 * Infinity`. */
function delay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ms = backoffDelay(policy, retry, random);
  return Number.isFinite(ms) ? ms : 0;
}

function asRxmsgError(error: unknown): RxmsgError {
  return toRxmsgError(error, (c) => new TransportError(String(c), { cause: c }));
}
