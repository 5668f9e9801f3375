/**
 * How long, in ms, a side that finds the ring empty (reader) or full (writer) keeps checking it,
 * once per turn of the event loop, before it waits with `Atomics.waitAsync`.
 */
export const POLL_MS = 0.2;

/** Waits without a poll window after a window ran out with nothing to show, before one is tried again. */
export const POLL_BACKOFF_WAITS = 64;

/**
 * Decides, each time a side finds the ring empty (reader) or full (writer), whether it checks again
 * next turn of the event loop (`setImmediate`: other work runs in between) or raises its waiting flag
 * and waits with `Atomics.waitAsync`.
 *
 * While a side checks, its waiting flag is down, so the other side skips `Atomics.notify` and no
 * cross-thread wake-up is paid: a stream whose writer keeps up is read without any. A window lasts
 * at most {@link POLL_MS}; one that ran out with nothing to show turns polling off for the next
 * {@link POLL_BACKOFF_WAITS} waits, so a connection whose other side answers slowly (or not at all)
 * waits at once rather than spending a window each time, and an idle connection costs no CPU.
 */
export class PollWindow {
  /** `performance.now()` when the current window opened; 0: no window open. */
  private openedAt = 0;
  /** Waits left before a window is tried again. */
  private off = 0;

  /**
   * @param ms - length of a window, in ms.
   * @param backoffWaits - waits without a window after one ran out.
   */
  constructor(
    private readonly ms = POLL_MS,
    private readonly backoffWaits = POLL_BACKOFF_WAITS,
  ) {}

  /** The side moved bytes: the next empty (or full) ring opens a new window. */
  progressed(): void {
    this.openedAt = 0;
  }

  /** The ring is still empty (or full): `true` to check again next turn, `false` to wait now. */
  keepPolling(): boolean {
    if (this.off > 0) {
      this.off--;
      return false;
    }
    const now = performance.now();
    if (this.openedAt === 0) {
      this.openedAt = now;
      return true;
    }
    if (now - this.openedAt < this.ms) return true;
    this.openedAt = 0;
    this.off = this.backoffWaits;
    return false;
  }
}
