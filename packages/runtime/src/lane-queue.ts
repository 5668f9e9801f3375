import type { SendQueuePolicy } from '@rxmsg/core';

/** Chunks a lane's ring holds when first allocated, and the most it keeps once it empties (a power of two). */
const MIN_RING = 8;

/**
 * One outbound lane of a connection: a FIFO of encoded chunks with its own limits, policy and
 * priority, and its counters. It holds chunks only: what is done when it is full is decided by
 * {@link OutboundLanes}, which also moves its chunks to the socket's queue.
 *
 * Chunks wait in a ring buffer (slot `2k` a chunk, `2k + 1` its size), so that queueing, dropping
 * the oldest and taking the head each cost O(1); the ring is allocated with the first chunk and
 * given back once it empties after growing past {@link MIN_RING} chunks.
 */
export class LaneQueue {
  /** Chunks handed to the socket's queue so far. */
  sent = 0;
  /** Chunks dropped by the lane's policy so far. */
  dropped = 0;
  /** Times the scheduler took a chunk of another lane while this one waited (reset when it is served). */
  skipped = 0;
  /** The lane was full: tell its relief once it has drained to half its limits. */
  pressured = false;
  private ring: (string | Uint8Array | number | undefined)[] | undefined;
  private head = 0;
  private count = 0;
  private queuedBytes = 0;

  /**
   * @param name - the lane's name (`default` for the default lane).
   * @param limit - chunks it may hold.
   * @param maxBytes - bytes it may hold.
   * @param policy - what is done when it is full.
   * @param priority - lower is written first.
   * @param demand - whether its being full makes the peer not writable (the default lane, and lanes that do not drop).
   */
  constructor(
    readonly name: string,
    readonly limit: number,
    readonly maxBytes: number,
    readonly policy: SendQueuePolicy,
    readonly priority: number,
    readonly demand: boolean,
  ) {}

  /** Chunks waiting. */
  get length(): number {
    return this.count;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** `true` at or over either limit. */
  get full(): boolean {
    return this.count >= this.limit || this.queuedBytes >= this.maxBytes;
  }

  /** `true` once drained to half its limits (or less). */
  get relieved(): boolean {
    return this.count <= this.limit / 2 && this.queuedBytes <= this.maxBytes / 2;
  }

  /** Queue a chunk of `size` bytes at the tail, whatever the limits (the caller applied the policy). */
  push(chunk: string | Uint8Array, size: number): void {
    let ring = this.ring;
    if (ring === undefined) ring = this.ring = new Array<string | Uint8Array | number | undefined>(2 * MIN_RING);
    else if (2 * this.count === ring.length) ring = this.grow(ring);
    const at = (2 * (this.head + this.count)) & (ring.length - 1);
    ring[at] = chunk;
    ring[at + 1] = size;
    this.count++;
    this.queuedBytes += size;
  }

  /** The size in bytes of the oldest chunk; only while {@link length} > 0. */
  headSize(): number {
    const ring = this.ring!;
    // The slot after a chunk's always holds its size.
    return ring[((2 * this.head) & (ring.length - 1)) + 1] as number;
  }

  /** Remove and return the oldest chunk; only while {@link length} > 0. */
  shift(): string | Uint8Array {
    const ring = this.ring!;
    const mask = ring.length - 1;
    const at = (2 * this.head) & mask;
    // Slots of chunks in the queue always hold a chunk, and the next one its size.
    const chunk = ring[at] as string | Uint8Array;
    this.queuedBytes -= ring[at + 1] as number;
    ring[at] = undefined;
    ring[at + 1] = undefined;
    this.count--;
    if (this.count > 0) this.head = (this.head + 1) & (mask >> 1);
    else {
      this.head = 0;
      if (ring.length > 2 * MIN_RING) this.ring = undefined;
    }
    return chunk;
  }

  /** Drop everything. @returns how many chunks were dropped. */
  clear(): number {
    const n = this.count;
    this.ring = undefined;
    this.head = 0;
    this.count = 0;
    this.queuedBytes = 0;
    this.skipped = 0;
    return n;
  }

  private grow(ring: (string | Uint8Array | number | undefined)[]): (string | Uint8Array | number | undefined)[] {
    const next = new Array<string | Uint8Array | number | undefined>(2 * ring.length);
    const mask = ring.length - 1;
    for (let i = 0; i < 2 * this.count; i++) next[i] = ring[(2 * this.head + i) & mask];
    this.head = 0;
    return (this.ring = next);
  }
}
