import { type Connection } from '@rxmsg/core';
import { utf8Length } from '@rxmsg/core/internal';

/** Limits of an {@link OutboundQueue}. */
export interface OutboundLimits {
  /** Chunks the queue may hold. */
  readonly messages: number;
  /** Bytes the queue may hold, counted as written: UTF-8 bytes for text chunks, `length` for byte chunks. */
  readonly bytes: number;
  /** Join chunks into fewer writes (byte streams); `false` writes each chunk alone (message transports). */
  readonly coalesce?: boolean;
  /** Told of every change of the bytes queued (a server's {@link MemoryBudget}). */
  readonly meter?: ByteMeter;
}

/** Keeps count of bytes held: told `+n` when `n` bytes are taken in and `-n` when they are let go. */
export interface ByteMeter {
  add(delta: number): void;
}

/**
 * Told once an {@link OutboundQueue}, after being full, has drained to half its limits: a function,
 * or an object whose method is called (a connection's policy passes itself: no closure per connection).
 */
export type ReliefListener = (() => void) | { queueRelieved(): void };

/** Bits of {@link OutboundQueue}'s boolean states. */
const BLOCKED = 1;
const SCHEDULED = 2;
const PRESSURED = 4;
const HELD_PENDING = 8;
const COALESCE = 16;

/** Chunks queued while writable before they are flushed at once rather than at the end of the tick. */
const BATCH = 256;

/** Bytes joined into one write at most, so that a transport's backpressure is seen between writes. */
export const MAX_WRITE = 262_144;

/**
 * Chunks a ring holds when first allocated, and the most it keeps once it empties (a power of two):
 * a connection that sends now and then keeps one small ring; one that had a burst gives its large ring back.
 */
const MIN_RING = 8;

/** Bytes a chunk takes on the wire: text is written as UTF-8. */
function sizeOf(chunk: string | Uint8Array): number {
  return typeof chunk === 'string' ? utf8Length(chunk) : chunk.length;
}

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
 * write per run of same-typed chunks (and at most `BATCH` chunks wait for the end of
 * the tick); `write()` returning `false` stops flushing until the connection drains.
 * The queue reports itself `full` at its limits; what happens then is the caller's policy.
 *
 * Chunks wait in a ring buffer, so that queueing, dropping the oldest and writing from the head
 * each cost O(1). The ring is allocated with the first chunk (an idle connection holds none) and
 * given back when it empties after growing past `MIN_RING` chunks.
 */
export class OutboundQueue {
  /**
   * The ring: slot `2k` holds a chunk, slot `2k + 1` its size in bytes (one array rather than two:
   * one header per connection). `undefined` until the first chunk.
   */
  private ring: (string | Uint8Array | number | undefined)[] | undefined;
  /** Chunk index (not slot) of the oldest chunk in {@link ring}. */
  private head = 0;
  /** Chunks in {@link ring}. */
  private count = 0;
  private queuedBytes = 0;
  private pushedCount = 0;
  private settledCount = 0;
  private writtenCount = 0;
  /**
   * `pushed` right after each control chunk (see {@link push}) still queued was pushed, oldest first,
   * from {@link marksHead} on; `undefined` until the first control chunk.
   */
  private marks: number[] | undefined;
  private marksHead = 0;
  /** The boolean states, one bit each (one field per connection rather than five). */
  private bits = 0;
  private get blocked(): boolean {
    return (this.bits & BLOCKED) !== 0;
  }
  private set blocked(on: boolean) {
    this.bits = on ? this.bits | BLOCKED : this.bits & ~BLOCKED;
  }
  private get scheduled(): boolean {
    return (this.bits & SCHEDULED) !== 0;
  }
  private set scheduled(on: boolean) {
    this.bits = on ? this.bits | SCHEDULED : this.bits & ~SCHEDULED;
  }
  private emptyWaiters: (() => void)[] | undefined;
  private get pressured(): boolean {
    return (this.bits & PRESSURED) !== 0;
  }
  private set pressured(on: boolean) {
    this.bits = on ? this.bits | PRESSURED : this.bits & ~PRESSURED;
  }
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private get coalesce(): boolean {
    return (this.bits & COALESCE) !== 0;
  }
  private meter: ByteMeter | undefined;
  /** Called each time a flush leaves the queue idle (the outbound lanes pull their next chunks then). */
  onIdle: (() => void) | undefined;
  /** `flush` bound, for a custom `soon`; created with its first use. */
  private flushLater: (() => void) | undefined;
  /** Depth of {@link hold} calls not yet released. */
  private held = 0;
  /** Chunks were queued while held: {@link release} flushes them. */
  private get heldPending(): boolean {
    return (this.bits & HELD_PENDING) !== 0;
  }
  private set heldPending(on: boolean) {
    this.bits = on ? this.bits | HELD_PENDING : this.bits & ~HELD_PENDING;
  }

  /**
   * @param connection - where chunks are written.
   * @param limits - how much the queue may hold.
   * @param onRelief - called once the queue, after being full, has drained to half its limits.
   * @param soon - runs the end-of-tick flush; by default one microtask flushes every queue due.
   */
  constructor(
    private readonly connection: Connection,
    limits: OutboundLimits,
    private readonly onRelief?: ReliefListener,
    private readonly soon?: (work: () => void) => void,
  ) {
    this.maxMessages = limits.messages;
    this.maxBytes = limits.bytes;
    if (limits.coalesce !== false) this.bits = COALESCE;
    this.meter = limits.meter;
  }

  /** Chunks waiting to be written. */
  get length(): number {
    return this.count;
  }

  /** Bytes waiting to be written: UTF-8 bytes for text chunks, `length` for byte chunks. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /**
   * Chunks ever accepted by {@link push} (monotonic). The chunk whose push made this `n` has left
   * the queue (written or dropped) once {@link settled} `>= n`.
   */
  get pushed(): number {
    return this.pushedCount;
  }

  /**
   * Chunks ever taken out of the queue (monotonic): handed to `connection.write()`, removed by
   * {@link dropOldest}, or discarded by {@link clear}. Chunks leave in the order they were pushed,
   * so `settled >= n` means the first `n` pushed chunks are all gone.
   */
  get settled(): number {
    return this.settledCount;
  }

  /**
   * Chunks ever handed to `connection.write()`, control chunks not counted (monotonic): the
   * messages sent. Chunks dropped or cleared from the queue are not counted.
   */
  get written(): number {
    return this.writtenCount;
  }

  /** Whether the oldest chunk waiting was pushed as a control chunk. */
  get oldestIsControl(): boolean {
    const marks = this.marks;
    return marks !== undefined && this.prune() < marks.length && marks[this.marksHead] === this.settledCount + 1;
  }

  /** `true` when nothing waits and the connection accepted everything written. */
  get idle(): boolean {
    return this.count === 0 && !this.blocked;
  }

  /** `true` from a write the connection did not take whole until it drains. */
  get stalled(): boolean {
    return this.blocked;
  }

  /** `true` at or over either limit. */
  get full(): boolean {
    return this.count >= this.maxMessages || this.queuedBytes >= this.maxBytes;
  }

  /**
   * Queue one chunk. Refused when full, unless `force` (used by the backpressure policy,
   * which bounds the excess by pausing input instead).
   * @param control - a framework frame (heartbeat, credit): not counted in {@link written}.
   * @returns whether the chunk was queued.
   */
  push(chunk: string | Uint8Array, force = false, control = false): boolean {
    if (this.full) {
      this.pressured = true;
      if (!force) return false;
    }
    const size = sizeOf(chunk);
    let ring = this.ring;
    if (ring === undefined) ring = this.ring = new Array<string | Uint8Array | number | undefined>(2 * MIN_RING);
    else if (2 * this.count === ring.length) ring = this.grow(ring);
    const at = (2 * (this.head + this.count)) & (ring.length - 1);
    ring[at] = chunk;
    ring[at + 1] = size;
    this.count++;
    this.pushedCount++;
    if (control) (this.marks ??= []).push(this.pushedCount);
    this.queuedBytes += size;
    this.meter?.add(size);
    if (this.blocked) return true;
    if (this.count >= BATCH || this.full) this.flush();
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

  /**
   * Someone waits for room: report relief (`onRelief`) once the queue has drained to half its
   * limits, as after a push it refused.
   */
  expectRelief(): void {
    this.pressured = true;
  }

  /** Remove the oldest chunk not yet written, in O(1). @returns whether one was removed. */
  dropOldest(): boolean {
    if (this.count === 0) return false;
    this.take(1, this.sizeAt(0));
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

  /** Stop telling the meter: what is queued is counted as let go now (the connection is being destroyed). */
  unmeter(): void {
    const meter = this.meter;
    this.meter = undefined;
    if (meter !== undefined && this.queuedBytes !== 0) meter.add(-this.queuedBytes);
  }

  /** Drop everything queued (and the ring with it). @returns how many chunks were dropped. */
  clear(): number {
    const n = this.count;
    this.ring = undefined;
    this.head = 0;
    this.count = 0;
    if (this.queuedBytes !== 0) this.meter?.add(-this.queuedBytes);
    this.queuedBytes = 0;
    this.settledCount += n;
    if (this.marks !== undefined) this.prune();
    return n;
  }

  /** Write everything queued, coalesced, until the connection pushes back. */
  flush(): void {
    this.scheduled = false;
    while (!this.blocked && this.count > 0) {
      const batch = this.takeRun();
      if (!this.connection.write(batch)) this.blocked = true;
    }
    if (this.pressured && this.count <= this.maxMessages / 2 && this.queuedBytes <= this.maxBytes / 2) {
      this.pressured = false;
      const relief = this.onRelief;
      if (typeof relief === 'function') relief();
      else relief?.queueRelieved();
    }
    const waiters = this.emptyWaiters;
    if (waiters !== undefined && this.idle) {
      this.emptyWaiters = undefined;
      for (const w of waiters) w();
    }
    if (this.onIdle !== undefined && this.count === 0 && !this.blocked) this.onIdle();
  }

  /** The chunk `k` places after the head. */
  private chunkAt(k: number): string | Uint8Array {
    const ring = this.ring!;
    // Slots of chunks in the queue always hold a chunk.
    return ring[(2 * (this.head + k)) & (ring.length - 1)] as string | Uint8Array;
  }

  /** The size in bytes of the chunk `k` places after the head. */
  private sizeAt(k: number): number {
    const ring = this.ring!;
    // The slot after a chunk's always holds its size.
    return ring[((2 * (this.head + k)) & (ring.length - 1)) + 1] as number;
  }

  /** Remove the first `n` chunks (of `size` bytes in all), clearing their slots; give a grown ring back once empty. */
  private take(n: number, size: number): void {
    const ring = this.ring!;
    const mask = ring.length - 1;
    for (let k = 0; k < n; k++) {
      const at = (2 * (this.head + k)) & mask;
      ring[at] = undefined;
      ring[at + 1] = undefined;
    }
    this.count -= n;
    this.settledCount += n;
    this.queuedBytes -= size;
    this.meter?.add(-size);
    if (this.count > 0) this.head = (this.head + n) & (mask >> 1);
    else {
      this.head = 0;
      if (ring.length > 2 * MIN_RING) this.ring = undefined;
    }
  }

  /** Forget the marks of chunks that left the queue; @returns the index of the first mark left. */
  private prune(): number {
    const c = this.marks!;
    const settled = this.settledCount;
    let h = this.marksHead;
    while (h < c.length && c[h]! <= settled) h++;
    if (h === c.length) {
      c.length = 0;
      h = 0;
    } else if (h > 64 && 2 * h > c.length) {
      c.splice(0, h);
      h = 0;
    }
    return (this.marksHead = h);
  }

  /** Double the ring, moving its chunks to the start of the new one. */
  private grow(ring: (string | Uint8Array | number | undefined)[]): (string | Uint8Array | number | undefined)[] {
    const next = new Array<string | Uint8Array | number | undefined>(2 * ring.length);
    const mask = ring.length - 1;
    for (let i = 0; i < 2 * this.count; i++) next[i] = ring[(2 * this.head + i) & mask];
    this.head = 0;
    return (this.ring = next);
  }

  /** Remove the leading run of chunks of one type, up to {@link MAX_WRITE} bytes, joined into one. */
  private takeRun(): string | Uint8Array {
    const first = this.chunkAt(0);
    let size = this.sizeAt(0);
    const text = typeof first === 'string';
    let end = 1;
    if (this.coalesce) {
      while (end < this.count && size < MAX_WRITE && (typeof this.chunkAt(end) === 'string') === text) size += this.sizeAt(end++);
    }
    let out: string | Uint8Array = first;
    if (end > 1 && text) {
      const parts = new Array<string>(end);
      for (let k = 0; k < end; k++) parts[k] = this.chunkAt(k) as string;
      out = parts.join('');
    } else if (end > 1) {
      const bytes = new Uint8Array(size);
      for (let k = 0, at = 0; k < end; k++) {
        const chunk = this.chunkAt(k) as Uint8Array;
        bytes.set(chunk, at);
        at += chunk.length;
      }
      out = bytes;
    }
    const marks = this.marks;
    let controls = 0;
    if (marks !== undefined) {
      const last = this.settledCount + end;
      for (let h = this.prune(); h < marks.length && marks[h]! <= last; h++) controls++;
    }
    this.writtenCount += end - controls;
    this.take(end, size);
    return out;
  }
}
