import { performance } from 'node:perf_hooks';
import { percentile, type Outcome } from './run-result';
import type { HandoverSettings } from './workloads';

/**
 * The client side of the handover workload, independent of how a connection goes through
 * the stack: keeps `concurrency` connections under way (a new one as each ends) until the
 * measured period is over, counts the connections that completed within it and their
 * connect-to-closed latency, and reports once every connection ended.
 */
export class HandoverDriver {
  private readonly latenciesUs: number[] = [];
  private inFlight = 0;
  private started = 0;
  private measureFrom = 0;
  private endAt = 0;
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
            if (now >= this.measureFrom && now <= this.endAt) this.latenciesUs.push((now - begun) * 1000);
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
        if (this.failure === undefined && performance.now() < this.endAt) startOne();
        else if (this.inFlight === 0) {
          this.finish();
          resolve();
        }
      };
      for (let i = 0; i < s.concurrency; i++) startOne();
    });
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
    const seconds = this.settings.durationMs / 1000;
    this.report({ ok: true, result: { count, seconds, rate: count / seconds, p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99) } });
  }
}
