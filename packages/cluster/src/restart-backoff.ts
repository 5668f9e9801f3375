/** How the primary restarts a crashed worker: see `RestartBackoff`. */
export interface RestartPolicy {
  /** Delay before the first restart, in ms. Default 100. */
  readonly minDelayMs?: number;
  /** Longest delay, in ms. Default 10 000. */
  readonly maxDelayMs?: number;
  /** A worker that stayed up this long (ms) counts as healthy: its next crash restarts after `minDelayMs` again. Default 30 000. */
  readonly resetAfterMs?: number;
  /** Random share (0–1) taken off each delay, so that workers crashing together do not restart together. Default 0. */
  readonly jitter?: number;
}

/** {@link RestartPolicy} with every field set. */
export type ResolvedRestartPolicy = Required<RestartPolicy>;

/** The defaults of {@link RestartPolicy}. */
export const DEFAULT_RESTART_POLICY: ResolvedRestartPolicy = Object.freeze({ minDelayMs: 100, maxDelayMs: 10_000, resetAfterMs: 30_000, jitter: 0 });

/**
 * Exponential backoff for the restarts of one worker slot: the n-th crash in a row waits
 * `min(maxDelayMs, minDelayMs × 2^(n-1))` (less up to `jitter` of it); a worker that ran
 * `resetAfterMs` or longer before it crashed starts the count again.
 */
export class RestartBackoff {
  private crashes = 0;

  constructor(
    private readonly policy: ResolvedRestartPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Crashes in a row so far. */
  get failures(): number {
    return this.crashes;
  }

  /** A crash after `uptimeMs` of running: the delay before the restart, in ms. */
  crashed(uptimeMs: number): number {
    if (uptimeMs >= this.policy.resetAfterMs) this.crashes = 0;
    this.crashes++;
    const { minDelayMs, maxDelayMs, jitter } = this.policy;
    const base = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(this.crashes - 1, 52));
    return Math.round(base * (1 - jitter * this.random()));
  }
}
