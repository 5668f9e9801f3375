import type { SchedulerLike } from 'rxjs';

/**
 * This node's view of which nodes are alive: each heartbeat heard (or read from Redis at attach)
 * keeps a node alive for the presence TTL; a goodbye forgets it at once. Kept locally so that a
 * send to a peer of a dead node fails without a round trip. Bounded: at most `limit` nodes are
 * tracked (heartbeats from more are ignored until expired ones are pruned).
 */
export class LiveNodes {
  private readonly until = new Map<number, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly limit: number,
    private readonly scheduler: SchedulerLike,
  ) {}

  /** Node `node` was heard from now (or, from Redis, has `remainingMs` left). */
  heard(node: number, remainingMs = this.ttlMs): void {
    if (!this.until.has(node) && this.until.size >= this.limit) {
      this.prune();
      if (this.until.size >= this.limit) return;
    }
    this.until.set(node, this.scheduler.now() + remainingMs);
  }

  /** Node `node` said goodbye. */
  gone(node: number): void {
    this.until.delete(node);
  }

  /** Whether `node` was heard from within the TTL. */
  alive(node: number): boolean {
    const until = this.until.get(node);
    return until !== undefined && until > this.scheduler.now();
  }

  /** The live nodes, in ascending order. */
  list(): number[] {
    const now = this.scheduler.now();
    return [...this.until].filter(([, until]) => until > now).map(([n]) => n).sort((a, b) => a - b);
  }

  /** Forget the expired nodes. */
  prune(): void {
    const now = this.scheduler.now();
    for (const [node, until] of this.until) if (until <= now) this.until.delete(node);
  }

  clear(): void {
    this.until.clear();
  }
}
