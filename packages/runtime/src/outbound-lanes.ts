import { SendQueueFullError, type BaseConfig, type MessageLanes } from '@rxmsg/core';
import { utf8Length } from '@rxmsg/core/internal';
import { LaneQueue } from './lane-queue';
import { MAX_WRITE, type ByteMeter, type OutboundQueue } from './outbound-queue';
import type { LaneStats } from './session-stats';

/**
 * A lane waiting for the socket is passed over at most this many times in a row for lanes of a
 * higher priority, plus one for each other lane starving at the same time (starved lanes go one per
 * turn): under a flood of the high lanes, one low lane still gets one chunk in `LANE_STARVATION_LIMIT + 1`,
 * each of two low lanes one in `LANE_STARVATION_LIMIT + 2`.
 */
export const LANE_STARVATION_LIMIT = 16;

/** Chunks moved from the lanes to the socket's queue per write at most. */
const BATCH = 256;

/** What {@link OutboundLanes} asks of the connection it sends on. */
export interface LaneHost {
  /** Stop reading input while a `backpressure` lane is over its limits. */
  holdInput(on: boolean): void;
  /** Every lane that makes demand is under its limits again, after one was full or awaited. */
  relieved(): void;
  /** A `disconnect` lane is full, or a `backpressure` lane is past its cap: close the connection. */
  queueFull(error: SendQueueFullError): void;
  /** A drop policy of `lane` discarded an outbound message. */
  droppedOut(cause: 'drop-newest' | 'drop-oldest', lane: string): void;
}

/** Where a message's lane is read from: its protocol's tag field and lanes. */
export interface LaneSource {
  readonly tag: string;
  readonly lanes: MessageLanes;
}

/**
 * The config {@link OutboundLanes} reads: the default lane's limits and policy, the lanes, and how many
 * times its limits a `backpressure` lane takes before the connection is closed (`BACKPRESSURE_CAP`).
 */
export type LanesConfig = Pick<BaseConfig, 'sendQueueLimit' | 'sendQueueBytes' | 'onSendQueueFull' | 'lanes'> & { readonly cap: number };

/** Bytes a chunk takes on the wire: text is written as UTF-8. */
function sizeOf(chunk: string | Uint8Array): number {
  return typeof chunk === 'string' ? utf8Length(chunk) : chunk.length;
}

/**
 * The outbound lanes of one connection and their scheduler: each message waits in its lane (the
 * default lane unless its protocol names one), under that lane's limits and policy, and moves to
 * the socket's {@link OutboundQueue} only when that queue is idle (empty, and the socket took
 * everything), so that every lane's policy applies to what the socket has not taken yet. Control
 * frames skip the lanes (they go straight to the socket's queue, as without lanes).
 *
 * Scheduling: the lane of the lowest `priority` that has a chunk goes first; lanes of equal
 * priority take turns; a waiting lane passed over {@link LANE_STARVATION_LIMIT} times goes next.
 * Order within a lane is kept. Messages sent in one tick are scheduled together at its end.
 *
 * Demand: the peer is not writable while the default lane, or a lane whose policy does not drop
 * (`backpressure`, `disconnect`), is full. A drop lane never blocks the processor.
 */
export class OutboundLanes {
  /** Every lane, the default one included, by priority (then the default first, then config order). */
  readonly lanes: readonly LaneQueue[];
  /** The lane of messages no protocol puts in a lane. */
  readonly defaultLane: LaneQueue;
  private readonly byName = new Map<string, LaneQueue>();
  /** Chunks in all lanes. */
  private waiting = 0;
  private waitingBytes = 0;
  private scheduled = false;
  private pumping = false;
  private emptyWaiters: (() => void)[] | undefined;
  private meter: ByteMeter | undefined;
  private readonly cap: number;
  private readonly pumpLater = (): void => this.pump();

  /**
   * @param host - the connection's session.
   * @param wire - the socket's queue; its `onIdle` is taken over to pull the next chunks.
   * @param config - the default lane's limits and policy, and the lanes.
   * @param soon - runs the end-of-tick scheduling.
   * @param meter - told of every change of the bytes held (a server's memory budget).
   */
  constructor(
    private readonly host: LaneHost,
    private readonly wire: OutboundQueue,
    config: LanesConfig,
    private readonly soon: (work: () => void) => void,
    meter?: ByteMeter,
  ) {
    this.meter = meter;
    this.cap = config.cap;
    const policy = config.onSendQueueFull;
    this.defaultLane = new LaneQueue('default', config.sendQueueLimit, config.sendQueueBytes, policy, 0, true);
    const all = [this.defaultLane];
    for (const [name, lane] of Object.entries(config.lanes)) {
      const demand = lane.policy === 'backpressure' || lane.policy === 'disconnect';
      const q = new LaneQueue(name, lane.limit, lane.bytes ?? config.sendQueueBytes, lane.policy, lane.priority ?? 0, demand);
      this.byName.set(name, q);
      all.push(q);
    }
    // Array.prototype.sort is stable: equal priorities keep the default lane first, then config order.
    this.lanes = all.sort((a, b) => a.priority - b.priority);
    wire.onIdle = () => this.pump();
  }

  /** Chunks waiting in all lanes. */
  get length(): number {
    return this.waiting;
  }

  /** Bytes waiting in all lanes. */
  get bytes(): number {
    return this.waitingBytes;
  }

  /** `true` while a lane that makes demand is full: the peer is not writable. */
  get blocking(): boolean {
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) if (lanes[i]!.demand && lanes[i]!.full) return true;
    return false;
  }

  /** The lane `message` goes to under `source`'s lanes (the default lane when it names none, or one not configured). */
  laneOf(source: LaneSource, message: unknown): LaneQueue {
    if (typeof message !== 'object' || message === null) return this.defaultLane;
    const tag: unknown = (message as Record<string, unknown>)[source.tag];
    // `lanes` has no prototype: a tag such as `toString` finds nothing.
    const name = typeof tag === 'string' ? source.lanes[tag] : undefined;
    return name === undefined ? this.defaultLane : (this.byName.get(name) ?? this.defaultLane);
  }

  /**
   * Queue a chunk in `lane` under the lane's policy.
   * @returns whether it was queued.
   */
  send(lane: LaneQueue, chunk: string | Uint8Array): boolean {
    const size = sizeOf(chunk);
    if (lane.full) {
      lane.pressured = true;
      switch (lane.policy) {
        case 'backpressure':
          if (lane.length >= this.cap * lane.limit || lane.bytes >= this.cap * lane.maxBytes) {
            this.host.queueFull(new SendQueueFullError(lane.limit));
            return false;
          }
          this.host.holdInput(true);
          break;
        case 'drop-newest':
          lane.dropped++;
          this.host.droppedOut('drop-newest', lane.name);
          return false;
        case 'drop-oldest':
          // As many as it takes to be under the limits again: the lane's bytes stay bounded by its
          // limit plus one message, however the sizes of its messages vary.
          while (lane.length > 0 && lane.full) {
            const dropped = lane.headSize();
            lane.shift();
            this.taken(dropped);
            lane.dropped++;
            this.host.droppedOut('drop-oldest', lane.name);
          }
          break;
        case 'disconnect':
          this.host.queueFull(new SendQueueFullError(lane.limit));
          return false;
      }
    }
    lane.push(chunk, size);
    this.waiting++;
    this.waitingBytes += size;
    this.meter?.add(size);
    if (!this.scheduled && !this.pumping && this.wire.idle) {
      this.scheduled = true;
      this.soon(this.pumpLater);
    }
    return true;
  }

  /**
   * Someone waits for room (or was relieved elsewhere while a lane is still full): each full lane
   * that makes demand reports its relief. @returns whether one was full.
   */
  expectRelief(): boolean {
    let full = false;
    for (const lane of this.lanes) {
      if (lane.demand && lane.full) {
        lane.pressured = true;
        full = true;
      }
    }
    return full;
  }

  /**
   * Move chunks to the socket's queue, the next lane's first, while that queue is idle; each batch
   * is written as one (coalesced) write. Called at the end of the tick after a send, and by the
   * socket's queue each time it becomes idle.
   */
  pump(): void {
    this.scheduled = false;
    if (this.pumping) return;
    this.pumping = true;
    const wire = this.wire;
    try {
      while (this.waiting > 0 && wire.idle) {
        wire.hold();
        try {
          for (let n = 0, bytes = 0; n < BATCH && bytes < MAX_WRITE && this.waiting > 0 && !wire.stalled; n++) {
            const lane = this.pick();
            const size = lane.headSize();
            const chunk = lane.shift();
            this.taken(size);
            lane.sent++;
            bytes += size;
            // The socket's queue counts it from now on (and its meter with it).
            wire.push(chunk, true);
            if (lane.pressured && lane.relieved) this.relieve(lane);
          }
        } finally {
          wire.release();
        }
      }
    } finally {
      this.pumping = false;
    }
    const waiters = this.emptyWaiters;
    if (waiters !== undefined && this.waiting === 0) {
      this.emptyWaiters = undefined;
      for (const w of waiters) w();
    }
  }

  /** Call `callback` once every lane is empty (at once if they are). */
  whenEmpty(callback: () => void): void {
    if (this.waiting === 0) callback();
    else (this.emptyWaiters ??= []).push(callback);
  }

  /** Stop telling the meter: what is queued is counted as let go now. */
  unmeter(): void {
    const meter = this.meter;
    this.meter = undefined;
    if (meter !== undefined && this.waitingBytes !== 0) meter.add(-this.waitingBytes);
  }

  /** Drop everything queued in every lane. @returns how many chunks were dropped. */
  clear(): number {
    let n = 0;
    for (const lane of this.lanes) n += lane.clear();
    if (this.waitingBytes !== 0) this.meter?.add(-this.waitingBytes);
    this.waiting = 0;
    this.waitingBytes = 0;
    return n;
  }

  /** Each lane's counters now, by name. */
  stats(): Readonly<Record<string, LaneStats>> {
    const out: Record<string, LaneStats> = {};
    for (const lane of this.lanes) out[lane.name] = { queued: lane.length, bytes: lane.bytes, sent: lane.sent, dropped: lane.dropped };
    return out;
  }

  /** Bookkeeping of `size` bytes that left a lane. */
  private taken(size: number): void {
    this.waiting--;
    this.waitingBytes -= size;
    this.meter?.add(-size);
  }

  /**
   * A lane drained to half its limits: tell the host, unless a lane that makes demand is still full
   * (that one then reports its own relief, whether or not a send was refused by it).
   */
  private relieve(lane: LaneQueue): void {
    lane.pressured = false;
    if (lane.demand && !this.expectRelief()) this.host.relieved();
  }

  /**
   * The lane whose chunk goes next (only while one waits): a starved lane (passed over
   * {@link LANE_STARVATION_LIMIT} times), else the lowest priority, ties to the one passed over most.
   * Every other waiting lane is passed over once more.
   */
  private pick(): LaneQueue {
    const lanes = this.lanes;
    let best: LaneQueue | undefined;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i]!;
      if (lane.length > 0 && (best === undefined || goesBefore(lane, best))) best = lane;
    }
    // Called only while a chunk waits, so some lane has one.
    const chosen = best!;
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[i]!;
      if (lane !== chosen && lane.length > 0) lane.skipped++;
    }
    chosen.skipped = 0;
    return chosen;
  }
}

/** Whether `a` goes before `b` (both waiting): starved first (the longer first), then by priority, then the longer passed over. */
function goesBefore(a: LaneQueue, b: LaneQueue): boolean {
  const aStarved = a.skipped >= LANE_STARVATION_LIMIT;
  const bStarved = b.skipped >= LANE_STARVATION_LIMIT;
  if (aStarved !== bStarved) return aStarved;
  if (aStarved) return a.skipped > b.skipped;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.skipped > b.skipped;
}
