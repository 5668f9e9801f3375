import { performance } from 'node:perf_hooks';
import { percentile, type Outcome } from './run-result';
import type { HandoverSettings } from './workloads';

/**
 * The client side of the handover workload, independent of how a connection goes through
 * the stack: keeps `concurrency` connections under way (a new one as each ends) until the
 * measured period is over, counts the connections that completed within it and their
 * connect-to-closed latency, and reports once every connection ended. With
 * `settings.minSamples` the period lasts past `durationMs` until that many connections
 * completed in it, and the rate is taken over the period's actual length.
 */
export class HandoverDriver {
  private readonly latenciesUs: number[] = [];
  private inFlight = 0;
  private started = 0;
  private measureFrom = 0;
  private endAt = 0;
  /** When the last connection counted past `endAt` completed (the end of an extended period). */
  private extendedTo = 0;
  private failure: string | undefined;

  /**
   * @param settings - concurrency and durations of the run.
   * @param report - receives the figures (or the failure) once.
   */
  constructor(
    private readonly settings: HandoverSettings,
    private readonly report: (outcome: Outcome) => void,
  ) {}

  /** Run with `connectOnce` (one connection through the stack); resolves once every connection ended and the figures are reported. */
  run(connectOnce: () => Promise<void>): Promise<void> {
    const s = this.settings;
    const t0 = performance.now();
    this.measureFrom = t0 + s.warmupMs;
    this.endAt = this.measureFrom + s.durationMs;
    return new Promise<void>((resolve) => {
      const startOne = (): void => {
        this.inFlight++;
        this.started++;
        const begun = performance.now();
        connectOnce().then(
          () => {
            const now = performance.now();
            if (now >= this.measureFrom && this.measuring(now)) {
              this.latenciesUs.push((now - begun) * 1000);
              if (now > this.endAt) this.extendedTo = now;
            }
            ended();
          },
          (e: unknown) => {
            this.failure ??= `connection ${this.started} failed: ${e instanceof Error ? e.message : String(e)}`;
            ended();
          },
        );
      };
      const ended = (): void => {
        this.inFlight--;
        if (this.failure === undefined && this.measuring(performance.now())) startOne();
        else if (this.inFlight === 0) {
          this.finish();
          resolve();
        }
      };
      for (let i = 0; i < s.concurrency; i++) startOne();
    });
  }

  /** Whether the measured period (or the time before it) is still running at `now`. */
  private measuring(now: number): boolean {
    return now <= this.endAt || this.latenciesUs.length < (this.settings.minSamples ?? 0);
  }

  private finish(): void {
    if (this.failure !== undefined) {
      this.report({ ok: false, error: this.failure });
      return;
    }
    const count = this.latenciesUs.length;
    if (count === 0) {
      this.report({ ok: false, error: `no connection completed within the measured ${this.settings.durationMs} ms` });
      return;
    }
    const sorted = Float64Array.from(this.latenciesUs).sort();
    const seconds = (Math.max(this.endAt, this.extendedTo) - this.measureFrom) / 1000;
    this.report({ ok: true, result: { count, seconds, rate: count / seconds, p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99) } });
  }
}
