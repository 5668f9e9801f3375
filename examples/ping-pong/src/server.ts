import { Subject, type Observable } from 'rxjs';
import {
  ConfigError,
  createCompositeServer,
  serverStage,
  wsTransport,
  type ClusterSnapshot,
  type Rooms,
  type ServerEvent,
  type ServerSnapshot,
  type Transport,
} from '@rxmsg/node';
import { counted } from './counted';
import { gameProcessor } from './game-processor';
import { toMatchResult, type MatchResult } from './match-result';
import { matchRouter } from './match-router';
import { createMatchState, type MatchState } from './match-state';
import { GameProtocol, GoodbyeProtocol, PreGameProtocol, SUPPORTED_VERSIONS } from './protocols';
import { serverGoodbye, serverPreGame } from './server-processors';
import { startWebServer, type WebServer } from './web-server';

/** Options of {@link startServer}. */
export interface PingPongServerOptions {
  /** Address(es) to listen on, e.g. `tcp://127.0.0.1:0`; none by default (then give `web`). */
  readonly listen?: string | readonly string[];
  /**
   * Serve the web page on this `http://host:port` (port 0 picks one), with a WebSocket listener at
   * `/play` on the same HTTP server: a browser opens the page and plays against this server. With
   * it, `ws://` addresses in `listen` are served on that HTTP server too (same host and port).
   */
  readonly web?: string;
  /** Protocol versions accepted; {@link SUPPORTED_VERSIONS} by default. */
  readonly versions?: readonly number[];
  /** How long to wait for each client message during the game; 10 s by default. */
  readonly turnTimeoutMs?: number;
  /** How long the pre-game may last, from the connection to `Start`; 10 s by default. */
  readonly pregameTimeoutMs?: number;
  /** How long to wait for the client's `Endorse` once the game is over; 10 s by default. */
  readonly goodbyeTimeoutMs?: number;
  /**
   * The server's rooms registry; give one with a cross-node adapter (e.g. `@rxmsg/redis`) to run
   * the server as one node of several: peer ids then name their node and `snapshotAll()` sees every node.
   */
  readonly rooms?: Rooms;
}

/** A running ping-pong server. */
export interface PingPongServer {
  /** Each match's result, from the server's side, when its connection closes. Hot; completes when the server is closed. */
  readonly results$: Observable<MatchResult>;
  /** The runtime's events (connections, stages, decode errors, disconnects). Hot. */
  readonly events$: Observable<ServerEvent>;
  /** Bound addresses, with real ports (the web page's WebSocket listener included). */
  addresses(): string[];
  /** The web page's URL, with the real port, when the server was started with `web`. */
  readonly webUrl: string | undefined;
  /** Live connections and their counters. */
  snapshot(): ServerSnapshot;
  /** This node's snapshot and, with a cross-node `rooms` adapter, every other node's. */
  snapshotAll(): Promise<ClusterSnapshot>;
  /**
   * Stop accepting and close every connection (a match still being played ends as abandoned),
   * flushing what was queued for up to the flush timeout. Resolves when all is closed; safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * Start a ping-pong server: every connection runs pregame → game → goodbye with one
 * {@link MatchState} (the router ends it after a rejection or cancellation). Frames that do
 * not decode are answered with the protocol's `Error` message and ignored (`onDecodeError: 'reply'`).
 * Every stage has a deadline (pre-game, each turn, goodbye: 10 s each by default), so no peer
 * holds a connection open by saying nothing.
 *
 * With `web`, it also serves the web page (bundled in memory with esbuild on first use) on an HTTP
 * server, and listens for WebSocket connections at `/play` on that same server: one composite server,
 * whose matches come from TCP clients and browsers alike.
 *
 * @param options - where to listen, the web page's address, accepted versions, stage deadlines.
 * @returns the server handle; its `results$` reports every match.
 * @throws `ConfigError` with neither `listen` nor `web`, `AddressError` for a bad address,
 * `TransportError` when binding fails, `WebBundleError` when the web page does not bundle (all as rejected promises).
 * @example
 * ```ts
 * const server = await startServer({ listen: 'tcp://127.0.0.1:0' });
 * server.results$.subscribe((r) => console.log(formatResult(r)));
 * const result = await playMatch({ connect: server.addresses()[0]! });
 * await server.close();
 *
 * // With the web page: open server.webUrl in a browser.
 * const web = await startServer({ listen: 'tcp://127.0.0.1:4000', web: 'http://127.0.0.1:8080' });
 * ```
 */
export async function startServer(options: PingPongServerOptions): Promise<PingPongServer> {
  const listen = options.listen === undefined ? [] : typeof options.listen === 'string' ? [options.listen] : [...options.listen];
  if (listen.length === 0 && options.web === undefined) throw new ConfigError('listen', ['nothing to listen on: give listen, web, or both']);
  const web = options.web === undefined ? undefined : await startWebServer(options.web);
  try {
    return await startMatchServer(options, listen, web);
  } catch (error) {
    await web?.close();
    throw error;
  }
}

/** `{ timeoutMs }` when given, `{}` otherwise (optional properties are exact). */
function optionalTimeout(timeoutMs: number | undefined): { readonly timeoutMs?: number } {
  return timeoutMs === undefined ? {} : { timeoutMs };
}

async function startMatchServer(options: PingPongServerOptions, listen: readonly string[], web: WebServer | undefined): Promise<PingPongServer> {
  const results = new Subject<MatchResult>();
  const states = new Map<number, MatchState>();
  const game = options.turnTimeoutMs === undefined ? gameProcessor() : gameProcessor({ turnTimeoutMs: options.turnTimeoutMs });
  // The web page's WebSocket listener shares the page's HTTP server (same origin, same port); it wins
  // over the built-in ws:// transport, and the other built-in transports stay.
  const transports: readonly Transport[] | undefined = web === undefined ? undefined : [wsTransport({ httpServer: web.httpServer })];
  const server = await createCompositeServer({
    listen: web === undefined ? listen : [...listen, web.playAddress],
    ...(transports === undefined ? {} : { transports }),
    stages: {
      pregame: serverStage(
        PreGameProtocol,
        counted(serverPreGame({ versions: options.versions ?? SUPPORTED_VERSIONS, ...optionalTimeout(options.pregameTimeoutMs) })),
      ),
      game: serverStage(GameProtocol, counted(game)),
      goodbye: serverStage(GoodbyeProtocol, counted(serverGoodbye(optionalTimeout(options.goodbyeTimeoutMs)))),
    },
    initialState: (peer) => {
      const state = createMatchState('server');
      states.set(peer.id, state);
      return state;
    },
    router: matchRouter,
    config: { onDecodeError: 'reply', maxFrameBytes: 64 * 1024 } as const,
    ...(options.rooms === undefined ? {} : { rooms: options.rooms }),
  });
  let closing: Promise<void> | undefined;
  server.events$.subscribe({
    next: (event) => {
      if (event.type === 'decode-error') {
        const state = states.get(event.peerId);
        if (state !== undefined) state.decodeError = `${event.error.code}: ${event.error.message}`;
      } else if (event.type === 'processor-error') {
        const state = states.get(event.peerId);
        if (state !== undefined) state.reason ??= event.error.message;
      } else if (event.type === 'disconnected') {
        const state = states.get(event.peerId);
        states.delete(event.peerId);
        if (state !== undefined) results.next(toMatchResult(state, event.reason));
      }
    },
    complete: () => results.complete(),
  });
  return {
    results$: results.asObservable(),
    events$: server.events$,
    addresses: () => server.addresses(),
    webUrl: web?.url,
    snapshot: () => server.snapshot(),
    snapshotAll: () => server.snapshotAll(),
    close: () => (closing ??= server.close().finally(() => web?.close())),
  };
}
