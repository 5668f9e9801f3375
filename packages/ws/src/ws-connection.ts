import type { Duplex } from 'node:stream';
import { TransportError, type HandshakeInfo } from '@rxmsg/core';
import { WebSocket, type RawData } from 'ws';
import { DEFAULT_HIGH_WATER_MARK, MessageConnection } from './message-connection';
import { closeError } from './close-codes';
import { UpgradeRecord } from './upgrade-handshake';

/**
 * Adapts an open WebSocket of the `ws` package (Node) to core's `Connection`, with
 * `framing: 'message'`: each WebSocket message is one `data` call (text messages as their
 * UTF-8 bytes), each `write` one message (a string as a text message, bytes as a binary one).
 *
 * - A write corks the socket and a microtask uncorks it, so the writes of one tick leave together
 *   (one `writev`, still one WebSocket message each), across the outbound queue's flushes: uncorking
 *   at the end of each flush sent a `writev` per flush, and pipelined answers (a flush per inbound
 *   message) fell to a quarter.
 * - Backpressure out: `write` returns `false` while `bufferedAmount` is at or over the high-water
 *   mark; `drain` follows once the sends' callbacks see it at half that or below. Only a send that
 *   may reach the mark, or is made while blocked, asks for a callback (the last of them sees the
 *   buffer fall; the others have nothing to report).
 * - Backpressure in: `pause()`/`resume()` stop and restart reading the socket (`ws` 8's
 *   `pause`/`resume`); a message already being parsed may still be delivered after `pause()`.
 * - `end()` sends a close frame (1000) after everything written; `destroy()` drops the socket.
 * - `close` is reported once, after `end` when the peer sent a close frame, with a
 *   `TransportError` for a socket error, a close code other than 1000/1001/1005, or a connection
 *   lost without a close frame (1006).
 */
export class WsConnection extends MessageConnection {
  private get destroyed(): boolean {
    return (this.bits & DESTROYED) !== 0;
  }
  private set destroyed(on: boolean) {
    this.bits = on ? this.bits | DESTROYED : this.bits & ~DESTROYED;
  }
  /** The socket is corked until the end of the tick ({@link uncorkAll}). */
  private get corked(): boolean {
    return (this.bits & CORKED) !== 0;
  }
  private set corked(on: boolean) {
    this.bits = on ? this.bits | CORKED : this.bits & ~CORKED;
  }
  /** Why the socket failed, once it did. */
  private lastError: TransportError | undefined;
  /** `checkDrain` as a send callback: made for the first send that needs one (most never do). */
  private onSent: (() => void) | undefined;
  /** The handshake, or on a server what is kept of the upgrade request until it is asked for. */
  private upgrade: HandshakeInfo | UpgradeRecord | undefined;

  /**
   * @param ws - an open WebSocket, not yet read from by anyone else.
   * @param localAddress - local end as an address string.
   * @param remoteAddress - remote end as an address string.
   * @param highWaterMark - bytes buffered for sending before `write()` returns `false`.
   * @param handshake - the upgrade request (and TLS session) as plain data, or what is kept of it
   *   until it is asked for ({@link UpgradeRecord}), on a server.
   * @param socket - the socket under `ws`, corked while a tick's writes are made; without it each
   *   message is written on its own.
   */
  constructor(
    private readonly ws: WebSocket,
    localAddress: string,
    remoteAddress: string,
    highWaterMark = DEFAULT_HIGH_WATER_MARK,
    handshake?: HandshakeInfo | UpgradeRecord,
    private readonly socket?: Duplex,
  ) {
    super(localAddress, remoteAddress, highWaterMark);
    this.upgrade = handshake;
    // The listeners are shared by every connection (no closures per connection): they find theirs on the WebSocket.
    (ws as OwnedWebSocket)[CONNECTION] = this;
    // Attach `error` first so a failure before start() is never thrown into the event loop.
    ws.on('error', WsConnection.onError);
    ws.on('message', WsConnection.onMessage);
    ws.on('close', WsConnection.onClose);
    if (ws.readyState === WebSocket.CLOSED) this.socketClosed(1006, Buffer.alloc(0));
  }

  /** What the upgrade request told (servers), made from the kept request data when first asked for. */
  get handshake(): HandshakeInfo | undefined {
    const h = this.upgrade;
    if (!(h instanceof UpgradeRecord)) return h;
    const info = h.info();
    this.upgrade = info;
    return info;
  }

  end(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }

  destroy(): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.destroyed = true;
    this.ws.terminate();
  }

  protected isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  protected send(chunk: string | Uint8Array, bytes: number): void {
    const socket = this.socket;
    if (socket !== undefined && !this.corked) {
      this.corked = true;
      socket.cork();
      corked.push(this);
      if (corked.length === 1) queueMicrotask(WsConnection.uncorkAll);
    }
    // The callback runs once this message was handed to the kernel (or failed: `close` reports that).
    // Needed only while a drain may be owed: by a send made blocked, or one that may block (the
    // buffer plus this frame, header included, reaching the mark). The last such send's callback
    // runs once everything before it left, so it sees the buffer fall.
    const watch = this.isBlocked || this.ws.bufferedAmount + bytes + MAX_FRAME_HEADER >= this.highWaterMark;
    // Shared empty options: `ws` sends a string as a text message and bytes as a binary one by itself.
    this.ws.send(chunk, NO_OPTIONS, watch ? (this.onSent ??= () => this.checkDrain()) : undefined);
  }

  protected override textBytes(text: string): number {
    // Node counts without encoding (core's portable count encodes strings over 16 units).
    return Buffer.byteLength(text, 'utf8');
  }

  protected bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  protected watchDrain(): void {
    // Nothing to start: every send's callback checks the buffer (onSent).
  }

  protected unwatchDrain(): void {}

  protected pauseReading(): void {
    this.ws.pause();
  }

  protected resumeReading(): void {
    this.ws.resume();
  }

  protected detach(): void {
    const ws = this.ws;
    ws.off('message', WsConnection.onMessage);
    ws.off('close', WsConnection.onClose);
    // Keep a no-op error listener: a late error on a closed socket must not crash the process.
    ws.off('error', WsConnection.onError);
    ws.on('error', ignore);
  }

  /** End of the tick: write what this tick's sends left in the corked socket. */
  private endTick(): void {
    this.corked = false;
    // Harmless on a socket that ended meanwhile (`end()` uncorks it).
    this.socket?.uncork();
  }

  /** The socket failed (`close` follows). */
  private socketFailed(error: Error): void {
    this.lastError ??= new TransportError(`WebSocket error: ${error.message}`, { cause: error });
  }

  /** One whole message arrived. */
  private messageReceived(data: RawData): void {
    // Default binaryType 'nodebuffer': a Buffer (a Uint8Array) for text and binary messages alike.
    this.received(Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data);
  }

  /** The WebSocket closed. */
  private socketClosed(code: number, reason: Buffer): void {
    const error = this.lastError ?? (this.destroyed ? undefined : closeError(code, reason.toString('utf8')));
    this.closedBy(code !== 1006, error);
  }

  // The listeners, shared by every connection: `ws` calls them with the WebSocket as `this`.
  private static onError(this: WebSocket, error: Error): void {
    (this as OwnedWebSocket)[CONNECTION].socketFailed(error);
  }

  private static onMessage(this: WebSocket, data: RawData): void {
    (this as OwnedWebSocket)[CONNECTION].messageReceived(data);
  }

  private static onClose(this: WebSocket, code: number, reason: Buffer): void {
    (this as OwnedWebSocket)[CONNECTION].socketClosed(code, reason);
  }

  /** Uncork every socket corked in this tick (one microtask for all of them). */
  private static uncorkAll(): void {
    const list = corked;
    corked = [];
    for (let i = 0; i < list.length; i++) list[i]!.endTick();
  }
}

/** Bits of `MessageConnection.bits` this class uses. */
const DESTROYED = 16;
const CORKED = 32;

/** Where a WebSocket keeps the connection that adapts it, for the shared listeners. */
const CONNECTION = Symbol('rxmsg.wsConnection');
type OwnedWebSocket = WebSocket & { [CONNECTION]: WsConnection };

function ignore(): void {}

/** Connections whose socket is corked in this tick; one microtask uncorks them all. */
let corked: WsConnection[] = [];

/** Options of `ws.send`, shared by every send (`ws` copies them; the kind follows from the chunk's type). */
const NO_OPTIONS = Object.freeze({});

/** Bytes of the largest WebSocket frame header: 2, 8 bytes of length, 4 of mask (client to server). */
const MAX_FRAME_HEADER = 14;
