/** Node's timers take at most 2^31 − 1 ms: a longer delay fires at once (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `ms` as a delay a timer takes: a whole number of ms from 1 up to {@link MAX_TIMER_MS} less
 * `margin` (room for a margin added later); `NaN` is 1.
 * @internal
 */
export function timerMs(ms: number, margin = 0): number {
  return Number.isNaN(ms) ? 1 : Math.min(MAX_TIMER_MS - margin, Math.max(1, Math.ceil(ms)));
}
