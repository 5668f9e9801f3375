import { Observable } from 'rxjs';
import {
  AcceptError,
  AddressError,
  ConfigError,
  ConnectError,
  TransportError,
  formatAddress,
  parseAddress,
  type Address,
  type Connection,
  type ListenOptions,
  type Listener,
  type Transport,
} from '@rxmsg/core';
import { MEMORY_HIGH_WATER_MARK, MemoryConnection } from './memory-connection';

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions {
  /** `stream` (default): bytes through the protocol's framer, like TCP; `message`: one message per write, like WebSocket. */
  readonly framing?: 'stream' | 'message';
  /**
   * Unread bytes a connection's reader may hold before the writer's `write()` answers `false`
   * ({@link MEMORY_HIGH_WATER_MARK}, 64 KiB, by default); `drain` follows at half of it.
   */
  readonly highWaterMark?: number;
}

/** A {@link Transport} whose connections stay in this process; see {@link memoryTransport}. */
export interface MemoryTransport extends Transport {
  /**
   * Connect at once (no Observable): the listener's `onConnection` has run when this returns.
   * @throws {@link @rxmsg/core!ConnectError} when nothing of this transport listens on `address`, {@link AddressError} for a bad address.
   */
  dial(address: string | Address): MemoryConnection;
  /** Bytes delivered to readers so far, by every connection of this transport (monotonic). */
  readonly delivered: number;
}

/** Ports handed out for `:0` start here, as far from hand-picked ones as a port can be. */
const FIRST_FREE_PORT = 49152;

/**
 * An in-process transport for the scheme `memory`: `listen('memory://name:0')` binds a name (a free
 * port is chosen for `:0`, as with TCP) and `connect('memory://name:port')` makes a linked pair of
 * {@link MemoryConnection}s, one handed to the listener, one to the connector. Listeners live in this
 * transport instance only (no global registry): pass the same instance to the server and the client.
 * Browser-safe. Framing is `stream` by default (bytes through the codec's framer), `message` on request.
 * Backpressure, half-close and close behave as with a socket: see {@link MemoryConnection}.
 *
 * @example
 * ```ts
 * const memory = memoryTransport();
 * const server = await createServer({ listen: 'memory://hello:0', transports: [memory], protocol, processor });
 * const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol, processor: clientProcessor });
 * ```
 */
export function memoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  const highWaterMark = options.highWaterMark ?? MEMORY_HIGH_WATER_MARK;
  if (!(Number.isInteger(highWaterMark) && highWaterMark > 0)) throw new ConfigError('highWaterMark', [`must be a positive integer, got ${highWaterMark}`]);
  let delivered = 0;
  const pairOptions = {
    framing: options.framing ?? 'stream',
    highWaterMark,
    onDelivered: (bytes: number) => {
      delivered += bytes;
    },
  } as const;
  /** Listening names, `host:port` → what accepts there. */
  const listening = new Map<string, { readonly address: string; readonly accept: (c: Connection) => void; readonly onError: ListenOptions['onError'] }>();
  let nextPort = FIRST_FREE_PORT;
  let nextPeer = 1;

  const key = (host: string, port: number): string => `${host}:${port}`;
  const freePort = (host: string): number => {
    for (let tries = 0; tries < 65536 - FIRST_FREE_PORT; tries++) {
      const port = nextPort;
      nextPort = nextPort >= 65535 ? FIRST_FREE_PORT : nextPort + 1;
      if (!listening.has(key(host, port))) return port;
    }
    throw new TransportError(`no free memory port for "${host}"`);
  };

  const dial = (target: string | Address): MemoryConnection => {
    const address = typeof target === 'string' ? parseAddress(target) : target;
    const text = formatAddress(address);
    if (address.kind !== 'inet' || address.scheme !== 'memory') throw new AddressError(text, 'expected memory://name:port');
    const entry = listening.get(key(address.host, address.port));
    if (entry === undefined) throw new ConnectError(text, 1, { cause: new TransportError(`nothing listens on ${text}`) });
    const [serverEnd, clientEnd] = MemoryConnection.pair(pairOptions, entry.address, `${entry.address}/${nextPeer++}`);
    try {
      entry.accept(serverEnd);
    } catch (error) {
      // The listener's owner threw: that connection goes, the listener stays (as with a socket's accept).
      serverEnd.destroy();
      entry.onError?.(new AcceptError(`accepting on ${entry.address} failed`, { cause: error, remoteAddress: serverEnd.remoteAddress }));
    }
    return clientEnd;
  };

  return {
    schemes: ['memory'],
    get delivered() {
      return delivered;
    },
    dial,
    listen: (address, onConnection, listenOptions): Promise<Listener> => {
      if (address.kind !== 'inet') return Promise.reject(new AddressError(formatAddress(address), 'expected memory://name:port'));
      let port = address.port;
      try {
        if (port === 0) port = freePort(address.host);
        else if (listening.has(key(address.host, port))) throw new TransportError(`memory://${address.host}:${port} is already listened on`);
      } catch (error) {
        return Promise.reject(error);
      }
      const bound = formatAddress({ ...address, port, path: '/' });
      const k = key(address.host, port);
      const entry = { address: bound, accept: onConnection, onError: listenOptions.onError };
      listening.set(k, entry);
      return Promise.resolve({
        address: bound,
        close: () => {
          if (listening.get(k) === entry) listening.delete(k);
          return Promise.resolve();
        },
      });
    },
    connect: (address) =>
      new Observable<Connection>((subscriber) => {
        let connection: Connection;
        try {
          connection = dial(address);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        subscriber.next(connection);
        subscriber.complete();
      }),
  };
}
