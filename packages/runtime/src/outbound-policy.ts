import {
  FlowControlError,
  FrameTooLargeError,
  SendQueueFullError,
  type BaseConfig,
  type Codec,
  type Connection,
  type HeartbeatKind,
} from '@rxmsg/core';
import { OutboundLanes, type LaneSource } from './outbound-lanes';
import { FAN_OUT } from './encode-memo';
import { OutboundQueue, type ByteMeter } from './outbound-queue';
import type { LaneStats } from './session-stats';

/**
 * Under `onSendQueueFull: 'backpressure'` the queue still takes what the processor emits from input
 * it already received, up to this many times the configured limits; past that, the connection is
 * closed with `send-queue-full` (a sender ignoring backpressure, not a slow reader).
 */
export const BACKPRESSURE_CAP = 8;

/** What an {@link OutboundPolicy} asks of the connection it sends on. */
export interface OutboundHost {
  /** Stop reading input while the queue is over its limits (`backpressure`). */
  holdInput(on: boolean): void;
  /** The queue, after being full (or awaited), drained to half its limits: read input again, wake waiting producers. */
  relieved(): void;
  /** The queue is full under `disconnect`, or past the cap under `backpressure`: close the connection. */
  queueFull(error: SendQueueFullError): void;
  /** A drop policy (of `lane`, when the config has lanes) discarded an outbound message. */
  droppedOut(cause: 'drop-newest' | 'drop-oldest' | 'no-credit', lane?: string): void;
}

/** The limits an {@link OutboundPolicy} enforces; `lanes` absent or empty: one queue, no lanes. */
export type OutboundConfig = Pick<BaseConfig, 'maxFrameBytes' | 'sendQueueLimit' | 'sendQueueBytes' | 'onSendQueueFull'> &
  Partial<Pick<BaseConfig, 'lanes'>>;

// Called unbound, so wrapped: browsers throw 'Illegal invocation' for a detached queueMicrotask.
const microtask = (work: () => void): void => queueMicrotask(work);

/**
 * Everything a connection sends goes through here: encoding, the frame size limit, and the
 * bounded {@link OutboundQueue} under the `onSendQueueFull` policy. Control frames (heartbeats and
 * credit grants) are the framework's, not the application's: no policy drops them or closes the
 * connection for them while the queue is within {@link BACKPRESSURE_CAP} times its limits (a
 * producer that respects demand keeps the queue at its limit, and its peer's pings must still be
 * answered). At most one heartbeat of each kind waits in the queue: a peer that sends pings and
 * never reads makes the connection hold one pong, not one per ping.
 */
export class OutboundPolicy {
  /** The queue in front of the connection. */
  readonly queue: OutboundQueue;
  /** The outbound lanes in front of {@link queue}, when the config has lanes. */
  readonly lanes: OutboundLanes | undefined;
  /** Messages handed to the connection (control frames, and messages dropped or cleared from a queue, not counted). */
  get messagesOut(): number {
    return this.queue.written;
  }
  /** `queue.pushed` right after the last ping was queued; it left the queue once `queue.settled` reaches it. */
  private pingAt = 0;
  /** The same for the last pong. */
  private pongAt = 0;

  /**
   * @param host - the connection's session.
   * @param connection - where chunks are written.
   * @param config - frame and queue limits, and the policy.
   * @param stream - `true` for byte streams (frames, coalesced writes), `false` for message transports.
   * @param soon - the end-of-tick scheduler of the queue's flush (tests pass virtual time's).
   * @param meter - told of every change of the bytes queued (a server's memory budget).
   */
  constructor(
    private readonly host: OutboundHost,
    connection: Connection,
    private readonly config: OutboundConfig,
    private readonly stream: boolean,
    soon?: (work: () => void) => void,
    meter?: ByteMeter,
  ) {
    this.queue = new OutboundQueue(
      connection,
      // Message transports keep one message per write: only byte streams are coalesced.
      meter === undefined
        ? { messages: config.sendQueueLimit, bytes: config.sendQueueBytes, coalesce: stream }
        : { messages: config.sendQueueLimit, bytes: config.sendQueueBytes, coalesce: stream, meter },
      this,
      soon,
    );
    const lanes = config.lanes;
    // No lanes configured: undefined, and every send takes the single-queue path below.
    this.lanes =
      lanes !== undefined && Object.keys(lanes).length > 0
        ? new OutboundLanes(host, this.queue, { ...config, lanes, cap: BACKPRESSURE_CAP }, soon ?? microtask, meter)
        : undefined;
  }

  /** @internal {@link ReliefListener}: the queue drained to half its limits after being full. */
  queueRelieved(): void {
    // With lanes, a lane that is still full keeps the processor waiting and the input held.
    if (this.lanes === undefined || !this.lanes.expectRelief()) this.host.relieved();
  }

  /** Messages waiting to be sent: in the socket's queue and the lanes. */
  get queued(): number {
    return this.queue.length + (this.lanes?.length ?? 0);
  }

  /** Bytes waiting to be sent: in the socket's queue and the lanes. */
  get bytes(): number {
    return this.queue.bytes + (this.lanes?.bytes ?? 0);
  }

  /** `true` while the queue (or a lane that makes demand) is full: the peer is not writable. */
  get full(): boolean {
    return this.queue.full || (this.lanes !== undefined && this.lanes.blocking);
  }

  /** Someone waits for room: report relief once there is. */
  expectRelief(): void {
    this.queue.expectRelief();
    this.lanes?.expectRelief();
  }

  /** Call `callback` once every lane is empty and the socket took everything. */
  whenIdle(callback: () => void): void {
    const lanes = this.lanes;
    if (lanes === undefined || lanes.length === 0) this.queue.whenIdle(callback);
    else lanes.whenEmpty(() => this.whenIdle(callback));
  }

  /** Drop everything queued, lanes included. @returns how many chunks were dropped. */
  clear(): number {
    return this.queue.clear() + (this.lanes?.clear() ?? 0);
  }

  /** Stop telling the meter (the connection is being destroyed). */
  unmeter(): void {
    this.queue.unmeter();
    this.lanes?.unmeter();
  }

  /** `{ lanes }` with each lane's counters when the config has lanes, else `{}` (spread into the session's stats). */
  laneStats(): { readonly lanes?: Readonly<Record<string, LaneStats>> } {
    return this.lanes === undefined ? {} : { lanes: this.lanes.stats() };
  }

  /**
   * Encode one message and queue it under the policy (in its lane, when the config has lanes).
   * @param source - where its lane is read from (its protocol); the default lane when absent.
   * @returns whether it was queued.
   * @throws what the codec throws, and {@link FrameTooLargeError} for a message over `maxFrameBytes`.
   */
  send(codec: Codec, message: unknown, source?: LaneSource): boolean {
    // Inside a room send, the message is encoded once per codec and framing, not once per peer.
    const memo = FAN_OUT.memo;
    const chunk =
      memo === undefined ? (this.stream ? codec.encodeFrame(message) : codec.encodePayload(message)) : memo.encode(codec, this.stream, message);
    const max = this.config.maxFrameBytes;
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: count exactly only when that bound is over the limit.
    if ((typeof chunk === 'string' ? chunk.length * 3 : chunk.length) > max) {
      // The limit is on the payload, as the peer's framer checks it: a frame carries the framing besides.
      const payload = codec.byteLength(chunk) - (this.stream ? framingBytes(codec) : 0);
      if (payload > max) throw new FrameTooLargeError(payload, max);
    }
    const lanes = this.lanes;
    if (lanes !== undefined) return lanes.send(source === undefined ? lanes.defaultLane : lanes.laneOf(source, message), chunk);
    return this.enqueue(chunk);
  }

  /**
   * Queue a heartbeat (past the limits if need be, see the class), unless the last one of its kind
   * is still queued (it answers for this one too). @returns whether one was queued.
   * @throws what the codec throws.
   */
  control(codec: Codec, kind: HeartbeatKind): boolean {
    const q = this.queue;
    const left = q.settled;
    if ((kind === 'pong' ? this.pongAt : this.pingAt) > left) return false;
    if (!this.enqueueControl(codec.controlFrame(kind, this.stream))) return false;
    if (kind === 'pong') this.pongAt = q.pushed;
    else this.pingAt = q.pushed;
    return true;
  }

  /**
   * Queue a credit grant (past the limits if need be, see the class; grants add up, so each one is sent).
   * @returns whether it was queued.
   * @throws {@link @rxmsg/core!FlowControlError} when the codec has no credit frames; what the codec throws.
   */
  credit(codec: Codec, stream: number, n: number): boolean {
    if (codec.creditFrame === undefined) throw new FlowControlError(`codec ${codec.name} has no credit frames`);
    return this.enqueueControl(codec.creditFrame(stream, n, this.stream));
  }

  /**
   * Queue a control frame: past the limits if need be, up to the hard cap; past the cap the
   * connection is closed with `send-queue-full` (the peer is not reading at all).
   */
  private enqueueControl(chunk: string | Uint8Array): boolean {
    const queue = this.queue;
    const config = this.config;
    if (queue.push(chunk, false, true)) return true;
    if (queue.length >= BACKPRESSURE_CAP * config.sendQueueLimit || queue.bytes >= BACKPRESSURE_CAP * config.sendQueueBytes) {
      this.host.queueFull(new SendQueueFullError(config.sendQueueLimit));
      return false;
    }
    return queue.push(chunk, true, true);
  }

  /** Queue one chunk under the outbound policy. @returns whether it was queued. */
  private enqueue(chunk: string | Uint8Array): boolean {
    const queue = this.queue;
    if (queue.push(chunk)) return true;
    const config = this.config;
    const policy = config.onSendQueueFull;
    switch (policy) {
      case 'backpressure':
        // Over the limit by what the processor emits from input it already has: stop its input.
        // A hard cap of BACKPRESSURE_CAP times the limits bounds senders that ignore input (timers, other peers).
        if (queue.length < BACKPRESSURE_CAP * config.sendQueueLimit && queue.bytes < BACKPRESSURE_CAP * config.sendQueueBytes) {
          queue.push(chunk, true);
          this.host.holdInput(true);
          return true;
        }
        // A sender that ignores backpressure (a synchronous burst, a timer) would otherwise grow the
        // queue without bound: fail loudly rather than lose messages silently.
        this.host.queueFull(new SendQueueFullError(config.sendQueueLimit));
        return false;
      case 'drop-newest':
        this.host.droppedOut(policy);
        return false;
      case 'drop-oldest':
        // Control frames are never dropped: with one oldest, the new message is refused instead.
        if (queue.oldestIsControl) {
          this.host.droppedOut('drop-newest');
          return false;
        }
        queue.dropOldest();
        queue.push(chunk, true);
        this.host.droppedOut(policy);
        return true;
      case 'disconnect':
        this.host.queueFull(new SendQueueFullError(config.sendQueueLimit));
        return false;
    }
  }
}

/** Bytes a codec's framing adds to a payload (a line terminator, a length prefix), measured on its own heartbeat. */
function framingBytes(codec: Codec): number {
  return codec.byteLength(codec.controlFrame('ping', true)) - codec.byteLength(codec.controlFrame('ping', false));
}
