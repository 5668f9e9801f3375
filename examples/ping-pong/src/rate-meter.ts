/** Width of the buckets a {@link RateMeter} counts in, in ms. */
const BUCKET_MS = 100;

/**
 * Counts events (messages) over a sliding window and tells their rate per second. Memory is
 * bounded: counts are kept in {@link BUCKET_MS} buckets, at most one window's worth.
 *
 * @example
 * ```ts
 * const meter = new RateMeter();
 * meter.add(3, performance.now());
 * meter.perSecond(performance.now()); // 3 while the window still holds them
 * ```
 */
export class RateMeter {
  /** `[bucket number, count]`, oldest first. */
  private readonly buckets: [number, number][] = [];

  /** @param windowMs - the window the rate is taken over; 1 s by default. */
  constructor(readonly windowMs = 1000) {}

  /**
   * Count `count` events at time `now`.
   * @param count - events to add (negative or non-finite counts are ignored).
   * @param now - a monotonic time in ms (`performance.now()`); never less than a previous one.
   */
  add(count: number, now: number): void {
    if (!(count > 0) || !Number.isFinite(count)) return;
    const bucket = Math.floor(now / BUCKET_MS);
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && last[0] === bucket) last[1] += count;
    else this.buckets.push([bucket, count]);
    this.prune(now);
  }

  /** Events per second over the window that ends at `now`. */
  perSecond(now: number): number {
    this.prune(now);
    let total = 0;
    for (const [, count] of this.buckets) total += count;
    return (total * 1000) / this.windowMs;
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / BUCKET_MS);
    while (this.buckets.length > 0 && this.buckets[0]![0] <= oldest) this.buckets.shift();
  }
}
