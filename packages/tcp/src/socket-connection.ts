import type { Socket } from 'node:net';
import { TransportError, formatAddress, type Address, type Connection, type ConnectionHandlers, type HandshakeInfo } from '@rxmsg/core';

/** The back-reference from a socket to its connection, read by the shared listeners below. */
const OWNER = Symbol('rxmsg.socket-connection');
/** The connection's handlers, also kept on the socket: data goes to them without a stop at the connection. */
const HANDLERS = Symbol('rxmsg.socket-handlers');

type OwnedSocket = Socket & { [OWNER]?: SocketConnection; [HANDLERS]?: ConnectionHandlers | undefined };

/**
 * Adapts a Node `net.Socket` (TCP or Unix domain) to core's {@link Connection}.
 * The socket is created with `allowHalfOpen`, so a peer that ends its side can
 * still receive the replies queued for it.
 *
 * Its socket listeners are functions shared by every connection (Node calls them with the
 * socket as `this`), not closures per connection: a server holds one of these per client.
 */
export class SocketConnection implements Connection {
  readonly framing = 'stream' as const;
  /** @internal */
  handlers: ConnectionHandlers | undefined;
  /** @internal */
  lastError: TransportError | undefined;
  private closed = false;

  readonly remoteAddress: string;
  private local: string | undefined;

  /**
   * @param socket - a connected socket, not yet read from.
   * @param address - the address listened on or dialled: its scheme (and path, for Unix sockets) names both ends.
   * @param handshake - what the connection's setup told about the peer (TLS), if anything.
   */
  constructor(
    private readonly socket: Socket,
    private readonly address: Address,
    readonly handshake?: HandshakeInfo,
  ) {
    this.remoteAddress = endpoint(address, socket.remoteAddress, socket.remotePort);
    (socket as OwnedSocket)[OWNER] = this;
    // Attach `error` first so a failure before start() is never thrown into the event loop.
    socket.on('error', onError);
  }

  /** The local end, formatted when first asked for (a server rarely does). */
  get localAddress(): string {
    return (this.local ??= endpoint(this.address, this.socket.localAddress, this.socket.localPort));
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
    (s as OwnedSocket)[HANDLERS] = handlers;
    s.on('data', onData);
    s.on('end', onEnd);
    s.on('drain', onDrain);
    s.once('close', onClose);
    if (s.destroyed) this.closeOnce();
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

  /** @internal The socket closed: detach and report, once. */
  closeOnce(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.socket;
    s.off('data', onData);
    s.off('end', onEnd);
    s.off('drain', onDrain);
    s.off('close', onClose);
    (s as OwnedSocket)[HANDLERS] = undefined;
    // Keep a no-op error listener: late errors on a destroyed socket must not crash the process.
    s.off('error', onError);
    s.on('error', ignore);
    this.handlers?.onClose(this.lastError);
  }
}

// Node hands over Buffers; a plain Uint8Array view makes every later subarray() (one per frame)
// a cheap typed-array view instead of a Buffer construction.
function onData(this: OwnedSocket, chunk: Buffer): void {
  this[HANDLERS]?.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
}

function onEnd(this: OwnedSocket): void {
  this[OWNER]?.handlers?.onEnd();
}

function onDrain(this: OwnedSocket): void {
  this[OWNER]?.handlers?.onDrain();
}

function onError(this: OwnedSocket, error: Error): void {
  const owner = this[OWNER];
  if (owner !== undefined) owner.lastError ??= new TransportError(`socket error: ${error.message}`, { cause: error });
}

function onClose(this: OwnedSocket): void {
  this[OWNER]?.closeOnce();
}

function ignore(): void {}

/** One end of a socket as an address string: the socket's host and port under the address's scheme. */
function endpoint(address: Address, host: string | undefined, port: number | undefined): string {
  if (address.kind === 'unix') return formatAddress(address);
  return formatAddress({ kind: 'inet', scheme: address.scheme, host: host ?? '?', port: port ?? 0, path: '/' });
}
