/**
 * The retransmission timeout of a reliable channel, estimated as in RFC 6298.
 *
 * - Before any sample, the RTO is `initialRtoMs`.
 * - The first sample R sets `SRTT = R`, `RTTVAR = R / 2`.
 * - Each later sample R' sets `RTTVAR = (1 - β)·RTTVAR + β·|SRTT - R'|` then
 *   `SRTT = (1 - α)·SRTT + α·R'`, with α = 1/8 and β = 1/4.
 * - `RTO = SRTT + max(G, K·RTTVAR)` with K = 4 and G the clock granularity, clamped to
 *   `[minRtoMs, maxRtoMs]`.
 * - Each expiry doubles the RTO (exponential backoff) up to `maxRtoMs`; a new sample clears the
 *   backoff. Karn's rule (no sample from a retransmitted packet) is the caller's part: it simply
 *   does not call {@link RtoEstimator.sample} for such packets.
 */

/** Parameters of {@link RtoEstimator}. */
export interface RtoParameters {
  /** RTO before the first sample, in ms. */
  readonly initialRtoMs: number;
  /** Lower bound of the RTO, in ms. */
  readonly minRtoMs: number;
  /** Upper bound of the RTO, backoff included, in ms. */
  readonly maxRtoMs: number;
  /** The clock granularity G, in ms. */
  readonly clockGranularityMs: number;
}

const ALPHA = 1 / 8;
const BETA = 1 / 4;
const K = 4;

/** RFC 6298 RTT estimator with exponential backoff. */
export class RtoEstimator {
  private srttMs: number | undefined;
  private rttvarMs = 0;
  private baseRtoMs: number;
  private backoffs = 0;

  /** @param params the bounds and granularity; see {@link RtoParameters}. */
  constructor(private readonly params: RtoParameters) {
    this.baseRtoMs = clamp(params.initialRtoMs, params.minRtoMs, params.maxRtoMs);
  }

  /** The smoothed RTT in ms, `undefined` before the first sample. */
  get srtt(): number | undefined {
    return this.srttMs;
  }

  /** The RTT variation in ms (0 before the first sample). */
  get rttvar(): number {
    return this.rttvarMs;
  }

  /** The current RTO in ms, backoff included. */
  get rto(): number {
    return Math.min(this.baseRtoMs * 2 ** this.backoffs, this.params.maxRtoMs);
  }

  /** How many times the RTO was doubled since the last sample. */
  get backoffCount(): number {
    return this.backoffs;
  }

  /** Feeds one RTT measurement (ms, from a packet sent once only); clears the backoff. */
  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srttMs === undefined) {
      this.srttMs = r;
      this.rttvarMs = r / 2;
    } else {
      this.rttvarMs = (1 - BETA) * this.rttvarMs + BETA * Math.abs(this.srttMs - r);
      this.srttMs = (1 - ALPHA) * this.srttMs + ALPHA * r;
    }
    const raw = this.srttMs + Math.max(this.params.clockGranularityMs, K * this.rttvarMs);
    this.baseRtoMs = clamp(raw, this.params.minRtoMs, this.params.maxRtoMs);
    this.backoffs = 0;
  }

  /** Records one expiry: the RTO doubles, up to `maxRtoMs`. */
  backoff(): void {
    if (this.rto < this.params.maxRtoMs) this.backoffs += 1;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
