import { Observable } from 'rxjs';
import {
  AcceptError,
  AddressError,
  ConnectError,
  TimeoutError,
  TransportError,
  formatAddress,
  parseAddress,
  type Address,
  type Connection,
  type ListenOptions,
  type Listener,
  type Transport,
  type TransportOptions,
} from '@rxmsg/core';
import { SharedMemoryConnection } from './shared-memory-connection';
import type { SharedMemoryEnd } from './shared-memory-end';

/** Options of {@link sharedMemoryTransport}. */
export interface SharedMemoryTransportOptions {
  /**
   * How `connect('shm://name:0')` gets its end: return the end (or a promise of it) of a link
   * whose other end the listening side is given (for example: make a link, post one end to the
   * thread that listens, return the other). Called once per attempt, so a client that reconnects
   * asks for a new link each time. Without it, `connect` fails.
   */
  readonly dial?: (address: string) => SharedMemoryEnd | PromiseLike<SharedMemoryEnd>;
  /** Passed to each connection: see `SharedMemoryConnectionOptions.maxPendingBytes`. */
  readonly maxPendingBytes?: number;
}

/** A {@link Transport} for `shm://name:0` addresses, and the way ends reach its listeners. */
export interface SharedMemoryTransport extends Transport {
  /**
   * Hand `end` to the listener on `address` (the only listener when omitted): it is turned into a
   * connection and given to that listener, as an accepted socket is.
   * @throws AddressError when no listener of this transport is on `address` (or, without one,
   *   there is not exactly one listener). The end is then refused: it is destroyed, so the other
   *   side's connection closes with a `SharedMemoryPeerError` (`peer-destroyed`).
   * @throws TransportError when `end` is not a usable end (then it is left untouched).
   */
  offer(end: SharedMemoryEnd, address?: string): void;
}

/** The part of a `shm://` address that names a listener: its host. */
function nameOf(address: Address): string {
  if (address.kind !== 'inet' || address.scheme !== 'shm') {
    throw new AddressError(formatAddress(address), 'expected shm://name:0');
  }
  return address.host;
}

class SharedMemoryListener implements Listener {
  private closing: Promise<void> | undefined;

  constructor(
    readonly address: string,
    readonly accept: (end: SharedMemoryEnd) => void,
    private readonly remove: () => void,
  ) {}

  close(): Promise<void> {
    this.closing ??= Promise.resolve().then(this.remove);
    return this.closing;
  }
}

/**
 * A transport over shared-memory links between threads. A listener on `shm://name:0` is fed
 * with {@link SharedMemoryTransport.offer}; `connect` gets its ends from the `dial` option. Each
 * thread makes its own transport; links (made by `createSharedMemoryLink`) cross between them.
 * The `name` is local to the transport: it picks a listener, it is not a global registry.
 *
 * @example
 * ```ts
 * // main thread: a server, and a worker that connects to it
 * const shm = sharedMemoryTransport();
 * const server = await createServer({ listen: 'shm://main:0', transports: [shm], protocol, processor });
 * const [mine, theirs] = createSharedMemoryLink();
 * shm.offer(mine);
 * const worker = new Worker('./client.js', { workerData: theirs, transferList: [theirs.port] });
 *
 * // client.js, in the worker
 * const end = workerData as SharedMemoryEnd;
 * const client = createClient({ connect: 'shm://main:0', transports: [sharedMemoryTransport({ dial: () => end })], protocol, processor });
 * ```
 */
export function sharedMemoryTransport(options: SharedMemoryTransportOptions = {}): SharedMemoryTransport {
  const listeners = new Map<string, SharedMemoryListener>();
  const connectionOptions = options.maxPendingBytes === undefined ? {} : { maxPendingBytes: options.maxPendingBytes };

  return {
    schemes: ['shm'],

    listen(address, onConnection, listenOptions: ListenOptions) {
      const name = nameOf(address);
      if (listeners.has(name)) return Promise.reject(new TransportError(`cannot listen on ${formatAddress(address)}: already listening`));
      const text = formatAddress(address);
      const listener = new SharedMemoryListener(
        text,
        (end) => {
          const connection = new SharedMemoryConnection(end, { ...connectionOptions, localAddress: text });
          // Whatever the runtime's handler throws stays with this one connection.
          try {
            onConnection(connection);
          } catch (error) {
            connection.destroy();
            listenOptions.onError?.(new AcceptError(`connection on ${text} not taken over: ${String(error)}`, { cause: error, remoteAddress: connection.remoteAddress }));
          }
        },
        () => {
          if (listeners.get(name) === listener) listeners.delete(name);
        },
      );
      listeners.set(name, listener);
      return Promise.resolve(listener);
    },

    offer(end, address) {
      let listener: SharedMemoryListener | undefined;
      if (address !== undefined) listener = listeners.get(nameOf(parseAddress(address)));
      else if (listeners.size === 1) listener = listeners.values().next().value;
      if (listener === undefined) {
        // Refused: the other side must not wait for an answer that never comes.
        new SharedMemoryConnection(end, connectionOptions).destroy();
        throw new AddressError(address ?? 'shm:', address === undefined ? `offer needs an address: ${listeners.size} listeners` : 'no listener of this transport there');
      }
      listener.accept(end);
    },

    connect(address, transportOptions: TransportOptions) {
      return new Observable<Connection>((subscriber) => {
        const text = formatAddress(address);
        nameOf(address);
        const dial = options.dial;
        if (dial === undefined) {
          subscriber.error(new ConnectError(text, 1, { cause: new TransportError('sharedMemoryTransport was made without a dial option') }));
          return undefined;
        }
        let done = false;
        const timeoutMs = transportOptions.connectTimeoutMs ?? 0;
        const deadline =
          timeoutMs > 0 ? setTimeout(() => subscriber.error(new TimeoutError(`connecting to ${text} took more than ${timeoutMs} ms`)), timeoutMs) : undefined;
        const take = (end: SharedMemoryEnd): void => {
          if (done) {
            // The attempt was given up: refuse the late end so its other side learns it.
            try {
              new SharedMemoryConnection(end, connectionOptions).destroy();
            } catch {
              // Not a usable end: nothing to refuse.
            }
            return;
          }
          let connection: SharedMemoryConnection;
          try {
            connection = new SharedMemoryConnection(end, { ...connectionOptions, remoteAddress: text });
          } catch (error) {
            subscriber.error(new ConnectError(text, 1, { cause: error }));
            return;
          }
          subscriber.next(connection);
          subscriber.complete();
        };
        const fail = (error: unknown): void => subscriber.error(new ConnectError(text, 1, { cause: error }));
        try {
          const got = dial(text);
          if (isPromiseLike(got)) got.then(take, fail);
          else take(got);
        } catch (error) {
          fail(error);
        }
        return () => {
          done = true;
          clearTimeout(deadline);
        };
      });
    },
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}
