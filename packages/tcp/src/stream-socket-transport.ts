import type { Server, Socket } from 'node:net';
import { Observable } from 'rxjs';
import {
  AcceptError,
  AddressError,
  ConnectError,
  ListenerSocketError,
  TimeoutError,
  TlsHandshakeError,
  TransportError,
  formatAddress,
  type Address,
  type Connection,
  type HandshakeInfo,
  type ListenOptions,
  type Listener,
  type ListenerError,
  type Transport,
  type TransportOptions,
} from '@rxmsg/core';
import { SocketConnection } from './socket-connection';

/** How one family of Node stream sockets (plain `net`, `tls`) is created. */
export interface SocketFactory {
  /** Address schemes served, e.g. `['tcp', 'unix']`. */
  readonly schemes: readonly string[];
  /** A server whose connections are reported through `connectionEvent`. */
  createServer(): Server;
  /** Event of the server that hands over a ready socket (`connection` or `secureConnection`). */
  readonly connectionEvent: string;
  /**
   * Event of the server for a peer whose handshake failed, with `(error, socket)` (`tlsClientError`
   * for TLS); the socket is destroyed and the failure reported as a `TlsHandshakeError`.
   */
  readonly handshakeErrorEvent?: string;
  /** Start connecting to `address`. */
  connect(address: Address): Socket;
  /** Event of the client socket that means it is ready (`connect` or `secureConnect`). */
  readonly readyEvent: string;
  /** What the connection's setup told about the peer (the TLS session), read once the socket is ready. */
  readonly handshake?: (socket: Socket) => HandshakeInfo | undefined;
}

function adapt(socket: Socket, address: Address, options: TransportOptions, factory: SocketFactory): Connection {
  if (address.kind === 'inet') socket.setNoDelay(options.noDelay);
  return new SocketConnection(socket, address, factory.handshake?.(socket));
}

/** `host:port` of a socket's remote end, for reports; `undefined` when the socket no longer knows it. */
function remoteOf(socket: Socket | undefined, address: Address): string | undefined {
  if (address.kind === 'unix') return formatAddress(address);
  if (socket?.remoteAddress === undefined) return undefined;
  return formatAddress({ kind: 'inet', scheme: address.scheme, host: socket.remoteAddress, port: socket.remotePort ?? 0, path: '/' });
}

/** The report of an error of a listening server: a failed accept, or another failure of its socket. */
function listenerError(error: Error, address: Address): ListenerError {
  const syscall = (error as NodeJS.ErrnoException).syscall;
  return syscall === 'accept'
    ? new AcceptError(`cannot accept on ${formatAddress(address)}: ${error.message}`, { cause: error })
    : new ListenerSocketError(`listener ${formatAddress(address)} failed: ${error.message}`, { cause: error });
}

class NetListener implements Listener {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  /** Whether `close()` was called: failures after it are no longer reported. */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  close(): Promise<void> {
    // Node's close() stops accepting at once but calls back only when every connection it ever
    // accepted has ended. Those are the runtime's to close: resolve once the listening handle is gone.
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close();
      setImmediate(resolve);
    });
    return this.closing;
  }
}

/**
 * A {@link Transport} over a family of Node stream sockets; {@link tcpTransport} and
 * {@link tlsTransport} are built on it.
 *
 * @example
 * ```ts
 * import { createConnection, createServer } from 'node:net';
 * // Unix sockets only, without half-open connections.
 * const unixOnly = streamSocketTransport({
 *   schemes: ['unix'],
 *   createServer: () => createServer(),
 *   connectionEvent: 'connection',
 *   connect: (address) => createConnection({ path: address.kind === 'unix' ? address.path : '' }),
 *   readyEvent: 'connect',
 * });
 * ```
 */
export function streamSocketTransport(factory: SocketFactory): Transport {
  const check = (address: Address): void => {
    if (!factory.schemes.includes(address.scheme)) {
      throw new AddressError(formatAddress(address), `this transport handles ${factory.schemes.join(', ')}, not "${address.scheme}"`);
    }
  };
  return {
    schemes: factory.schemes,

    listen(address, onConnection, options: ListenOptions) {
      check(address);
      return new Promise<Listener>((resolve, reject) => {
        const server = factory.createServer();
        let listener: NetListener | undefined;
        const report = (error: ListenerError): void => {
          if (listener?.isClosing === true) return;
          options.onError?.(error);
        };
        const onListenError = (error: Error): void => {
          reject(new TransportError(`cannot listen on ${formatAddress(address)}: ${error.message}`, { cause: error }));
        };
        server.once('error', onListenError);
        server.on(factory.connectionEvent, (socket: Socket) => {
          // Whatever the runtime's handler throws stays with this one connection.
          try {
            onConnection(adapt(socket, address, options, factory));
          } catch (error) {
            socket.destroy();
            report(new AcceptError(`connection on ${formatAddress(address)} not taken over: ${String(error)}`, { cause: error, remoteAddress: remoteOf(socket, address) }));
          }
        });
        if (factory.handshakeErrorEvent !== undefined) {
          server.on(factory.handshakeErrorEvent, (error: Error, socket: Socket | undefined) => {
            const remoteAddress = remoteOf(socket, address);
            socket?.destroy();
            report(new TlsHandshakeError(`handshake on ${formatAddress(address)} failed: ${error.message}`, { cause: error, remoteAddress }));
          });
        }
        const ready = (): void => {
          server.off('error', onListenError);
          // Later server errors (EMFILE on accept) are reported; Node's server keeps accepting after them.
          server.on('error', (error: Error) => report(listenerError(error, address)));
          const bound = server.address();
          const port = bound !== null && typeof bound === 'object' ? bound.port : 0;
          listener = new NetListener(server, address.kind === 'unix' ? formatAddress(address) : formatAddress({ ...address, port }));
          resolve(listener);
        };
        if (address.kind === 'unix') server.listen(address.path, ready);
        else server.listen(address.port, address.host, ready);
      });
    },

    connect(address, options) {
      return new Observable<Connection>((subscriber) => {
        check(address);
        const socket = factory.connect(address);
        let handedOver = false;
        const onError = (error: Error): void => {
          subscriber.error(new ConnectError(formatAddress(address), 1, { cause: error }));
        };
        const timeoutMs = options.connectTimeoutMs ?? 0;
        // Cleared by the teardown, which every outcome runs; the error it raises destroys the socket there.
        const deadline =
          timeoutMs > 0
            ? setTimeout(() => {
                subscriber.error(new TimeoutError(`connecting to ${formatAddress(address)} took more than ${timeoutMs} ms`));
              }, timeoutMs)
            : undefined;
        socket.once('error', onError);
        socket.once(factory.readyEvent, () => {
          socket.off('error', onError);
          handedOver = true;
          subscriber.next(adapt(socket, address, options, factory));
          subscriber.complete();
        });
        return () => {
          clearTimeout(deadline);
          socket.off('error', onError);
          if (!handedOver) {
            socket.on('error', () => {});
            socket.destroy();
          }
        };
      });
    },
  };
}
