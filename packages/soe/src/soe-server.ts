/**
 * An actor-style SOE server without rxmsg's codecs: sessions are numbers, payloads are bytes,
 * and everything that happens arrives as one stream of events. For applications that speak an
 * existing SOE application protocol byte for byte; rxmsg protocols use `createServer` with an
 * `soe://` address instead.
 */
import { Observable, Subject } from 'rxjs';
import { parseAddress, type Connection, type ListenerError, type RxmsgError } from '@rxmsg/core';
import type { SoeConnection } from './soe-connection';
import { soeTransport } from './soe-transport';
import type { SoeTransportOptions } from './soe-transport-options';
import type { SoeEndpointStats } from './soe-endpoint';

/** What a {@link SoeServer} reports, in order, on {@link SoeServer.events$}. */
export type SoeServerEvent =
  /** A session opened. */
  | { readonly type: 'opened'; readonly session: number; readonly remoteAddress: string; readonly applicationProtocol: string }
  /** One application payload of a session. */
  | { readonly type: 'data'; readonly session: number; readonly payload: Uint8Array }
  /** A session whose `send` returned `false` can take more. */
  | { readonly type: 'writable'; readonly session: number }
  /** The peer ended its side (half-close); the session can still send until it is closed. */
  | { readonly type: 'ended'; readonly session: number }
  /** A session closed; `error` is set unless it closed cleanly. */
  | { readonly type: 'closed'; readonly session: number; readonly error: RxmsgError | undefined }
  /** A failure the listener survived (a refused session, a socket error). */
  | { readonly type: 'listener-error'; readonly error: ListenerError };

/** Options of {@link createSoeServer}. */
export interface SoeServerOptions extends SoeTransportOptions {
  /** Where to listen: `soe://host:port/ApplicationProtocol`. */
  readonly listen: string;
}

/** One session as {@link SoeServer.snapshot} shows it. */
export interface SoeServerSessionInfo {
  readonly session: number;
  readonly remoteAddress: string;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/** A running SOE server; see {@link createSoeServer}. */
export interface SoeServer {
  /** The bound address (the real port when port 0 was asked). */
  readonly address: string;
  /** Every event, hot: subscribe before the first client can connect (right after the promise resolves, in the same turn). */
  readonly events$: Observable<SoeServerEvent>;
  /**
   * Sends one payload to a session. `false` when there is no such session, or it is past its send
   * queue (the payload is kept, up to `maxPendingBytes`; wait for its `writable` event).
   */
  send(session: number, payload: Uint8Array): boolean;
  /** Ends a session after what was sent (half-close, then `Disconnect`); `destroy` ends it at once. */
  close(session: number, how?: 'end' | 'destroy'): void;
  /** The sessions open now, and the counters of the socket. */
  snapshot(): { readonly sessions: readonly SoeServerSessionInfo[]; readonly endpoint: SoeEndpointStats | undefined };
  /** Stops accepting sessions, destroys the open ones, completes `events$`; resolves once the socket closed. */
  stop(): Promise<void>;
}

/**
 * Starts an actor-style SOE server: one driver owns the UDP socket and every session's state;
 * the application holds this handle and reads `events$`.
 *
 * @example
 * ```ts
 * const server = await createSoeServer({ listen: 'soe://0.0.0.0:20260/ExternalGameApi_3' });
 * server.events$.subscribe((e) => {
 *   if (e.type === 'data') server.send(e.session, e.payload); // echo
 * });
 * ```
 * @throws nothing synchronously: the promise rejects with a `ConfigError` (an option out of range), an `AddressError` (a bad `listen`) or a `TransportError` (it cannot bind).
 */
export async function createSoeServer(options: SoeServerOptions): Promise<SoeServer> {
  const { listen, ...transportOptions } = options;
  const transport = soeTransport(transportOptions);
  const events = new Subject<SoeServerEvent>();
  const sessions = new Map<number, Connection>();
  let nextLocalId = 1;

  const accept = (connection: Connection): void => {
    const soe = connection as SoeConnection;
    // The SOE session id names the session; a local number stands in should it be unknown.
    const session = soe.sessionId ?? nextLocalId++;
    sessions.set(session, connection);
    connection.start({
      onData: (payload) => events.next({ type: 'data', session, payload }),
      onEnd: () => events.next({ type: 'ended', session }),
      onDrain: () => events.next({ type: 'writable', session }),
      onClose: (error) => {
        sessions.delete(session);
        events.next({ type: 'closed', session, error });
      },
    });
    events.next({ type: 'opened', session, remoteAddress: connection.remoteAddress, applicationProtocol: soe.applicationProtocol ?? '' });
  };

  const target = parseAddress(listen);
  const listener = await transport.listen(target, accept, { noDelay: true, onError: (error) => events.next({ type: 'listener-error', error }) });
  const bound = parseAddress(listener.address);
  let stopping: Promise<void> | undefined;

  return {
    address: listener.address,
    events$: events.asObservable(),
    send(session, payload) {
      const c = sessions.get(session);
      return c === undefined ? false : c.write(payload);
    },
    close(session, how = 'end') {
      const c = sessions.get(session);
      if (c === undefined) return;
      if (how === 'destroy') c.destroy();
      else c.end();
    },
    snapshot() {
      const list = [...sessions.entries()].map(([session, c]) => ({ session, remoteAddress: c.remoteAddress, bytesRead: c.bytesRead, bytesWritten: c.bytesWritten }));
      const endpoint = bound.kind === 'inet' ? transport.endpointStats(bound.host, bound.port) : undefined;
      return { sessions: list, endpoint };
    },
    stop() {
      stopping ??= (async () => {
        // Destroyed first: the socket closes once the listener is gone and no session is left.
        for (const c of [...sessions.values()]) c.destroy();
        await listener.close();
        events.complete();
      })();
      return stopping;
    },
  };
}
