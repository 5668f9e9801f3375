import { MAX_NODE_NUMBER } from '@rxmsg/runtime';

/**
 * The primary's node numbers: each worker started (first start or restart) gets a fresh one, 1,
 * 2, 3…, so that the peer ids of a dead worker (which carry its number) never name a peer of a
 * new process. After `max` the count wraps to 1, skipping the numbers still in use.
 */
export class NodeNumbers {
  private last = 0;
  private readonly live = new Set<number>();

  constructor(private readonly max = MAX_NODE_NUMBER) {}

  /** A number not in use; it is in use until {@link NodeNumbers.release}. */
  take(): number {
    if (this.live.size >= this.max) throw new RangeError(`all ${this.max} node numbers are in use`);
    do this.last = this.last >= this.max ? 1 : this.last + 1;
    while (this.live.has(this.last));
    this.live.add(this.last);
    return this.last;
  }

  /** Node `n` is gone. */
  release(n: number): void {
    this.live.delete(n);
  }
}
