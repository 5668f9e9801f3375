import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Observable } from 'rxjs';
import {
  AddressError,
  TransportError,
  formatAddress,
  type Address,
  type Connection,
  type Listener,
  type Transport,
  type TransportOptions,
} from '@rxmsg/core';
import { SocketConnection } from './socket-connection';

function remoteOf(socket: Socket, address: Address): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  const host = socket.remoteAddress ?? '?';
  return formatAddress({ kind: 'inet', scheme: address.scheme, host, port: socket.remotePort ?? 0, path: '/' });
}

function localOf(socket: Socket, address: Address): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  const host = socket.localAddress ?? '?';
  return formatAddress({ kind: 'inet', scheme: address.scheme, host, port: socket.localPort ?? 0, path: '/' });
}

function configure(socket: Socket, address: Address, options: TransportOptions): void {
  if (address.kind === 'inet') socket.setNoDelay(options.noDelay);
}

function check(address: Address): void {
  if (address.scheme !== 'tcp' && address.scheme !== 'unix') {
    throw new AddressError(formatAddress(address), `the TCP transport does not handle "${address.scheme}"`);
  }
}

class NetListener implements Listener {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      // close() stops accepting; open connections are the runtime's to close.
      this.server.close(() => resolve());
    });
    return this.closing;
  }
}

/**
 * The transport for `tcp://host:port` and `unix:/path` addresses, over Node's `net`.
 *
 * @example
 * ```ts
 * import { createServer } from '@rxmsg/runtime';
 * import { tcpTransport } from '@rxmsg/tcp';
 * const server = await createServer({ listen: 'tcp://127.0.0.1:0', transports: [tcpTransport()], protocol, processor });
 * ```
 */
export function tcpTransport(): Transport {
  return {
    schemes: ['tcp', 'unix'],

    listen(address, onConnection, options) {
      check(address);
      return new Promise<Listener>((resolve, reject) => {
        const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
        const onListenError = (error: Error): void => {
          reject(new TransportError(`cannot listen on ${formatAddress(address)}: ${error.message}`, { cause: error }));
        };
        server.once('error', onListenError);
        server.on('connection', (socket: Socket) => {
          configure(socket, address, options);
          onConnection(new SocketConnection(socket, localOf(socket, address), remoteOf(socket, address)));
        });
        const ready = (): void => {
          server.off('error', onListenError);
          // Later server errors (e.g. EMFILE on accept) must not crash the process; accept goes on.
          server.on('error', () => {});
          const bound = server.address();
          const text =
            address.kind === 'unix' || bound === null || typeof bound === 'string'
              ? formatAddress(address)
              : formatAddress({ ...address, host: address.host, port: bound.port });
          resolve(new NetListener(server, text));
        };
        if (address.kind === 'unix') server.listen(address.path, ready);
        else server.listen(address.port, address.host, ready);
      });
    },

    connect(address, options) {
      return new Observable<Connection>((subscriber) => {
        check(address);
        const socket =
          address.kind === 'unix'
            ? createConnection({ path: address.path, allowHalfOpen: true })
            : createConnection({ host: address.host, port: address.port, allowHalfOpen: true });
        let handedOver = false;
        const onError = (error: Error): void => {
          subscriber.error(new TransportError(`cannot connect to ${formatAddress(address)}: ${error.message}`, { cause: error }));
        };
        socket.once('error', onError);
        socket.once('connect', () => {
          socket.off('error', onError);
          configure(socket, address, options);
          handedOver = true;
          subscriber.next(new SocketConnection(socket, localOf(socket, address), remoteOf(socket, address)));
          subscriber.complete();
        });
        return () => {
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
