/** A per-second allowance: at most `perSecond` takes in each one-second window of a clock. */
export class RateLimit {
  private windowStart = -Infinity;
  private used = 0;
  /** Takes refused since the last allowed one. */
  private refusedSince = 0;

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number,
  ) {}

  /**
   * Takes one from the allowance. Returns `undefined` when refused, otherwise how many were
   * refused since the last allowed take (so a report can say what it stood for).
   */
  take(): number | undefined {
    const now = this.clock();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perSecond) {
      this.refusedSince += 1;
      return undefined;
    }
    this.used += 1;
    const refused = this.refusedSince;
    this.refusedSince = 0;
    return refused;
  }
}
