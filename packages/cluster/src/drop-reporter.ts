import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';

/** Default of the interval between two reports of a {@link DropReporter}, in ms. */
export const DROP_REPORT_INTERVAL_MS = 1000;

/**
 * Aggregates a stream of drops into few reports: the first drop is reported at once, then at
 * most one report per interval with the count since the previous one. Owns one timer while drops
 * keep coming; `close()` reports what is left and releases it.
 */
export class DropReporter {
  private count = 0;
  private timer: Subscription | undefined;
  private closed = false;

  constructor(
    private readonly report: (count: number) => void,
    private readonly scheduler: SchedulerLike = asyncScheduler,
    private readonly intervalMs = DROP_REPORT_INTERVAL_MS,
  ) {}

  /** Count `n` drops. */
  add(n = 1): void {
    this.count += n;
    if (this.timer === undefined && !this.closed) this.flush();
  }

  /** Report what is pending, stop the timer; later drops are reported at once each. */
  close(): void {
    this.closed = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    if (this.count > 0) this.emit();
  }

  private flush(): void {
    if (this.count === 0) return;
    this.emit();
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
  }

  private emit(): void {
    const n = this.count;
    this.count = 0;
    this.report(n);
  }
}
