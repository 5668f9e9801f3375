import { Subject, type Observable } from 'rxjs';
import { ConfigError, ConnectError, type ClientProcessor, type RxmsgError, type Transport } from '@rxmsg/core';
import { clientStage, createCompositeClient, type DisconnectReason } from '@rxmsg/runtime';
import { clientGoodbye, clientPreGame, type ClientStageOptions } from './client-processors';
import { counted } from './counted';
import { gameProcessor } from './game-processor';
import { DEFAULT_MATCH_CONFIG, parseMatchConfig, type MatchConfig } from './logic/match-config';
import { ProgressTracker, type MatchProgress } from './match-progress';
import { toMatchResult, type MatchResult } from './match-result';
import { matchRouter } from './match-router';
import { createMatchState, type MatchState } from './match-state';
import { GameProtocol, GoodbyeProtocol, PROTOCOL_VERSION, PreGameProtocol } from './protocols';
import { watched } from './watched';

/** The client's game processor, as {@link PlayMatchOptions.wrapGame} sees it. */
export type ClientGameProcessor = ClientProcessor<typeof GameProtocol, MatchState>;

/** Options of one match, on any platform. */
export interface PlayMatchOptions {
  /** The server's address, e.g. `tcp://127.0.0.1:4000` or `ws://127.0.0.1:8080/play`. */
  readonly connect: string;
  /** The match config to propose; {@link DEFAULT_MATCH_CONFIG} by default. Set `seed` to make the match replayable. */
  readonly config?: MatchConfig;
  /** The protocol version to announce; the current one by default. */
  readonly version?: number;
  /** How long to wait for each server message during the game; 10 s by default. */
  readonly turnTimeoutMs?: number;
  /** How long the server may take to start the game, from `Hello` to `Start`; 10 s by default. */
  readonly pregameTimeoutMs?: number;
  /** How long to wait for the server's `Goodbye` after endorsing the score; 10 s by default. */
  readonly goodbyeTimeoutMs?: number;
  /**
   * Replace the honest game processor with one derived from it, e.g. one that misreports a
   * turn (tests of the server's checks) or one that paces its turns (the web page).
   */
  readonly wrapGame?: (honest: ClientGameProcessor) => ClientGameProcessor;
  /** Retry a refused connection a few times (for a server that is still starting); off by default. */
  readonly retry?: boolean;
}

/** Options of {@link startMatch}: a match and the transports to reach the server with. */
export interface StartMatchOptions extends PlayMatchOptions {
  /** Transports for the address's scheme: `[browserWsTransport()]` in a browser; TCP, TLS and WebSocket on Node. */
  readonly transports: readonly Transport[];
}

/** A match being played by {@link startMatch}. */
export interface MatchClient {
  /**
   * The match after every message this side receives (once handled) or sends. Hot: subscribe
   * right away to see every ruling. Completes when the connection is closed.
   */
  readonly progress$: Observable<MatchProgress>;
  /**
   * The match as the client saw it once the connection is closed, whatever the outcome
   * (finished, cancelled, rejected, abandoned). Rejects with the client's error (a `ConnectError`
   * when the server cannot be reached) when no connection was made.
   */
  readonly result: Promise<MatchResult>;
  /** Leave the match now (the server counts it as abandoned); resolves once closed. Safe to call twice. */
  close(): Promise<void>;
}

/** `{ timeoutMs }` when given, `{}` otherwise (optional properties are exact). */
function stageTimeout(timeoutMs: number | undefined): ClientStageOptions {
  return timeoutMs === undefined ? {} : { timeoutMs };
}

/**
 * Connect to a ping-pong server and play one match, pregame → game → goodbye, with the client
 * processors of the example. Browser-safe: the transports are passed in. {@link playMatch} is
 * this with Node's transports; the web page calls it with `browserWsTransport()`. Every stage
 * has a deadline (10 s each by default), so a server that stops talking does not hold the client.
 *
 * @param options - where to connect and how, the config to propose, version.
 * @returns the running match: its progress and its result.
 * @throws {@link ConfigError} for an invalid config; `AddressError` for an address no transport handles.
 * @example
 * ```ts
 * const match = startMatch({ connect: 'ws://localhost:8080/play', transports: [browserWsTransport()], config });
 * match.progress$.subscribe((p) => console.log(p.score));
 * const result = await match.result;
 * ```
 */
export function startMatch(options: StartMatchOptions): MatchClient {
  const parsed = parseMatchConfig(options.config ?? DEFAULT_MATCH_CONFIG);
  if (!parsed.ok) throw new ConfigError('config', [...parsed.issues]);
  const honest: ClientGameProcessor =
    options.turnTimeoutMs === undefined ? gameProcessor() : gameProcessor({ turnTimeoutMs: options.turnTimeoutMs });
  const game = options.wrapGame === undefined ? honest : options.wrapGame(honest);
  const progress = new Subject<MatchProgress>();
  const tracker = new ProgressTracker();
  const report = (s: MatchState): void => progress.next(tracker.next(s));
  let state: MatchState | undefined;
  const client = createCompositeClient({
    connect: options.connect,
    transports: options.transports,
    stages: {
      pregame: clientStage(
        PreGameProtocol,
        watched(counted(clientPreGame(options.version ?? PROTOCOL_VERSION, parsed.config, stageTimeout(options.pregameTimeoutMs))), report),
      ),
      game: clientStage(GameProtocol, watched(counted(game), report)),
      goodbye: clientStage(GoodbyeProtocol, watched(counted(clientGoodbye(stageTimeout(options.goodbyeTimeoutMs))), report)),
    },
    initialState: () => (state = createMatchState('client')),
    router: matchRouter,
    config: {
      connectRetry: options.retry === true ? { initialMs: 50, maxMs: 500, factor: 2, jitter: 0.5, maxAttempts: 6 } : 'none',
    },
  });
  let reason: DisconnectReason | undefined;
  let failure: RxmsgError | undefined;
  client.events$.subscribe((event) => {
    if (event.type === 'disconnected') reason = event.reason;
    else if (event.type === 'decode-error' && state !== undefined) state.decodeError = `${event.error.code}: ${event.error.message}`;
    else if (event.type === 'closed') failure = event.error;
  });
  const result = client.closed.then(() => {
    progress.complete();
    if (state === undefined) throw failure ?? new ConnectError(options.connect, 1);
    return toMatchResult(state, reason);
  });
  return { progress$: progress.asObservable(), result, close: () => client.close() };
}
