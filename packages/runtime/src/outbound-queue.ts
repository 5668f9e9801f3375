import { concatBytes, type Connection } from '@rxmsg/core';

/** Limits of an {@link OutboundQueue}. */
export interface OutboundLimits {
  /** Chunks the queue may hold. */
  readonly messages: number;
  /** Bytes the queue may hold (UTF-16 code units for text chunks). */
  readonly bytes: number;
  /** Join chunks into fewer writes (byte streams); `false` writes each chunk alone (message transports). */
  readonly coalesce?: boolean;
}

/** Chunks queued while writable before they are flushed at once rather than at the end of the tick. */
const BATCH = 256;

/** Bytes joined into one write at most, so that a transport's backpressure is seen between writes. */
const MAX_WRITE = 262_144;

/**
 * Queues with a flush due at the end of this tick, under the default scheduling: one microtask
 * flushes them all, so that a queue needs no closure of its own to schedule itself.
 */
let due: OutboundQueue[] = [];
let spare: OutboundQueue[] = [];
let flushScheduled = false;

function flushDue(): void {
  flushScheduled = false;
  const list = due;
  due = spare;
  for (let i = 0; i < list.length; i++) list[i]!.flush();
  list.length = 0;
  spare = list;
}

/**
 * A peer's bounded outbound queue. Chunks queued in the same tick are coalesced into one
 * write per run of same-typed chunks (and at most {@link BATCH} chunks wait for the end of
 * the tick); `write()` returning `false` stops flushing until the connection drains.
 * The queue reports itself `full` at its limits; what happens then is the caller's policy.
 */
export class OutboundQueue {
  private queue: (string | Uint8Array)[] = [];
  private queuedBytes = 0;
  private blocked = false;
  private scheduled = false;
  private emptyWaiters: (() => void)[] | undefined;
  private pressured = false;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly coalesce: boolean;
  /** `flush` bound, for a custom `soon`; created with its first use. */
  private flushLater: (() => void) | undefined;
  /** Chunks ever accepted by {@link push}. */
  private accepted = 0;
  /** Depth of {@link hold} calls not yet released. */
  private held = 0;
  /** Chunks were queued while held: {@link release} flushes them. */
  private heldPending = false;

  /**
   * @param connection - where chunks are written.
   * @param limits - how much the queue may hold.
   * @param onRelief - called once the queue, after being full, has drained to half its limits.
   * @param soon - runs the end-of-tick flush; by default one microtask flushes every queue due.
   */
  constructor(
    private readonly connection: Connection,
    limits: OutboundLimits,
    private readonly onRelief?: () => void,
    private readonly soon?: (work: () => void) => void,
  ) {
    this.maxMessages = limits.messages;
    this.maxBytes = limits.bytes;
    this.coalesce = limits.coalesce !== false;
  }

  /** Chunks waiting to be written. */
  get length(): number {
    return this.queue.length;
  }

  /**
   * Chunks ever accepted. A chunk accepted as the n-th (`pushed === n` right after) has left the
   * queue (written, dropped or cleared) once `pushed - length >= n`: the queue is first in, first out.
   */
  get pushed(): number {
    return this.accepted;
  }

  /** Bytes waiting to be written. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** `true` when nothing waits and the connection accepted everything written. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.blocked;
  }

  /** `true` at or over either limit. */
  get full(): boolean {
    return this.queue.length >= this.maxMessages || this.queuedBytes >= this.maxBytes;
  }

  /**
   * Queue one chunk. Refused when full, unless `force` (used by the backpressure policy,
   * which bounds the excess by pausing input instead).
   * @returns whether the chunk was queued.
   */
  push(chunk: string | Uint8Array, force = false): boolean {
    if (this.full) {
      this.pressured = true;
      if (!force) return false;
    }
    const q = this.queue;
    q.push(chunk);
    this.accepted++;
    this.queuedBytes += chunk.length;
    if (this.blocked) return true;
    if (q.length >= BATCH || this.full) this.flush();
    else if (this.held > 0) this.heldPending = true;
    else if (!this.scheduled) {
      this.scheduled = true;
      if (this.soon !== undefined) this.soon((this.flushLater ??= () => this.flush()));
      else {
        due.push(this);
        if (!flushScheduled) {
          flushScheduled = true;
          queueMicrotask(flushDue);
        }
      }
    }
    return true;
  }

  /**
   * Hold the end-of-tick flush back until {@link release}: the session holds the queue while it
   * decodes one chunk of input, so that replies produced synchronously go out in one write right
   * after it, without a microtask per chunk.
   */
  hold(): void {
    this.held++;
  }

  /** End one {@link hold}; the last one flushes what was queued meanwhile. */
  release(): void {
    if (--this.held > 0 || !this.heldPending) return;
    this.heldPending = false;
    this.flush();
  }

  /** Remove the oldest chunk not yet written. @returns whether one was removed. */
  dropOldest(): boolean {
    const first = this.queue.shift();
    if (first === undefined) return false;
    this.queuedBytes -= first.length;
    return true;
  }

  /** The connection drained: continue flushing. */
  drained(): void {
    this.blocked = false;
    this.flush();
  }

  /** Call `callback` once the queue is idle (at once if it is). */
  whenIdle(callback: () => void): void {
    if (this.idle) callback();
    else (this.emptyWaiters ??= []).push(callback);
  }

  /** Drop everything queued. @returns how many chunks were dropped. */
  clear(): number {
    const n = this.queue.length;
    this.queue = [];
    this.queuedBytes = 0;
    return n;
  }

  /** Write everything queued, coalesced, until the connection pushes back. */
  flush(): void {
    this.scheduled = false;
    while (!this.blocked && this.queue.length > 0) {
      const batch = this.takeRun();
      if (!this.connection.write(batch)) this.blocked = true;
    }
    if (this.pressured && this.queue.length <= this.maxMessages / 2 && this.queuedBytes <= this.maxBytes / 2) {
      this.pressured = false;
      this.onRelief?.();
    }
    const waiters = this.emptyWaiters;
    if (waiters !== undefined && this.idle) {
      this.emptyWaiters = undefined;
      for (const w of waiters) w();
    }
  }

  /** Remove the leading run of chunks of one type, up to {@link MAX_WRITE} bytes, joined into one. */
  private takeRun(): string | Uint8Array {
    const q = this.queue;
    const first = q[0]!;
    let end = 1;
    let size = first.length;
    const text = typeof first === 'string';
    const coalesce = this.coalesce;
    while (coalesce && end < q.length && size < MAX_WRITE && (typeof q[end] === 'string') === text) size += q[end++]!.length;
    if (end === 1) {
      // One chunk (a reply to one request, say): shift() keeps the array's storage for the next one.
      q.shift();
      this.queuedBytes -= size;
      return first;
    }
    const all = end === q.length;
    const run = all ? q : q.slice(0, end);
    this.queue = all ? [] : q.slice(end);
    this.queuedBytes -= size;
    if (text) return (run as string[]).join('');
    return concatBytes(run as Uint8Array[], size);
  }
}
