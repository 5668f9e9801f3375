import type { SchedulerLike } from 'rxjs';
import type { RateLimitPolicy } from '@rxmsg/core';
import type { PauseCause } from './events';
import { RateLimiter } from './rate-limiter';

/** What an {@link InputGate} asks of the connection it guards. */
export interface InputGateHost {
  /** Stop reading the transport. */
  pauseInput(): void;
  /** Read the transport again. */
  resumeInput(): void;
  /** Reading stopped or resumed for `cause` (never called for `frame-buffer`). */
  flowChanged(cause: Exclude<PauseCause, 'frame-buffer'>, paused: boolean): void;
  /** Every reason to stop reading is gone: decode what is buffered. */
  inputReady(): void;
  /** A received message was over the rate and dropped (`onExceed` `drop` or `disconnect`). */
  overRate(disconnect: boolean): void;
}

const BITS: Readonly<Record<PauseCause, number>> = { 'frame-buffer': 1, 'send-queue': 2, 'receive-queue': 4, 'rate-limit': 8 };
const FRAME_BUFFER = BITS['frame-buffer'];
const FLOW_CAUSES = ['send-queue', 'receive-queue', 'rate-limit'] as const;

/**
 * Decides whether a connection's transport is read: a set of pause reasons (the socket is read
 * only while none is set) and the inbound rate limit (a token bucket). Holds at most one timer,
 * the wait for the next token under `onExceed: 'pause'`, however long the connection lives.
 */
export class InputGate {
  private bits = 0;
  private closed = false;
  /** Times reading was paused. */
  pauses = 0;
  /** Times the rate limit was hit. */
  rateLimited = 0;
  /** The rate limit, when one is configured. */
  private readonly rate: RateLimiter | undefined;

  /**
   * @param host - the connection.
   * @param rate - the inbound rate limit.
   * @param scheduler - clock and timers.
   */
  constructor(
    private readonly host: InputGateHost,
    rate: 'none' | RateLimitPolicy,
    scheduler: SchedulerLike,
  ) {
    this.rate = rate === 'none' ? undefined : new RateLimiter(rate, scheduler);
  }

  /** `true` while any reason to stop reading is set. */
  get paused(): boolean {
    return this.bits !== 0;
  }

  /** `true` while a reason other than a full frame buffer holds delivery back. */
  get holding(): boolean {
    return (this.bits & ~FRAME_BUFFER) !== 0;
  }

  /** Set or clear one reason to stop reading. */
  set(cause: PauseCause, on: boolean): void {
    const bit = BITS[cause];
    const before = this.bits;
    const after = on ? before | bit : before & ~bit;
    if (before === after || this.closed) return;
    this.bits = after;
    if (before === 0) {
      this.pauses++;
      this.host.pauseInput();
    } else if (after === 0) this.host.resumeInput();
    if (cause !== 'frame-buffer') this.host.flowChanged(cause, on);
    if (!on) this.host.inputReady();
  }

  /**
   * Under `onExceed: 'pause'`, checked before a frame is taken: when no token is left, stop
   * reading until one is. @returns whether a frame may be taken now.
   */
  tokenReady(): boolean {
    const rate = this.rate;
    if (rate === undefined || !rate.pauses) return true;
    const wait = rate.waitMs();
    if (wait === 0) return true;
    this.rateLimited++;
    this.set('rate-limit', true);
    // Closed: no wait is armed, since nothing would cancel it.
    if (this.closed) return false;
    // One pending wait at most; a fired one is forgotten, so none accumulates.
    rate.timer ??= rate.scheduler.schedule(() => {
      rate.timer = undefined;
      this.set('rate-limit', false);
    }, wait);
    return false;
  }

  /**
   * Take a token for one received frame (a message or a heartbeat). Under `onExceed: 'pause'`
   * {@link tokenReady} made sure there is one; under `'drop'` and `'disconnect'` a frame over the
   * rate is reported to the host. @returns whether the frame may be processed.
   */
  admit(): boolean {
    const rate = this.rate;
    if (rate === undefined || rate.take() || rate.pauses) return true;
    this.rateLimited++;
    this.host.overRate(rate.disconnects);
    return false;
  }

  /**
   * Closing gracefully: every reason is cleared (flow events report the resumes) and the transport
   * is read again, so that the end of the peer's input is seen; later calls change nothing.
   */
  release(): void {
    if (this.closed) return;
    for (const cause of FLOW_CAUSES) if ((this.bits & BITS[cause]) !== 0) this.host.flowChanged(cause, false);
    this.bits = 0;
    this.shut();
    this.host.resumeInput();
  }

  /** Closing at once: nothing changes any more, and the pending timer is cancelled. */
  shut(): void {
    this.closed = true;
    this.dispose();
  }

  /** Timers held now: 0 or 1. */
  get timers(): number {
    return this.rate?.timer === undefined ? 0 : 1;
  }

  /** Cancel the pending timer, if any. */
  dispose(): void {
    const rate = this.rate;
    if (rate === undefined) return;
    rate.timer?.unsubscribe();
    rate.timer = undefined;
  }
}
