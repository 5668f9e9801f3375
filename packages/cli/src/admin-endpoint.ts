import { createHash, timingSafeEqual } from 'node:crypto';
import { Subject, exhaustMap, from, merge, map, of, takeWhile, type Observable } from 'rxjs';
import { ConfigError, RxmsgError, toRxmsgError, type Transport } from '@rxmsg/core';
import { createServer, type ClusterSnapshot, type ServerEvent, type ServerSnapshot } from '@rxmsg/node';
import { ADMIN_REQUEST_MAX_BYTES, AdminProtocol, type AdminServerSnapshot, type AdminSnapshot } from './admin-protocol';

/** Shortest token {@link adminEndpoint} accepts. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;
/** Default {@link AdminEndpointOptions.maxConnectionsListed}. */
export const DEFAULT_MAX_CONNECTIONS_LISTED = 1_000;
/** Default {@link AdminEndpointOptions.idleTimeoutMs}. */
export const DEFAULT_ADMIN_IDLE_TIMEOUT_MS = 60_000;
/** Requests per second one admin connection may make (a burst as large); past it the connection is not read for a while. */
export const ADMIN_REQUESTS_PER_SECOND = 20;
/** Default {@link AdminEndpointOptions.maxClients}. */
export const DEFAULT_MAX_ADMIN_CLIENTS = 8;

/** What an admin endpoint reads snapshots from: any rxmsg server (`snapshotAll()` covers cluster and Redis deployments). */
export interface SnapshotSource {
  snapshotAll(options?: { readonly timeoutMs?: number }): Promise<ClusterSnapshot>;
}

/** Options of {@link adminEndpoint}. */
export interface AdminEndpointOptions {
  /** Where the endpoint listens, e.g. `tcp://127.0.0.1:9999` or `unix:/run/app-admin.sock`. Keep it off public interfaces. */
  readonly listen: string;
  /** The shared secret clients must send, at least {@link MIN_ADMIN_TOKEN_LENGTH} characters. Compared in constant time. */
  readonly token: string;
  /** Connections listed per node in one snapshot (the counts stay exact); default {@link DEFAULT_MAX_CONNECTIONS_LISTED}. Bounds a reply's size. */
  readonly maxConnectionsListed?: number;
  /** Admin clients connected at once; default {@link DEFAULT_MAX_ADMIN_CLIENTS}. */
  readonly maxClients?: number;
  /**
   * Close an admin connection that asked nothing for this long, in ms (0: never); default
   * {@link DEFAULT_ADMIN_IDLE_TIMEOUT_MS}. Keeps silent peers from holding the `maxClients` slots.
   */
  readonly idleTimeoutMs?: number;
  /** How long other nodes get to answer, in ms (see `server.snapshotAll`). */
  readonly timeoutMs?: number;
  /** Transports of the admin listener (the Node ones by default; pass a TLS one to encrypt). */
  readonly transports?: readonly Transport[];
}

/** What an admin endpoint reports: a refused client, a snapshot that failed, or an event of its own listener. */
export type AdminEvent =
  | { readonly type: 'denied'; readonly remoteAddress: string }
  | { readonly type: 'snapshot-failed'; readonly error: RxmsgError }
  | { readonly type: 'server'; readonly event: ServerEvent };

/** A running admin endpoint. */
export interface AdminEndpoint {
  /** The bound addresses (the real port when port 0 was asked). */
  addresses(): string[];
  /** Hot: what the endpoint reports. */
  readonly events$: Observable<AdminEvent>;
  /** Stop listening and close every admin connection. */
  close(): Promise<void>;
}

/** `sha256(value)`: equal-length digests, so comparing them takes the same time whatever the token's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Whether `candidate` is the token, in time independent of where they differ. */
export function tokenMatches(expected: Buffer, candidate: string): boolean {
  return timingSafeEqual(expected, digest(candidate));
}

/** `snapshot` as JSON-safe data: listener contexts left out, the connection list cut at `max`. */
export function toAdminServerSnapshot(snapshot: ServerSnapshot, max: number): AdminServerSnapshot {
  return {
    listeners: snapshot.listeners.map((l) => ({ address: l.address, connections: l.connections })),
    connections: snapshot.connections.slice(0, max).map(({ listenerContext: _context, ...c }) => ({
      ...c,
      ...(c.protocol === undefined ? {} : { protocol: c.protocol }),
    })),
    connectionCount: snapshot.connections.length,
    listenerErrors: { ...snapshot.listenerErrors },
    refused: { ...snapshot.refused },
    bufferedBytes: snapshot.bufferedBytes,
    shed: snapshot.shed,
  };
}

/**
 * Serve the live snapshot of `server` to `rxmsg inspect`, on a listener of its own. Opt-in (nothing
 * listens unless this is called) and authenticated: each `Snapshot` request carries the token, which is
 * compared in constant time; a wrong token is answered `Denied` and the connection closed.
 *
 * Bounds: requests are at most {@link ADMIN_REQUEST_MAX_BYTES}; one request per connection is served at a
 * time (a request arriving while one is answered is dropped, as the CLI waits for each answer) and at most
 * {@link ADMIN_REQUESTS_PER_SECOND} a second; at most `maxClients` connections, each closed after
 * `idleTimeoutMs` without a request; at most `maxConnectionsListed` connections per node in a reply.
 *
 * @throws {@link @rxmsg/core!ConfigError} when the token is too short or an option is out of range.
 * @example
 * ```ts
 * const server = await createServer({ listen: 'tcp://0.0.0.0:4000', protocol, processor });
 * const admin = await adminEndpoint(server, { listen: 'tcp://127.0.0.1:9999', token: process.env.ADMIN_TOKEN! });
 * // $ RXMSG_ADMIN_TOKEN=… rxmsg inspect tcp://127.0.0.1:9999
 * await admin.close();
 * ```
 */
export async function adminEndpoint(server: SnapshotSource, options: AdminEndpointOptions): Promise<AdminEndpoint> {
  if (typeof options.token !== 'string' || options.token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError('token', [`must be a string of at least ${MIN_ADMIN_TOKEN_LENGTH} characters`]);
  }
  const max = options.maxConnectionsListed ?? DEFAULT_MAX_CONNECTIONS_LISTED;
  const maxClients = options.maxClients ?? DEFAULT_MAX_ADMIN_CLIENTS;
  if (!Number.isInteger(max) || max < 0) throw new ConfigError('maxConnectionsListed', ['must be an integer >= 0']);
  if (!Number.isInteger(maxClients) || maxClients < 1) throw new ConfigError('maxClients', ['must be an integer >= 1']);
  const expected = digest(options.token);
  const events = new Subject<AdminEvent>();

  const answer = async () => {
    try {
      const all = await server.snapshotAll(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
      const snapshot: AdminSnapshot = {
        at: Date.now(),
        nodes: all.nodes.map((n) => ({
          node: n.node,
          ...(n.snapshot === undefined ? {} : { snapshot: toAdminServerSnapshot(n.snapshot, max) }),
          ...(n.error === undefined ? {} : { error: n.error }),
        })),
      };
      return { kind: 'Snapshot', snapshot } as const;
    } catch (cause) {
      const error = toRxmsgError(cause, (c) => new ConfigError('snapshot', ['snapshotAll() failed'], { cause: c }));
      events.next({ type: 'snapshot-failed', error });
      return { kind: 'Failed', message: error.message } as const;
    }
  };

  const admin = await createServer({
    listen: options.listen,
    protocol: AdminProtocol,
    ...(options.transports === undefined ? {} : { transports: options.transports }),
    config: {
      maxFrameBytes: ADMIN_REQUEST_MAX_BYTES,
      maxConnections: maxClients,
      onDecodeError: 'reply',
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_ADMIN_IDLE_TIMEOUT_MS,
      rateLimit: { messagesPerSecond: ADMIN_REQUESTS_PER_SECOND, burst: ADMIN_REQUESTS_PER_SECOND, onExceed: 'pause' },
    } as const,
    processor: (incoming$, peer) =>
      incoming$.pipe(
        exhaustMap((request) => {
          if (tokenMatches(expected, request.token)) return from(answer());
          events.next({ type: 'denied', remoteAddress: peer.remoteAddress });
          return of({ kind: 'Denied', reason: 'bad-token' } as const);
        }),
        // A wrong token ends the connection once the answer is flushed.
        takeWhile((reply) => reply.kind !== 'Denied', true),
      ),
  });
  const serverEvents$ = admin.events$.pipe(map((event): AdminEvent => ({ type: 'server', event })));
  return {
    addresses: () => admin.addresses(),
    events$: merge(events.asObservable(), serverEvents$),
    close: async () => {
      await admin.close();
      events.complete();
    },
  };
}
