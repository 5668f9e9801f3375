import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Counts failures and reports them in batches: the first at once, then at most one report per
 * `intervalMs` carrying the count since the previous one, so that an outage costs a few events a
 * second, not one per message. Nothing is lost: `close()` reports what is still counted.
 */
export class AggregatedReporter {
  private pending = 0;
  private cause: unknown;
  private last = Number.NEGATIVE_INFINITY;
  private timer: Subscription | undefined;
  private total = 0;

  constructor(
    private readonly report: (count: number, cause: unknown) => void,
    private readonly intervalMs: number,
    private readonly scheduler: SchedulerLike,
  ) {}

  /** Failures counted since this reporter was made. */
  get count(): number {
    return this.total;
  }

  /** Count `count` failures (the latest `cause` is the one reported). */
  add(count: number, cause: unknown): void {
    this.pending += count;
    this.total += count;
    this.cause = cause;
    if (this.timer !== undefined) return;
    const wait = this.last + this.intervalMs - this.scheduler.now();
    if (wait <= 0) this.flush();
    else this.timer = this.scheduler.schedule(() => this.flush(), wait);
  }

  /** Report what is counted now and stop the timer. */
  close(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    if (this.pending > 0) this.flush();
  }

  private flush(): void {
    this.timer = undefined;
    const count = this.pending;
    if (count === 0) return;
    this.pending = 0;
    this.last = this.scheduler.now();
    this.report(count, this.cause);
  }
}
