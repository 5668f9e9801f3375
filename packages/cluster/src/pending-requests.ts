import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';

interface Entry<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: Subscription;
}

/**
 * Requests sent over a channel and waiting for their answer, by id, each with its own deadline:
 * a request settles exactly once (answer, timeout, or `closeAll`), and its timer goes with it.
 * Holds at most as many entries as requests are open; each ends by its deadline.
 */
export class PendingRequests<T> {
  private readonly open = new Map<number, Entry<T>>();
  private next = 0;

  constructor(private readonly scheduler: SchedulerLike = asyncScheduler) {}

  /** Requests waiting now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Open a request: `send(id)` sends it (a throw rejects the request). After `timeoutMs` without
   * an answer, it settles with `onTimeout()` (its value, or what it throws).
   */
  request(timeoutMs: number, send: (id: number) => void, onTimeout: () => T): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = this.scheduler.schedule(() => {
        if (!this.open.delete(id)) return;
        try {
          resolve(onTimeout());
        } catch (error) {
          reject(error);
        }
      }, timeoutMs);
      this.open.set(id, { resolve, reject, timer });
      try {
        send(id);
      } catch (error) {
        this.fail(id, error);
      }
    });
  }

  /** Settle request `id` with `value` (an unknown or settled id: nothing happens). */
  answer(id: number, value: T): void {
    const entry = this.take(id);
    entry?.resolve(value);
  }

  /** Reject request `id` with `error`. */
  fail(id: number, error: unknown): void {
    const entry = this.take(id);
    entry?.reject(error);
  }

  /** Reject every open request with `error()`. */
  closeAll(error: () => unknown): void {
    for (const id of [...this.open.keys()]) this.fail(id, error());
  }

  private take(id: number): Entry<T> | undefined {
    const entry = this.open.get(id);
    if (entry === undefined) return undefined;
    this.open.delete(id);
    entry.timer.unsubscribe();
    return entry;
  }
}
