import type { SchedulerLike, Subscription } from 'rxjs';
import type { RateLimitPolicy } from '@rxmsg/core';
import { TokenBucket } from './token-bucket';

/**
 * The inbound rate limit of one connection, made only when one is configured (an
 * {@link InputGate} without a limit holds nothing of it): the token bucket, the `onExceed`
 * policy, the clock, and the pending wait for the next token under `onExceed: 'pause'`.
 */
export class RateLimiter {
  private readonly bucket: TokenBucket;
  /** `onExceed: 'pause'`: stop reading until a token comes. */
  readonly pauses: boolean;
  /** `onExceed: 'disconnect'`. */
  readonly disconnects: boolean;
  /** The wait for the next token, while one is pending (set and cleared by the gate). */
  timer: Subscription | undefined;

  /**
   * @param policy - the configured limit.
   * @param scheduler - clock and timers.
   */
  constructor(
    policy: RateLimitPolicy,
    readonly scheduler: SchedulerLike,
  ) {
    this.bucket = new TokenBucket(policy.messagesPerSecond, policy.burst, scheduler.now());
    this.pauses = policy.onExceed === 'pause';
    this.disconnects = policy.onExceed === 'disconnect';
  }

  /** Milliseconds until a token is available now (0 if one is). */
  waitMs(): number {
    return this.bucket.waitMs(this.scheduler.now());
  }

  /** Take a token now, if there is one. */
  take(): boolean {
    return this.bucket.take(this.scheduler.now());
  }
}
