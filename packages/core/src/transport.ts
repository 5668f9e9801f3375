import type { Observable } from 'rxjs';
import type { Address } from './address';
import type { ListenerError, RxmsgError } from './errors';
import type { HandshakeInfo } from './handshake';

/**
 * Callbacks a {@link Connection} delivers its events to. Call them as methods of the object
 * given to {@link Connection.start} (`handlers.onData(chunk)`): it may be a class instance, so a
 * detached `handlers.onData` has no `this`.
 */
export interface ConnectionHandlers {
  /** Bytes received (stream transports), or one whole payload (message transports). */
  onData(chunk: Uint8Array): void;
  /** The remote side finished sending; writing is still possible. */
  onEnd(): void;
  /** The transport's write buffer emptied after {@link Connection.write} returned `false`. */
  onDrain(): void;
  /**
   * The connection is gone. Called exactly once, last; `error` is set when it failed: a
   * `TransportError` when the socket failed, or the typed reason the connection closed itself for
   * (a `ReceiveBufferFullError` when a connection that cannot pause reading held too much).
   */
  onClose(error: RxmsgError | undefined): void;
}

/**
 * One open connection, adapted from a platform socket by a transport.
 * The runtime drives it; applications see it through a peer.
 */
export interface Connection {
  /** `stream`: a byte stream that needs framing; `message`: the transport keeps message boundaries. */
  readonly framing: 'stream' | 'message';
  /** The local end, as an address string. */
  readonly localAddress: string;
  /** The remote end, as an address string. */
  readonly remoteAddress: string;
  /**
   * What the transport learned while setting the connection up (TLS certificate, WebSocket
   * upgrade request), as plain data; absent when it has nothing to say (TCP, Unix sockets).
   */
  readonly handshake?: HandshakeInfo | undefined;
  /** Bytes received so far. */
  readonly bytesRead: number;
  /** Bytes handed to the platform for sending so far. */
  readonly bytesWritten: number;
  /** Start delivering events to `handlers`. Called once; no data is lost before it. */
  start(handlers: ConnectionHandlers): void;
  /** Send a chunk. `false` means the buffer is full: wait for `drain` before writing more. */
  write(chunk: string | Uint8Array): boolean;
  /** Stop reading from the remote side (backpressure). */
  pause(): void;
  /** Resume reading. */
  resume(): void;
  /** Finish sending after everything written so far; the connection closes when both sides are done. */
  end(): void;
  /** Close at once, dropping unsent data. Safe to call more than once. */
  destroy(): void;
}

/** Options a transport applies to its sockets. */
export interface TransportOptions {
  /** Disable Nagle's algorithm where it applies. */
  readonly noDelay: boolean;
  /**
   * Deadline of one {@link Transport.connect} attempt, in ms (connect and any handshake the
   * transport makes before the connection is usable); 0 or absent: none. A transport that
   * honours it fails the attempt with a `TimeoutError` (code `TIMEOUT`) and aborts it.
   */
  readonly connectTimeoutMs?: number;
  /**
   * The session's `maxFrameBytes` (the runtime always passes it). A transport that buffers whole
   * messages before the session sees them (WebSocket) bounds them near it unless told otherwise.
   */
  readonly maxFrameBytes?: number;
}

/** Options of {@link Transport.listen}: those of its sockets, and where its failures go. */
export interface ListenOptions extends TransportOptions {
  /**
   * Called for each failure the listener survives (a failed accept, a failed TLS handshake, a
   * refused WebSocket upgrade, an error of the listening socket), after the transport did what the
   * failure needs (destroyed the socket, answered the request). Never called after `close()`
   * resolved. A transport given none drops these failures; the runtime always gives one, and
   * reports each as a `listener-error` event.
   */
  readonly onError?: (error: ListenerError) => void;
}

/** A bound listener. */
export interface Listener {
  /** The bound address (the real port when port 0 was asked). */
  readonly address: string;
  /** Stop accepting connections (open ones are not touched). Resolves once the listener is closed. */
  close(): Promise<void>;
}

/**
 * Adapts one kind of socket to {@link Connection}. Transports are passed to the
 * factories explicitly; there is no global registry.
 */
export interface Transport {
  /** The address schemes handled, e.g. `['tcp', 'unix']`. */
  readonly schemes: readonly string[];
  /**
   * Bind `address` and hand each accepted connection to `onConnection`. Failures after binding go
   * to `options.onError` and never stop the listener. When `onConnection` throws, the connection is
   * destroyed and the throw reported there as an `AcceptError`.
   */
  listen(address: Address, onConnection: (connection: Connection) => void, options: ListenOptions): Promise<Listener>;
  /**
   * Connect to `address`. Cold: each subscription dials once, emits the connection and
   * completes, or errors: a `ConnectError` (code `CONNECT_FAILED`) when the remote cannot be
   * reached (refused, unreachable, failed handshake), a `TimeoutError` when `connectTimeoutMs`
   * passed first. Unsubscribing before it emits aborts the attempt.
   */
  connect(address: Address, options: TransportOptions): Observable<Connection>;
  /**
   * Optional: throws an `AddressError` for an address of its schemes that this transport cannot
   * `use` (a path it does not take, port 0 to dial), without any I/O. The factories call it before
   * binding or dialling, so such an address is reported like a malformed one: a server's promise
   * rejects, a client throws.
   */
  checkAddress?(address: Address, use: 'listen' | 'connect'): void;
}
