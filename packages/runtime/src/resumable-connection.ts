import { Subscription, type SchedulerLike } from 'rxjs';
import {
  ResumeFrameError,
  ResumeRefusedError,
  toRxmsgError,
  type Connection,
  type ConnectionHandlers,
  type HandshakeInfo,
  type ResumeRefusalReason,
  type RxmsgError,
} from '@rxmsg/core';
import {
  RESUME_FRAME_HEADER_BYTES,
  ResumeFrameType,
  encodeAck,
  encodeResumeFrame,
  parseAck,
  type ResumeFrame,
} from '@rxmsg/core/internal';
import { ReplayBuffer } from './replay-buffer';
import type { LinkSink, ResumeLink } from './resume-link';

/** Largest data frame the layer sends on a stream transport: larger writes are split. */
export const RESUME_MAX_DATA_FRAME = 65_536;

/**
 * Largest data frame accepted on a connection of `framing`: {@link RESUME_MAX_DATA_FRAME} on a stream
 * (the sender splits), one whole message of the stack on a message transport (never split: one write
 * is one message), with room for its encoding.
 */
export function resumeDataLimit(framing: 'stream' | 'message', maxFrameBytes: number): number {
  return framing === 'stream' ? RESUME_MAX_DATA_FRAME : Math.max(RESUME_MAX_DATA_FRAME, maxFrameBytes + 1024);
}
/** Unacknowledged received bytes after which an ack is sent at once (else after {@link RESUME_ACK_DELAY_MS}). */
export const RESUME_ACK_BYTES = 16_384;
/** Longest an ack of received bytes waits. */
export const RESUME_ACK_DELAY_MS = 10;

/** Options of a {@link ResumableConnection}. */
export interface ResumableConnectionOptions {
  /** The first physical connection, its handshake done; its frames go to this connection from now on. */
  readonly link: ResumeLink;
  /** The session token (its first 8 bytes name it in a registry). */
  readonly token: Uint8Array;
  /** See `ResumeOptions.bufferBytes`. */
  readonly bufferBytes: number;
  /** See `ResumeOptions.windowMs`: how long it stays detached before it closes. */
  readonly windowMs: number;
  /** The reason it closes with once `windowMs` passed detached. */
  readonly expiry: ResumeRefusalReason;
  /** Received bytes it holds while its reader is paused before it pauses the physical connection too. */
  readonly holdBytes: number;
  readonly scheduler: SchedulerLike;
  /** Its physical connection was lost (not after its own close): a client dials again, a server waits. */
  readonly onDetached: (connection: ResumableConnection, error: RxmsgError | undefined) => void;
  /** It closed (called once, before its handlers' `onClose`). */
  readonly onClosed: (connection: ResumableConnection, error: RxmsgError | undefined) => void;
}

const encoder = new TextEncoder();

/**
 * A {@link Connection} that survives the loss of its physical connection: the session above it sees
 * one connection while the bytes travel over a sequence of physical ones (of a stream transport, or of
 * a message transport, where each data frame is one message). What it
 * sends is framed (data, ack, end, reset: see `docs/resume.md`) and kept in a {@link ReplayBuffer}
 * until the other side acknowledges it; after a resumption it replays from the offset the other side
 * received, so every byte arrives exactly once and in order.
 *
 * Bounds: it holds at most `bufferBytes` of unacknowledged output plus one write (`write()` answers
 * `false` from `bufferBytes` on, and `onDrain` follows once acknowledgements freed room), and, while
 * its reader is paused, at most `holdBytes` of received data plus one frame before it stops reading the
 * physical connection. Detached, it closes after `windowMs` with a `ResumeRefusedError`.
 */
export class ResumableConnection implements Connection, LinkSink {
  /** The framing of its physical connections (all of the same transport). */
  readonly framing: 'stream' | 'message';
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** What the first physical connection's handshake established (TLS peer, upgrade request); a resumption keeps it. */
  readonly handshake: HandshakeInfo | undefined;
  /** Session bytes delivered to the handlers. */
  bytesRead = 0;
  /** Session bytes written. */
  bytesWritten = 0;
  /** The peer id of the session on it (set by its factory; events name it). */
  peerId = 0;
  readonly token: Uint8Array;
  private link: ResumeLink | undefined;
  private handlers: ConnectionHandlers | undefined;
  private readonly sent = new ReplayBuffer();
  /**
   * Offset of the other side's output received, held frames included (its end counts as one): what a
   * resumption replays from, since held frames are kept across links.
   */
  private receivedOffset = 0;
  /** Offset delivered to the handlers: what acks report, so that the other side's buffer bounds what this side holds. */
  private deliveredOffset = 0;
  /** Offset the other side knows this side has (acked, or said in a handshake). */
  private ackedReceived = 0;
  private ackTimer: Subscription | undefined;
  private windowTimer: Subscription | undefined;
  /** Data frames received while paused, not yet delivered. */
  private held: ResumeFrame[] = [];
  private heldHead = 0;
  private heldBytes = 0;
  private linkPaused = false;
  private paused = false;
  private linkBlocked = false;
  private owedDrain = false;
  private endReceived = false;
  /** The other side's end frame arrived (delivered or held): nothing may follow it. */
  private endArrived = false;
  private closed = false;
  private closeDelivered = false;
  private closeError: RxmsgError | undefined;
  private heldScheduled = false;
  private readonly options: ResumableConnectionOptions;

  constructor(options: ResumableConnectionOptions) {
    this.options = options;
    this.token = options.token;
    this.link = options.link;
    this.framing = options.link.connection.framing;
    this.localAddress = options.link.connection.localAddress;
    this.remoteAddress = options.link.connection.remoteAddress;
    this.handshake = options.link.connection.handshake;
    options.link.handOver(this);
  }

  /** Offset of the other side's output received so far: where a resumption replays from. */
  get received(): number {
    return this.receivedOffset;
  }

  /** Offset of its own output the other side acknowledged (or said it received in a handshake). */
  get acknowledged(): number {
    return this.sent.acked;
  }

  /** Bytes sent and not acknowledged (the replay buffer). */
  get unacknowledged(): number {
    return this.sent.bytes;
  }

  /** Whether it has no physical connection now. */
  get detached(): boolean {
    return this.link === undefined && !this.closed;
  }

  /** Whether it closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether a resumption from `offset` (what the other side says it received) is possible. */
  canReplayFrom(offset: number): boolean {
    return offset >= this.sent.acked && offset <= this.sent.sent;
  }

  /**
   * Continue over `link`: drop what the other side received (`peerReceived`), replay the rest, and
   * read from it. The old link, if any, is given up.
   * @returns `false` (nothing changed) when closed or `peerReceived` is outside the replay buffer.
   */
  attach(link: ResumeLink, peerReceived: number): boolean {
    if (this.closed || link.connection.framing !== this.framing || !this.sent.ack(peerReceived)) return false;
    this.link?.drop();
    this.windowTimer?.unsubscribe();
    this.windowTimer = undefined;
    this.link = link;
    link.handOver(this);
    this.linkBlocked = false;
    this.linkPaused = false;
    this.sent.replayFrom(peerReceived, (chunk, end) => {
      const frame = end ? encodeResumeFrame(ResumeFrameType.End) : encodeResumeFrame(ResumeFrameType.Data, chunk);
      if (!link.write(frame)) this.linkBlocked = true;
    });
    this.ackedReceived = this.receivedOffset;
    if (this.heldBytes > this.options.holdBytes) this.pauseLink();
    this.afterAck();
    return true;
  }

  /** Close with `error` (a refused or expired resumption): the session above ends. */
  fail(error: RxmsgError): void {
    this.close(error, true);
  }

  // ---- Connection ------------------------------------------------------------------------------

  start(handlers: ConnectionHandlers): void {
    if (this.handlers !== undefined) throw new Error('ResumableConnection.start called twice');
    this.handlers = handlers;
    if (this.closed) queueMicrotask(() => this.deliverClose());
    else if (this.heldBytes > 0) this.scheduleHeld();
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed || this.sent.ended) return false;
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    this.bytesWritten += bytes.length;
    const link = this.link;
    // A message transport keeps one write as one message: never split there.
    const most = this.framing === 'stream' ? RESUME_MAX_DATA_FRAME : Math.max(1, bytes.length);
    for (let at = 0; at < bytes.length; at += most) {
      const n = Math.min(most, bytes.length - at);
      const frame = encodeResumeFrame(ResumeFrameType.Data, bytes, at, n);
      // The frame is a copy: the writer may reuse its array once write() returned.
      this.sent.append(frame.subarray(RESUME_FRAME_HEADER_BYTES));
      if (link !== undefined && !link.write(frame)) this.linkBlocked = true;
    }
    if (this.writable()) return true;
    this.owedDrain = true;
    return false;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.heldBytes > 0) this.scheduleHeld();
  }

  end(): void {
    if (this.closed || this.sent.ended) return;
    this.sent.appendEnd();
    this.link?.write(encodeResumeFrame(ResumeFrameType.End));
    this.checkFinished();
  }

  destroy(): void {
    if (this.closed) return;
    // Tell the other side not to try resuming a session that is gone.
    this.close(undefined, false);
  }

  // ---- LinkSink --------------------------------------------------------------------------------

  /** @internal */
  frame(link: ResumeLink, frame: ResumeFrame): void {
    if (link !== this.link || this.closed) return;
    switch (frame.type) {
      case ResumeFrameType.Data:
      case ResumeFrameType.End:
        if (this.endArrived) {
          // Replays start after what this side received, its end included: only a broken or hostile peer sends this.
          this.fail(new ResumeFrameError(`${frame.type === ResumeFrameType.End ? 'a second end' : 'data'} after the end of the other side's output`));
          return;
        }
        if (frame.type === ResumeFrameType.End) this.endArrived = true;
        this.receivedOffset += frame.type === ResumeFrameType.End ? 1 : frame.payload.length;
        // Behind held frames, or before the session started reading: keep the order.
        if (this.paused || this.heldBytes > 0 || this.handlers === undefined) this.hold(frame);
        else this.deliver(frame);
        return;
      case ResumeFrameType.Ack: {
        let offset: number;
        try {
          offset = parseAck(frame.payload);
        } catch (error) {
          this.fail(toRxmsgError(error, (c) => new ResumeFrameError(String(c), { cause: c })));
          return;
        }
        // Acks only move forward; an old one (replayed after a resumption) is harmless.
        if (offset <= this.sent.acked) return;
        if (!this.sent.ack(offset)) {
          this.fail(new ResumeFrameError(`ack of ${offset} bytes, only ${this.sent.sent} sent`));
          return;
        }
        this.afterAck();
        return;
      }
      case ResumeFrameType.Reset:
        this.close(undefined, true);
        return;
      default:
        this.fail(new ResumeFrameError(`unexpected handshake frame 0x${frame.type.toString(16)} after the handshake`));
    }
  }

  /** @internal */
  linkDrained(link: ResumeLink): void {
    if (link !== this.link) return;
    this.linkBlocked = false;
    this.maybeDrain();
  }

  /** @internal */
  linkLost(link: ResumeLink, error: RxmsgError | undefined): void {
    if (link !== this.link || this.closed) return;
    this.link = undefined;
    this.linkBlocked = false;
    this.ackTimer?.unsubscribe();
    this.ackTimer = undefined;
    this.windowTimer = this.options.scheduler.schedule(() => this.fail(new ResumeRefusedError(this.options.expiry)), this.options.windowMs);
    this.options.onDetached(this, error);
  }

  // ---- internals -------------------------------------------------------------------------------

  private writable(): boolean {
    return !this.linkBlocked && this.sent.bytes < this.options.bufferBytes;
  }

  private maybeDrain(): void {
    if (!this.owedDrain || this.closed || !this.writable()) return;
    this.owedDrain = false;
    this.handlers?.onDrain();
  }

  private afterAck(): void {
    this.maybeDrain();
    this.checkFinished();
  }

  private hold(frame: ResumeFrame): void {
    this.held.push(frame);
    this.heldBytes += frame.payload.length + 1;
    if (this.heldBytes > this.options.holdBytes) this.pauseLink();
    if (!this.paused) this.scheduleHeld();
  }

  private scheduleHeld(): void {
    if (this.heldScheduled || this.handlers === undefined) return;
    this.heldScheduled = true;
    queueMicrotask(() => {
      this.heldScheduled = false;
      this.deliverHeld();
    });
  }

  /** Deliver held frames while not paused (a microtask after `resume()`, never inside it). */
  private deliverHeld(): void {
    while (!this.paused && !this.closed && this.heldHead < this.held.length && this.handlers !== undefined) {
      const frame = this.held[this.heldHead] as ResumeFrame;
      this.held[this.heldHead++] = undefined as unknown as ResumeFrame; // released for the GC; the slot is never read again
      this.heldBytes -= frame.payload.length + 1;
      this.deliver(frame);
    }
    if (this.heldHead === this.held.length) {
      this.held = [];
      this.heldHead = 0;
    } else if (this.heldHead >= 1024 && this.heldHead * 2 >= this.held.length) {
      // Under steady backpressure the queue never empties: reclaim the delivered slots (amortised O(1)).
      this.held.splice(0, this.heldHead);
      this.heldHead = 0;
    }
    if (this.linkPaused && this.heldBytes <= this.options.holdBytes / 2) {
      this.linkPaused = false;
      this.link?.connection.resume();
    }
  }

  private deliver(frame: ResumeFrame): void {
    const handlers = this.handlers as ConnectionHandlers;
    if (frame.type === ResumeFrameType.End) {
      this.deliveredOffset += 1;
      this.endReceived = true;
      this.sendAck();
      handlers.onEnd();
      this.checkFinished();
      return;
    }
    const n = frame.payload.length;
    this.deliveredOffset += n;
    this.bytesRead += n;
    handlers.onData(frame.payload);
    // The session may have closed this connection from its handler: no timer for a closed one.
    if (this.closed) return;
    if (this.deliveredOffset - this.ackedReceived >= RESUME_ACK_BYTES) this.sendAck();
    else this.ackTimer ??= this.options.scheduler.schedule(() => {
      this.ackTimer = undefined;
      this.sendAck();
    }, RESUME_ACK_DELAY_MS);
  }

  private sendAck(): void {
    this.ackTimer?.unsubscribe();
    this.ackTimer = undefined;
    const link = this.link;
    if (link === undefined || this.closed || this.deliveredOffset <= this.ackedReceived) return;
    this.ackedReceived = this.deliveredOffset;
    link.write(encodeAck(this.deliveredOffset));
  }

  private pauseLink(): void {
    if (this.linkPaused) return;
    this.linkPaused = true;
    this.link?.connection.pause();
  }

  /** Both sides ended their output and ours is acknowledged (the end included): the connection is done. */
  private checkFinished(): void {
    if (this.closed || !this.endReceived || !this.sent.ended || this.sent.bytes > 0 || this.link === undefined) return;
    this.sendAck();
    const link = this.link;
    this.link = undefined;
    link.finish();
    this.close(undefined, true);
  }

  private close(error: RxmsgError | undefined, remote: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    this.ackTimer?.unsubscribe();
    this.windowTimer?.unsubscribe();
    const link = this.link;
    this.link = undefined;
    if (link !== undefined) {
      if (remote) link.drop();
      else link.finish(encodeResumeFrame(ResumeFrameType.Reset));
    }
    this.held = [];
    this.heldHead = 0;
    this.heldBytes = 0;
    this.options.onClosed(this, error);
    if (this.handlers !== undefined) queueMicrotask(() => this.deliverClose());
  }

  private deliverClose(): void {
    if (this.closeDelivered) return;
    this.closeDelivered = true;
    this.handlers?.onClose(this.closeError);
  }
}
