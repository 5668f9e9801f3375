import { concatBytes, type Connection } from '@rxmsg/core';

/**
 * A peer's bounded outbound queue. Chunks queued in the same tick are coalesced
 * into one write per run of same-typed chunks; `write()` returning `false` stops
 * flushing until the connection drains, and the queue then holds at most `limit` chunks.
 */
export class OutboundQueue {
  private queue: (string | Uint8Array)[] = [];
  private blocked = false;
  private scheduled = false;
  private emptyWaiters: (() => void)[] = [];

  /**
   * @param connection - where chunks are written.
   * @param limit - chunks the queue may hold.
   */
  constructor(
    private readonly connection: Connection,
    private readonly limit: number,
  ) {}

  /** Chunks waiting to be written. */
  get length(): number {
    return this.queue.length;
  }

  /** `true` when nothing waits and the connection accepted everything written. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.blocked;
  }

  /**
   * Queue one chunk for the next flush.
   * @returns `false` (and queues nothing) when the queue is full.
   */
  push(chunk: string | Uint8Array): boolean {
    if (this.queue.length >= this.limit) return false;
    this.queue.push(chunk);
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
    return true;
  }

  /** The connection drained: continue flushing. */
  drained(): void {
    this.blocked = false;
    this.flush();
  }

  /** Resolve `callback` once the queue is idle (at once if it is). */
  whenIdle(callback: () => void): void {
    if (this.idle) callback();
    else this.emptyWaiters.push(callback);
  }

  /** Drop everything queued. @returns how many chunks were dropped. */
  clear(): number {
    const n = this.queue.length;
    this.queue = [];
    return n;
  }

  /** Write everything queued, coalesced, until the connection pushes back. */
  readonly flush = (): void => {
    this.scheduled = false;
    while (!this.blocked && this.queue.length > 0) {
      const batch = this.takeRun();
      if (!this.connection.write(batch)) this.blocked = true;
    }
    if (this.idle && this.emptyWaiters.length > 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      for (const w of waiters) w();
    }
  };

  /** Remove the leading run of chunks of one type, joined into one. */
  private takeRun(): string | Uint8Array {
    const q = this.queue;
    const first = q[0]!;
    let end = 1;
    const text = typeof first === 'string';
    while (end < q.length && typeof q[end] === 'string' === text) end++;
    if (end === 1) {
      q.shift();
      return first;
    }
    const run = end === q.length ? q : q.slice(0, end);
    this.queue = end === q.length ? [] : q.slice(end);
    if (text) return (run as string[]).join('');
    let total = 0;
    for (const c of run as Uint8Array[]) total += c.length;
    return concatBytes(run as Uint8Array[], total);
  }
}
