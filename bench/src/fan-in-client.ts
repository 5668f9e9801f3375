import { performance } from 'node:perf_hooks';
import { percentile, type Outcome } from './run-result';
import type { RequestSource } from './system-adapter';
import type { FanInSettings } from './workloads';

/** Latencies kept per run at most; later ones are counted but not kept (a bound on memory). */
const MAX_LATENCIES = 4_000_000;

/**
 * The client side of a fan-in run, independent of the system under test: opens
 * `connections` connections through the adapter (at most `connectConcurrency` being set up at
 * a time), lets each make one round trip and wait idle, and on {@link go} has all of them do
 * ping-pong until the measured period is over; then reports round trips of all connections
 * per second and their latency, once. With `settings.minSamples` the period lasts past
 * `durationMs` until that many round trips were counted, and the rate is taken over the
 * period's actual length.
 */
export class FanInClient {
  private readonly latenciesUs = new Float64Array(MAX_LATENCIES);
  private measured = 0;
  private counted = 0;
  private established = 0;
  private finishedConnections = 0;
  private measureFrom = Infinity;
  private endAt = Infinity;
  /** When the last round trip counted past `endAt` was answered (the end of an extended period). */
  private extendedTo = 0;
  private reported = false;
  private readonly connections: FanInConnection[] = [];
  private onAllEstablished: (() => void) | undefined;
  private onFailed: ((error: Error) => void) | undefined;
  private slotFree: (() => void) | undefined;

  /**
   * @param settings - counts and durations of the run.
   * @param report - receives the figures (or the failure) once.
   */
  constructor(
    private readonly settings: FanInSettings,
    private readonly report: (outcome: Outcome) => void,
  ) {}

  /**
   * Open every connection with `connect` (the adapter's `runClient` for one connection, which
   * resolves when that connection closes). Resolves once all made their first round trip;
   * rejects when one fails first. `closed` gets the promise of every connection.
   */
  async open(connect: (source: RequestSource) => Promise<void>, closed: Promise<void>[]): Promise<void> {
    const s = this.settings;
    const ready = new Promise<void>((resolve, reject) => {
      this.onAllEstablished = resolve;
      this.onFailed = reject;
    });
    // A failure before `ready` is awaited must not be an unhandled rejection.
    ready.catch(() => undefined);
    for (let i = 0; i < s.connections; i++) {
      if (this.reported) break;
      while (i - this.established >= s.connectConcurrency && !this.reported) {
        await new Promise<void>((resolve) => (this.slotFree = resolve));
      }
      const c = new FanInConnection(this);
      this.connections.push(c);
      closed.push(connect(c));
    }
    await ready;
  }

  /** Start the ping-pong on every connection. */
  go(): void {
    const now = performance.now();
    this.measureFrom = now + this.settings.warmupMs;
    this.endAt = this.measureFrom + this.settings.durationMs;
    for (const c of this.connections) c.start();
  }

  /** @internal A connection made its first round trip. */
  connectionEstablished(): void {
    this.established++;
    const free = this.slotFree;
    this.slotFree = undefined;
    free?.();
    if (this.established === this.settings.connections) this.onAllEstablished?.();
  }

  /** @internal Whether a request may be issued at `now`. */
  mayIssue(now: number): boolean {
    return (now < this.endAt || this.counted < (this.settings.minSamples ?? 0)) && !this.reported;
  }

  /** @internal A reply in the running phase, `latencyMs` after its request. */
  record(now: number, latencyMs: number): void {
    if (now < this.measureFrom || (now > this.endAt && this.counted >= (this.settings.minSamples ?? 0))) return;
    if (now > this.endAt) this.extendedTo = now;
    this.counted++;
    if (this.measured < MAX_LATENCIES) this.latenciesUs[this.measured++] = latencyMs * 1000;
  }

  /** @internal A connection is done (the period is over and its last request was answered). */
  connectionDone(): void {
    this.finishedConnections++;
    if (this.finishedConnections === this.settings.connections) this.complete();
  }

  /** @internal A connection failed or ended early. */
  fail(error: string): void {
    if (this.reported) return;
    this.finish({ ok: false, error });
    this.onFailed?.(new Error(error));
    const free = this.slotFree;
    this.slotFree = undefined;
    free?.();
  }

  private complete(): void {
    if (this.counted === 0) {
      this.finish({ ok: false, error: `no round trip in the measured ${this.settings.durationMs} ms` });
      return;
    }
    const sorted = this.latenciesUs.subarray(0, this.measured).sort();
    const seconds = (Math.max(this.endAt, this.extendedTo) - this.measureFrom) / 1000;
    this.finish({
      ok: true,
      result: { count: this.counted, seconds, rate: this.counted / seconds, p50Us: percentile(sorted, 0.5), p99Us: percentile(sorted, 0.99) },
    });
  }

  private finish(outcome: Outcome): void {
    if (this.reported) return;
    this.reported = true;
    this.report(outcome);
  }
}

/** One connection of a fan-in run, as its adapter sees it. */
class FanInConnection implements RequestSource {
  private phase: 'opening' | 'idle' | 'running' | 'done' = 'opening';
  private inFlight = -1;
  private sentAt = 0;
  private next = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly run: FanInClient) {}

  get finished(): boolean {
    return this.phase === 'done';
  }

  nextRequest(): number | undefined {
    if (this.inFlight >= 0) return undefined;
    if (this.phase === 'opening' && this.next === 0) return this.issue();
    if (this.phase !== 'running') return undefined;
    const now = performance.now();
    if (this.run.mayIssue(now)) return this.issue(now);
    this.phase = 'done';
    this.run.connectionDone();
    return undefined;
  }

  onReply(n: number): void {
    if (n !== this.inFlight) {
      this.run.fail(`unexpected reply n=${n} on a fan-in connection waiting for n=${this.inFlight}`);
      return;
    }
    const now = performance.now();
    this.inFlight = -1;
    if (this.phase === 'opening') {
      this.phase = 'idle';
      this.run.connectionEstablished();
    } else this.run.record(now, now - this.sentAt);
  }

  connectionEnded(why: string): void {
    if (this.phase !== 'done') this.run.fail(`a fan-in connection ended (${why}) while ${this.phase}`);
  }

  setWake(wake: () => void): void {
    this.wake = wake;
  }

  /** The start signal: ping-pong from now on. */
  start(): void {
    if (this.phase !== 'idle') return;
    this.phase = 'running';
    this.wake?.();
  }

  private issue(now = performance.now()): number {
    this.sentAt = now;
    this.inFlight = this.next++;
    return this.inFlight;
  }
}
