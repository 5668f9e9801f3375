import { asyncScheduler, retry, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import type { RetryPolicy } from './config';

/**
 * Delay before retry number `retry` (1 for the first retry) under `policy`:
 * `min(maxMs, initialMs * factor^(retry-1))`, minus a random share of up to `jitter` of it.
 *
 * @param random - a source of numbers in [0, 1); `Math.random` by default.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  // factor ** n overflows to Infinity for long retry runs; 0 * Infinity would be NaN.
  const growth = policy.factor ** (retry - 1);
  const base = policy.initialMs === 0 ? 0 : Math.min(policy.maxMs, policy.initialMs * growth);
  return Math.round(base * (1 - policy.jitter * random()));
}

/** Options of {@link retryBackoff}. */
export interface RetryBackoffOptions {
  /** Scheduler of the delays (a `TestScheduler` in tests). */
  readonly scheduler?: SchedulerLike;
  /** Random source for jitter. */
  readonly random?: () => number;
  /** Called before each wait with the retry number, the delay and the error that caused it. */
  readonly onRetry?: (retry: number, delayMs: number, error: unknown) => void;
}

/**
 * Resubscribe to the source when it errors, waiting per `policy` between attempts,
 * up to `policy.maxAttempts` attempts in all; then the last error goes through.
 *
 * @example
 * ```ts
 * connect$.pipe(retryBackoff({ initialMs: 100, maxMs: 5000, factor: 2, jitter: 1, maxAttempts: 10 }));
 * ```
 */
export function retryBackoff<T>(policy: RetryPolicy, options: RetryBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return retry({
    count: policy.maxAttempts - 1,
    delay: (error: unknown, n: number) => {
      const ms = backoffDelay(policy, n, options.random);
      options.onRetry?.(n, ms, error);
      return timer(ms, scheduler);
    },
  });
}
