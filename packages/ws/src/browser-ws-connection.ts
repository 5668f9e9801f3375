import { TransportError } from '@rxmsg/core';
import { CLOSE_CODES, closeError } from './close-codes';
import { DEFAULT_HIGH_WATER_MARK, MessageConnection } from './message-connection';
import { OPEN, type WebSocketEventLike, type WebSocketLike } from './web-socket-like';

/** How often `bufferedAmount` is checked while a write waits for `drain`, in ms. */
const DRAIN_POLL_MS = 10;

const encoder = new TextEncoder();

/**
 * Adapts an open WHATWG `WebSocket` (a browser's) to core's `Connection`, with
 * `framing: 'message'`. Browser-safe: no `Buffer`, no Node built-ins.
 *
 * Browsers limit what can be done with a WebSocket:
 * - no `drain` event exists: while a write waits for it, `bufferedAmount` is polled every
 *   10 ms, and the timer is cleared on `drain` and on close;
 * - reading cannot be paused: `pause()`/`resume()` do nothing, and messages keep coming (the
 *   session holds them, bounded by what the server sends);
 * - there is no incoming size limit (`maxPayload`): the session's `maxFrameBytes` refuses a large
 *   message only after the browser received it whole;
 * - unsent data cannot be dropped: `destroy()` starts a close and reports `close` at once.
 */
export class BrowserWsConnection extends MessageConnection {
  private poll: ReturnType<typeof setInterval> | undefined;
  private lastError: TransportError | undefined;

  /**
   * @param ws - an open WebSocket; its `binaryType` is set to `'arraybuffer'`.
   * @param localAddress - local end as an address string (browsers do not tell it).
   * @param remoteAddress - remote end: the URL dialled.
   * @param highWaterMark - bytes buffered for sending before `write()` returns `false`.
   */
  constructor(
    private readonly ws: WebSocketLike,
    localAddress: string,
    remoteAddress: string,
    highWaterMark = DEFAULT_HIGH_WATER_MARK,
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
    // A browser WebSocket cannot stop reading.
  }

  protected resumeReading(): void {}

  protected detach(): void {
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
    if (typeof data === 'string') this.received(encoder.encode(data));
    else if (data instanceof ArrayBuffer) this.received(new Uint8Array(data));
    else if (ArrayBuffer.isView(data)) this.received(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  };

  private readonly onClose = (event: WebSocketEventLike): void => {
    const code = event.code ?? CLOSE_CODES.abnormal;
    this.closedBy(code !== CLOSE_CODES.abnormal, this.lastError ?? closeError(code, event.reason ?? ''));
  };
}
