import type { Socket } from 'node:net';
import { TransportError, type Connection, type ConnectionHandlers } from '@rxmsg/core';

/**
 * Adapts a Node `net.Socket` (TCP or Unix domain) to core's {@link Connection}.
 * The socket is created with `allowHalfOpen`, so a peer that ends its side can
 * still receive the replies queued for it.
 */
export class SocketConnection implements Connection {
  readonly framing = 'stream' as const;
  private handlers: ConnectionHandlers | undefined;
  private closed = false;

  /**
   * @param socket - a connected socket, not yet read from.
   * @param localAddress - local end as an address string.
   * @param remoteAddress - remote end as an address string.
   */
  constructor(
    private readonly socket: Socket,
    readonly localAddress: string,
    readonly remoteAddress: string,
  ) {
    // Attach `error` first so a failure before start() is never thrown into the event loop.
    socket.on('error', this.onError);
  }

  get bytesRead(): number {
    return this.socket.bytesRead;
  }

  get bytesWritten(): number {
    return this.socket.bytesWritten;
  }

  start(handlers: ConnectionHandlers): void {
    if (this.handlers !== undefined) throw new Error('SocketConnection.start called twice');
    this.handlers = handlers;
    const s = this.socket;
    s.on('data', this.onData);
    s.on('end', handlers.end);
    s.on('drain', handlers.drain);
    s.once('close', this.onClose);
    if (s.destroyed) this.onClose();
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    return this.socket.write(chunk);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private lastError: TransportError | undefined;

  // Node hands over Buffers; a plain Uint8Array view makes every later subarray() (one per frame)
  // a cheap typed-array view instead of a Buffer construction.
  private readonly onData = (chunk: Buffer): void => {
    this.handlers?.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
  };

  private readonly onError = (error: Error): void => {
    this.lastError ??= new TransportError(`socket error: ${error.message}`, { cause: error });
  };

  private readonly onClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    const s = this.socket;
    const h = this.handlers;
    if (h !== undefined) {
      s.off('data', this.onData);
      s.off('end', h.end);
      s.off('drain', h.drain);
    }
    s.off('close', this.onClose);
    // Keep a no-op error listener: late errors on a destroyed socket must not crash the process.
    s.off('error', this.onError);
    s.on('error', ignore);
    h?.close(this.lastError);
  };
}

function ignore(): void {}
