import { performance } from 'node:perf_hooks';
import { percentile, type Outcome } from './run-result';
import type { RequestSource } from './system-adapter';
import type { RequestSettings } from './workloads';

/**
 * The client side of a request/response workload, independent of the system under test:
 * decides which request to send next (keeping at most `window` in flight, `total` in all,
 * none after the time limit), checks and times every reply, and reports once.
 * Ping-pong is the case `window = 1`.
 *
 * An adapter calls {@link nextRequest} until it returns `undefined` and sends each request,
 * then calls {@link onReply} for each reply and sends what {@link nextRequest} gives again.
 */
export class RequestDriver implements RequestSource {
  private readonly sentAt: Float64Array;
  private readonly latenciesUs: Float64Array;
  private issued = 0;
  private answered = 0;
  private measured = 0;
  private startedAt = -1;
  private measureFrom = -1;
  private lastReplyAt = 0;
  private closedForNew = false;
  private reported = false;

  /**
   * @param settings - counts and limits of the run.
   * @param report - receives the figures (or the failure) once.
   */
  constructor(
    private readonly settings: RequestSettings,
    private readonly report: (outcome: Outcome) => void,
  ) {
    this.sentAt = new Float64Array(settings.total).fill(-1);
    this.latenciesUs = new Float64Array(Math.max(0, settings.total - settings.warmup));
  }

  /** Replies received so far. */
  get replies(): number {
    return this.answered;
  }

  /** `true` once every request that will be sent was answered (or the run failed). */
  get finished(): boolean {
    return this.reported;
  }

  /** The `n` of the next request to send now, or `undefined` when the window is full or the run is over. */
  nextRequest(): number | undefined {
    const s = this.settings;
    if (this.closedForNew || this.issued - this.answered >= s.window) return undefined;
    const now = performance.now();
    if (this.startedAt < 0) {
      this.startedAt = now;
      if (s.warmup === 0) this.measureFrom = now;
    } else if (now - this.startedAt > s.timeLimitMs) {
      this.closedForNew = true;
      if (this.answered === this.issued) this.complete();
      return undefined;
    }
    const n = this.issued++;
    if (this.issued === s.total) this.closedForNew = true;
    this.sentAt[n] = now;
    return n;
  }

  /** A reply to request `n` arrived. */
  onReply(n: number): void {
    if (this.reported) return;
    const sent = n >= 0 && n < this.issued ? this.sentAt[n]! : -1;
    if (sent < 0) {
      this.finish({ ok: false, error: `unexpected reply n=${n} (${this.issued} requests sent, ${this.answered} answered)` });
      return;
    }
    const now = performance.now();
    this.sentAt[n] = -1;
    this.answered++;
    if (this.answered > this.settings.warmup) this.latenciesUs[this.measured++] = (now - sent) * 1000;
    else if (this.answered === this.settings.warmup) this.measureFrom = now;
    this.lastReplyAt = now;
    if (this.closedForNew && this.answered === this.issued) this.complete();
  }

  /** Never needed: this driver only opens up when a reply arrives. */
  setWake(_wake: () => void): void {}

  /** The connection ended: fail unless every reply arrived. */
  connectionEnded(why: string): void {
    if (!this.reported) this.finish({ ok: false, error: `${why} after ${this.answered} replies to ${this.issued} requests` });
  }

  private complete(): void {
    if (this.measured === 0 || this.measureFrom < 0) {
      this.finish({ ok: false, error: `only ${this.answered} replies (warmup ${this.settings.warmup}) before the time limit` });
      return;
    }
    const seconds = (this.lastReplyAt - this.measureFrom) / 1000;
    const sorted = this.latenciesUs.subarray(0, this.measured).sort();
    this.finish({
      ok: true,
      result: {
        count: this.measured,
        seconds,
        rate: seconds > 0 ? this.measured / seconds : 0,
        p50Us: percentile(sorted, 0.5),
        p99Us: percentile(sorted, 0.99),
      },
    });
  }

  private finish(outcome: Outcome): void {
    if (this.reported) return;
    this.reported = true;
    this.closedForNew = true;
    this.report(outcome);
  }
}
