import { performance } from 'node:perf_hooks';
import type { Outcome } from './run-result';
import type { OneWaySettings } from './workloads';

/**
 * The receiving side of the one-way workload, independent of the system under test:
 * checks that Pings arrive in order, times messages `warmup + 1 … total`, and reports once
 * (a failure if the time limit passes first).
 */
export class OneWayReceiver {
  private count = 0;
  private firstAt = -1;
  private measureFrom = -1;
  private reported = false;
  private limitTimer: NodeJS.Timeout | undefined;

  /**
   * @param settings - counts and limits of the run.
   * @param report - receives the figures (or the failure) once.
   */
  constructor(
    private readonly settings: OneWaySettings,
    private readonly report: (outcome: Outcome) => void,
  ) {}

  /** Messages received so far. */
  get received(): number {
    return this.count;
  }

  /** `true` once the receiver has reported. */
  get finished(): boolean {
    return this.reported;
  }

  /** A Ping with number `n` arrived. */
  onPing(n: number): void {
    if (this.reported) return;
    if (n !== this.count) {
      this.finish({ ok: false, error: `Ping n=${n} arrived where n=${this.count} was expected` });
      return;
    }
    this.count++;
    if (this.count === 1) {
      this.firstAt = performance.now();
      this.limitTimer = setTimeout(() => this.stop('time limit passed'), this.settings.timeLimitMs);
      this.limitTimer.unref();
    }
    if (this.count === this.settings.warmup) this.measureFrom = performance.now();
    if (this.count === this.settings.total) {
      const now = performance.now();
      const from = this.settings.warmup === 0 ? this.firstAt : this.measureFrom;
      const count = this.settings.total - this.settings.warmup;
      const seconds = (now - from) / 1000;
      this.finish({ ok: true, result: { count, seconds, rate: seconds > 0 ? count / seconds : 0 } });
    }
  }

  /** Give up: report how far the run got. */
  stop(why: string): void {
    if (!this.reported) this.finish({ ok: false, error: `${why}: received ${this.count} of ${this.settings.total} messages` });
  }

  private finish(outcome: Outcome): void {
    this.reported = true;
    if (this.limitTimer !== undefined) clearTimeout(this.limitTimer);
    this.report(outcome);
  }
}
