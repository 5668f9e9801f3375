import { ReceiveBufferFullError, TransportError } from '@rxmsg/core';
import { CLOSE_CODES, closeError } from './close-codes';
import { DEFAULT_HIGH_WATER_MARK, MessageConnection } from './message-connection';
import { OPEN, type WebSocketEventLike, type WebSocketLike } from './web-socket-like';

/** How often `bufferedAmount` is checked while a write waits for `drain`, in ms. */
const DRAIN_POLL_MS = 10;

const encoder = new TextEncoder();

/**
 * Bytes a browser connection holds while its reader is paused before it closes: 4 MiB, four
 * times the default `maxFrameBytes`.
 */
export const DEFAULT_RECEIVE_BUFFER_BYTES = 4 * 1_048_576;

const EMPTY = new Uint8Array(0);

/** WebSocket close code 1008, policy violation: sent when the receive buffer overflows. */
const POLICY_VIOLATION = 1008;

/**
 * Adapts an open WHATWG `WebSocket` (a browser's) to core's `Connection`, with
 * `framing: 'message'`. Browser-safe: no `Buffer`, no Node built-ins.
 *
 * Browsers limit what can be done with a WebSocket:
 * - no `drain` event exists: while a write waits for it, `bufferedAmount` is polled every
 *   10 ms, and the timer is cleared on `drain` and on close;
 * - reading cannot be paused: while paused, the messages that keep coming are held here, in
 *   order, and delivered on `resume()`; at most `receiveBufferBytes` of them (default
 *   {@link DEFAULT_RECEIVE_BUFFER_BYTES}). One more byte and the connection closes itself with code
 *   1008 and reports a `ReceiveBufferFullError` (`RECEIVE_BUFFER_FULL`) as its close error: the
 *   session ends with reason `transport-error`, whatever its decode policy, since dropping valid
 *   messages would break the protocol silently. So a connection holds at most the session's frame
 *   buffer (`maxFrameBytes` + 64 KiB + one message, where the session pauses) plus `receiveBufferBytes`;
 * - there is no incoming size limit (`maxPayload`): the session's `maxFrameBytes` refuses a large
 *   message only after the browser received it whole;
 * - unsent data cannot be dropped: `destroy()` starts a close and reports `close` at once.
 */
export class BrowserWsConnection extends MessageConnection {
  private poll: ReturnType<typeof setInterval> | undefined;
  private lastError: TransportError | undefined;
  /** Messages received while paused (from `heldHead` on), and their bytes. */
  private held: Uint8Array[] = [];
  private heldHead = 0;
  private heldBytes = 0;
  private holding = false;
  private flushScheduled = false;

  /**
   * @param ws - an open WebSocket; its `binaryType` is set to `'arraybuffer'`.
   * @param localAddress - local end as an address string (browsers do not tell it).
   * @param remoteAddress - remote end: the URL dialled.
   * @param highWaterMark - bytes buffered for sending before `write()` returns `false`.
   * @param receiveBufferBytes - bytes held while reading is paused before the connection closes.
   */
  constructor(
    private readonly ws: WebSocketLike,
    localAddress: string,
    remoteAddress: string,
    highWaterMark = DEFAULT_HIGH_WATER_MARK,
    private readonly receiveBufferBytes = DEFAULT_RECEIVE_BUFFER_BYTES,
  ) {
    super(localAddress, remoteAddress, highWaterMark);
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('error', this.onError);
    ws.addEventListener('message', this.onMessage);
    ws.addEventListener('close', this.onClose);
  }

  end(): void {
    if (this.ws.readyState === OPEN) this.ws.close(CLOSE_CODES.normal);
  }

  destroy(): void {
    if (this.isClosed) return;
    if (this.ws.readyState === OPEN) this.ws.close(CLOSE_CODES.normal);
    // Like a Node socket's destroy(): `close` follows on a later tick, not inside this call.
    queueMicrotask(() => this.closedBy(false, undefined));
  }

  protected isOpen(): boolean {
    return this.ws.readyState === OPEN;
  }

  protected send(chunk: string | Uint8Array): void {
    this.ws.send(chunk);
  }

  protected bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  protected watchDrain(): void {
    // Browsers have no event for a falling bufferedAmount: poll it while a drain is owed.
    this.poll ??= setInterval(() => this.checkDrain(), DRAIN_POLL_MS);
  }

  protected unwatchDrain(): void {
    if (this.poll !== undefined) clearInterval(this.poll);
    this.poll = undefined;
  }

  protected pauseReading(): void {
    // A browser WebSocket cannot stop reading: hold what comes, up to the bound.
    this.holding = true;
  }

  protected resumeReading(): void {
    this.holding = false;
    // Delivered a microtask later, as a Node socket's data would be, never inside the resume() call.
    if (this.heldHead < this.held.length && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushHeld);
    }
  }

  protected detach(): void {
    this.held = [];
    this.heldHead = 0;
    this.heldBytes = 0;
    this.unwatchDrain();
    this.ws.removeEventListener('error', this.onError);
    this.ws.removeEventListener('message', this.onMessage);
    this.ws.removeEventListener('close', this.onClose);
  }

  private readonly onError = (): void => {
    // Browsers tell nothing more about a WebSocket error; `close` (1006) follows.
    this.lastError ??= new TransportError('WebSocket error');
  };

  private readonly onMessage = (event: WebSocketEventLike): void => {
    const data = event.data;
    let payload: Uint8Array;
    if (typeof data === 'string') payload = encoder.encode(data);
    else if (data instanceof ArrayBuffer) payload = new Uint8Array(data);
    else if (ArrayBuffer.isView(data)) payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else return;
    // Held while paused, and after it while older held messages wait: order is kept.
    if (this.holding || this.heldHead < this.held.length) this.hold(payload);
    else this.received(payload);
  };

  private hold(payload: Uint8Array): void {
    if (this.isClosed) return;
    if (this.heldBytes + payload.length > this.receiveBufferBytes) {
      if (this.ws.readyState === OPEN) this.ws.close(POLICY_VIOLATION, 'receive buffer full');
      this.held = [];
      this.heldHead = 0;
      this.heldBytes = 0;
      this.closedBy(false, new ReceiveBufferFullError(this.receiveBufferBytes));
      return;
    }
    this.held.push(payload);
    this.heldBytes += payload.length;
  }

  private readonly flushHeld = (): void => {
    this.flushScheduled = false;
    // Each delivery may pause reading again: stop there, the rest waits for the next resume().
    while (!this.holding && !this.isClosed && this.heldHead < this.held.length) {
      const payload = this.held[this.heldHead]!;
      this.held[this.heldHead++] = EMPTY;
      this.heldBytes -= payload.length;
      this.received(payload);
    }
    if (this.heldHead === this.held.length) {
      this.held = [];
      this.heldHead = 0;
    } else if (this.heldHead > 1024 && this.heldHead * 2 > this.held.length) {
      // Forget the delivered slots now and then: O(1) per message, and the array stays bounded.
      this.held = this.held.slice(this.heldHead);
      this.heldHead = 0;
    }
  };

  private readonly onClose = (event: WebSocketEventLike): void => {
    const code = event.code ?? CLOSE_CODES.abnormal;
    this.closedBy(code !== CLOSE_CODES.abnormal, this.lastError ?? closeError(code, event.reason ?? ''));
  };
}
