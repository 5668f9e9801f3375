import { Subject, type Observable } from 'rxjs';
import { createCompositeServer, serverStage, type ServerEvent, type ServerSnapshot } from '@rxmsg/node';
import { counted } from './counted';
import { gameProcessor } from './game-processor';
import { toMatchResult, type MatchResult } from './match-result';
import { matchRouter } from './match-router';
import { createMatchState, type MatchState } from './match-state';
import { GameProtocol, GoodbyeProtocol, PreGameProtocol, SUPPORTED_VERSIONS } from './protocols';
import { serverGoodbye, serverPreGame } from './server-processors';

/** Options of {@link startServer}. */
export interface PingPongServerOptions {
  /** Address(es) to listen on, e.g. `tcp://127.0.0.1:0`. */
  readonly listen: string | readonly string[];
  /** Protocol versions accepted; {@link SUPPORTED_VERSIONS} by default. */
  readonly versions?: readonly number[];
  /** How long to wait for each client message during the game; 10 s by default. */
  readonly turnTimeoutMs?: number;
}

/** A running ping-pong server. */
export interface PingPongServer {
  /** Each match's result, from the server's side, when its connection closes. Hot; completes when the server is closed. */
  readonly results$: Observable<MatchResult>;
  /** The runtime's events (connections, stages, decode errors, disconnects). Hot. */
  readonly events$: Observable<ServerEvent>;
  /** Bound addresses, with real ports. */
  addresses(): string[];
  /** Live connections and their counters. */
  snapshot(): ServerSnapshot;
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
 *
 * @param options - where to listen, accepted versions, turn timeout.
 * @returns the server handle; its `results$` reports every match.
 * @throws `AddressError` for a bad address, `TransportError` when binding fails.
 * @example
 * ```ts
 * const server = await startServer({ listen: 'tcp://127.0.0.1:0' });
 * server.results$.subscribe((r) => console.log(formatResult(r)));
 * const result = await playMatch({ connect: server.addresses()[0]! });
 * await server.close();
 * ```
 */
export async function startServer(options: PingPongServerOptions): Promise<PingPongServer> {
  const results = new Subject<MatchResult>();
  const states = new Map<number, MatchState>();
  const game = options.turnTimeoutMs === undefined ? gameProcessor() : gameProcessor({ turnTimeoutMs: options.turnTimeoutMs });
  const server = await createCompositeServer({
    listen: options.listen,
    stages: {
      pregame: serverStage(PreGameProtocol, counted(serverPreGame(options.versions ?? SUPPORTED_VERSIONS))),
      game: serverStage(GameProtocol, counted(game)),
      goodbye: serverStage(GoodbyeProtocol, counted(serverGoodbye)),
    },
    initialState: (peer) => {
      const state = createMatchState('server');
      states.set(peer.id, state);
      return state;
    },
    router: matchRouter,
    config: { onDecodeError: 'reply', maxFrameBytes: 64 * 1024 } as const,
  });
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
    snapshot: () => server.snapshot(),
    close: () => server.close(),
  };
}
