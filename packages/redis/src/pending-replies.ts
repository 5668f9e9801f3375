import type { SchedulerLike, Subscription } from 'rxjs';

/** What waits for replies under one id: see {@link PendingReplies}. */
export interface ReplyWaiter {
  /** A reply arrived; return `true` when no more are expected. */
  reply(from: number, body: unknown): boolean;
  /** The time is up. */
  timeout(): void;
  /** The adapter closed. */
  abort(error: Error): void;
}

/**
 * The requests this node waits on an answer for (`forwardConfirmed`, `snapshots`), by id, each
 * with its own timeout. Bounded: past `limit` open requests `open` refuses (the caller fails the
 * request), so a node that never answers costs at most `limit` entries, each for its timeout.
 */
export class PendingReplies {
  private readonly open_ = new Map<number, { readonly waiter: ReplyWaiter; readonly timer: Subscription }>();
  private next = 1;

  constructor(
    private readonly limit: number,
    private readonly scheduler: SchedulerLike,
  ) {}

  get size(): number {
    return this.open_.size;
  }

  /** Register `waiter` for `timeoutMs`. @returns its id, or `undefined` when `limit` requests are open. */
  open(timeoutMs: number, waiter: ReplyWaiter): number | undefined {
    if (this.open_.size >= this.limit) return undefined;
    const id = this.next;
    this.next = this.next >= Number.MAX_SAFE_INTEGER ? 1 : this.next + 1;
    const timer = this.scheduler.schedule(() => {
      this.open_.delete(id);
      waiter.timeout();
    }, timeoutMs);
    this.open_.set(id, { waiter, timer });
    return id;
  }

  /** A reply to request `id` (unknown or finished ids are ignored: a late answer). */
  reply(id: number, from: number, body: unknown): void {
    const entry = this.open_.get(id);
    if (entry === undefined || !entry.waiter.reply(from, body)) return;
    entry.timer.unsubscribe();
    this.open_.delete(id);
  }

  /** Forget request `id` without settling it (its sender settled it). */
  drop(id: number): void {
    this.open_.get(id)?.timer.unsubscribe();
    this.open_.delete(id);
  }

  /** Fail every open request with `error`. */
  abortAll(error: Error): void {
    const entries = [...this.open_.values()];
    this.open_.clear();
    for (const { waiter, timer } of entries) {
      timer.unsubscribe();
      waiter.abort(error);
    }
  }
}
