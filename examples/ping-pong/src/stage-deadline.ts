import { EMPTY, asyncScheduler, concat, defer, of, takeUntil, tap, timer, type OperatorFunction, type SchedulerLike } from 'rxjs';

/** How long the pre-game may last on either side, from the connection to `Start`. */
export const DEFAULT_PREGAME_TIMEOUT_MS = 10_000;

/** How long either side waits in the goodbye stage for the other's message (`Endorse`, `Goodbye`). */
export const DEFAULT_GOODBYE_TIMEOUT_MS = 10_000;

/** The value {@link withDeadline} emits, last, when the deadline passes first. */
export const DEADLINE_PASSED = Object.freeze({ kind: 'DeadlinePassed' } as const);

/** The type of {@link DEADLINE_PASSED}. */
export type DeadlinePassed = typeof DEADLINE_PASSED;

/**
 * Bound a whole stream in time: mirror the source until `ms` after subscription, then emit
 * {@link DEADLINE_PASSED} once and complete (unsubscribing the source). A source that ends
 * first ends the result at once and cancels the timer. Unlike rxjs `timeout`, the deadline
 * does not restart on each value: a peer that keeps sending messages that do not move the
 * stage on still meets it.
 *
 * Cold: each subscription has its own timer, torn down with it.
 *
 * @param ms - the deadline, from subscription.
 * @param scheduler - the timer's scheduler (a `TestScheduler` in virtual-time tests).
 * @returns an operator that appends {@link DEADLINE_PASSED} when the deadline cuts the source.
 * @example
 * ```ts
 * incoming$.pipe(withDeadline(10_000), map((m) => (m.kind === 'DeadlinePassed' ? timeoutReply : answer(m))));
 * ```
 */
export function withDeadline<T>(ms: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T | DeadlinePassed> {
  return (source$) =>
    defer(() => {
      let passed = false;
      const deadline$ = timer(ms, scheduler).pipe(
        tap(() => {
          passed = true;
        }),
      );
      return concat(
        source$.pipe(takeUntil(deadline$)),
        defer(() => (passed ? of(DEADLINE_PASSED) : EMPTY)),
      );
    });
}
