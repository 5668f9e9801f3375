import { type Connection, type ConnectionHandlers, type RxmsgError } from '@rxmsg/core';
import { utf8Length } from '@rxmsg/core/internal';

const LIVE = 1;
const CLOSED = 2;
const READING_PAUSED = 4;
const BLOCKED = 8;

/** Bytes a WebSocket may buffer for sending before {@link Connection.write} returns `false`: 1 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 1_048_576;

/**
 * The part of a {@link Connection} over one WebSocket that does not depend on the WebSocket
 * implementation (Node's `ws`, a browser's global `WebSocket`): message framing, events held
 * until {@link Connection.start} and delivered after it returns, the write high-water mark and
 * `drain`, byte counters, and a `close` reported exactly once, last. Browser-safe.
 *
 * Byte counters count message payloads (text as UTF-8), not WebSocket frame headers.
 */
export abstract class MessageConnection implements Connection {
  /** Message boundaries are kept (a prototype getter: no field per connection). */
  get framing(): 'message' {
    return 'message';
  }
  private handlers: ConnectionHandlers | undefined;
  /**
   * Messages received before the handlers were ready for them. Reading is not paused meanwhile (a
   * paused socket would not see the peer's close frame either): the runtime starts a connection in
   * the tick it gets it, so this holds what arrives within a few microtasks at most.
   */
  private backlog: Uint8Array[] | undefined;
  /** The boolean states below, one bit each (one field per connection rather than four); subclasses use bits from 16 up. */
  protected bits = 0;
  /** `true` once the backlog was delivered: messages then go straight to `handlers.onData`. */
  private get live(): boolean {
    return (this.bits & LIVE) !== 0;
  }
  private set live(on: boolean) {
    this.bits = on ? this.bits | LIVE : this.bits & ~LIVE;
  }
  /** How the socket closed, when it closed before the backlog was delivered. */
  private pendingClose: { readonly ended: boolean; readonly error: RxmsgError | undefined } | undefined;
  private get closed(): boolean {
    return (this.bits & CLOSED) !== 0;
  }
  private set closed(on: boolean) {
    this.bits = on ? this.bits | CLOSED : this.bits & ~CLOSED;
  }
  private get readingPaused(): boolean {
    return (this.bits & READING_PAUSED) !== 0;
  }
  private set readingPaused(on: boolean) {
    this.bits = on ? this.bits | READING_PAUSED : this.bits & ~READING_PAUSED;
  }
  /** `write()` returned `false`: `drain` is owed once the buffer falls to half the high-water mark. */
  private get blocked(): boolean {
    return (this.bits & BLOCKED) !== 0;
  }
  private set blocked(on: boolean) {
    this.bits = on ? this.bits | BLOCKED : this.bits & ~BLOCKED;
  }
  private read = 0;
  private written = 0;

  /**
   * @param localAddress - local end as an address string.
   * @param remoteAddress - remote end as an address string.
   * @param highWaterMark - bytes buffered for sending before `write()` returns `false`.
   */
  protected constructor(
    readonly localAddress: string,
    readonly remoteAddress: string,
    protected readonly highWaterMark: number,
  ) {}

  get bytesRead(): number {
    return this.read;
  }

  get bytesWritten(): number {
    return this.written;
  }

  /** Whether `write()` returned `false` and `drain` is still owed. */
  protected get isBlocked(): boolean {
    return this.blocked;
  }

  /** Whether the close was already reported (or is held for delivery). */
  protected get isClosed(): boolean {
    return this.closed || this.pendingClose !== undefined;
  }

  start(handlers: ConnectionHandlers): void {
    if (this.handlers !== undefined) throw new Error(`${this.constructor.name}.start called twice`);
    this.handlers = handlers;
    // The session creates its first stage after start() returns: deliver what is held a microtask later.
    // A closure made once, when started: a method bound at construction would stay with every connection.
    queueMicrotask(() => this.goLive());
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.isClosed || !this.isOpen()) return false;
    const bytes = typeof chunk === 'string' ? this.textBytes(chunk) : chunk.length;
    this.written += bytes;
    this.send(chunk, bytes);
    if (this.bufferedAmount() < this.highWaterMark) return true;
    if (!this.blocked) {
      this.blocked = true;
      this.watchDrain();
    }
    return false;
  }

  pause(): void {
    if (this.readingPaused || this.closed) return;
    this.readingPaused = true;
    this.pauseReading();
  }

  resume(): void {
    if (!this.readingPaused || this.closed) return;
    this.readingPaused = false;
    this.resumeReading();
  }

  abstract end(): void;
  abstract destroy(): void;

  /** The UTF-8 length of `text` (a platform may count faster than this portable loop). */
  protected textBytes(text: string): number {
    return utf8Length(text);
  }

  /** Whether the WebSocket is open for sending. */
  protected abstract isOpen(): boolean;
  /** Send one message of `bytes` payload bytes: a string as a text message, bytes as a binary one. */
  protected abstract send(chunk: string | Uint8Array, bytes: number): void;
  /** Bytes queued by the WebSocket and not yet handed to the network. */
  protected abstract bufferedAmount(): number;
  /** Start watching for the send buffer to fall (call {@link checkDrain} when it may have). */
  protected abstract watchDrain(): void;
  /** Stop what {@link watchDrain} started. */
  protected abstract unwatchDrain(): void;
  /** Stop reading from the network (where the platform can). */
  protected abstract pauseReading(): void;
  /** Resume reading from the network. */
  protected abstract resumeReading(): void;
  /** Remove the listeners added to the WebSocket; called once, when it closed. */
  protected abstract detach(): void;

  /** One whole message arrived. */
  protected received(payload: Uint8Array): void {
    if (this.isClosed) return;
    this.read += payload.length;
    if (this.live) this.handlers?.onData(payload);
    else (this.backlog ??= []).push(payload);
  }

  /** The send buffer may have fallen: report `drain` once it is at half the high-water mark or below. */
  protected checkDrain(): void {
    if (!this.blocked || this.isClosed || this.bufferedAmount() > this.highWaterMark / 2) return;
    this.blocked = false;
    this.unwatchDrain();
    this.handlers?.onDrain();
  }

  /**
   * The WebSocket is closed. `ended`: a close frame came from the peer (the remote side finished,
   * reported as `end` before `close`). Reports `close` exactly once, after any held messages.
   */
  protected closedBy(ended: boolean, error: RxmsgError | undefined): void {
    if (this.isClosed) return;
    if (this.live) this.finish(ended, error);
    else this.pendingClose = { ended, error };
  }

  private goLive(): void {
    const h = this.handlers;
    if (h === undefined || this.live) return;
    const backlog = this.backlog;
    this.backlog = undefined;
    if (backlog !== undefined) for (const payload of backlog) h.onData(payload);
    this.live = true;
    const pending = this.pendingClose;
    if (pending !== undefined) {
      this.pendingClose = undefined;
      this.finish(pending.ended, pending.error);
    }
  }

  private finish(ended: boolean, error: RxmsgError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.backlog = undefined;
    if (this.blocked) {
      this.blocked = false;
      this.unwatchDrain();
    }
    this.detach();
    const h = this.handlers;
    if (ended && error === undefined) h?.onEnd();
    h?.onClose(error);
  }
}
