import type { SchedulerLike, Subscription } from 'rxjs';

/** Where a {@link PresenceWriter} writes: this node's presence set in Redis. */
export interface PresenceStore {
  /** Whether the store can be written now (the Redis connection is up). */
  ready(): boolean;
  /** Add and remove these ids and renew the set's expiry, in one round trip. */
  update(add: readonly string[], remove: readonly string[]): Promise<unknown>;
  /** Replace the whole set with these ids and renew its expiry. */
  replace(ids: readonly string[]): Promise<unknown>;
}

/**
 * This node's open peers, and their presence set in Redis kept in step with them: `opened` and
 * `closed` are gathered for `flushMs` and written in one round trip; a peer that opened and
 * closed in between is never written. When a write fails or the store is down, the set is marked
 * dirty and rewritten whole at the next `rewriteIfDirty` (the heartbeat), so that nothing queues
 * up while Redis is away. Bounded: it holds the open peers, and the changes of one flush period.
 */
export class PresenceWriter {
  private readonly open = new Set<number>();
  private readonly toAdd = new Set<number>();
  private readonly toRemove = new Set<number>();
  private timer: Subscription | undefined;
  private dirty = false;
  private stopped = false;

  constructor(
    private readonly store: PresenceStore,
    private readonly flushMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The open peers, as last told. */
  get size(): number {
    return this.open.size;
  }

  peerOpened(peerId: number): void {
    this.open.add(peerId);
    this.toAdd.add(peerId);
    this.schedule();
  }

  peerClosed(peerId: number): void {
    this.open.delete(peerId);
    if (!this.toAdd.delete(peerId)) this.toRemove.add(peerId);
    this.schedule();
  }

  /** The stored set cannot be trusted (Redis lost it): rewrite it whole at the next `rewriteIfDirty`. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Rewrite the whole set if it is marked dirty. @throws what the store throws (it stays dirty). */
  async rewriteIfDirty(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    this.toAdd.clear();
    this.toRemove.clear();
    try {
      await this.store.replace([...this.open].map(String));
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  /** Stop: pending changes are dropped (the caller deletes the set), no timer is left. */
  close(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.open.clear();
    this.toAdd.clear();
    this.toRemove.clear();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushMs);
  }

  private async flush(): Promise<void> {
    if (this.stopped) return;
    if (!this.store.ready()) {
      // Redis is away (that is reported by the connection): write it all once it is back.
      this.dirty = true;
      return;
    }
    if (this.dirty) return this.rewriteIfDirty().catch((error: unknown) => this.onError(error));
    const add = [...this.toAdd].map(String);
    const remove = [...this.toRemove].map(String);
    this.toAdd.clear();
    this.toRemove.clear();
    if (add.length === 0 && remove.length === 0) return;
    try {
      await this.store.update(add, remove);
    } catch (error) {
      this.dirty = true;
      this.onError(error);
    }
  }
}
