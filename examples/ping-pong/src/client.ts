import { ConfigError, ConnectError, clientStage, createCompositeClient, type ClientProcessor, type DisconnectReason, type RxmsgError } from '@rxmsg/node';
import { clientGoodbye, clientPreGame } from './client-processors';
import { counted } from './counted';
import { gameProcessor } from './game-processor';
import { DEFAULT_MATCH_CONFIG, parseMatchConfig, type MatchConfig } from './logic/match-config';
import { toMatchResult, type MatchResult } from './match-result';
import { matchRouter } from './match-router';
import { createMatchState, type MatchState } from './match-state';
import { GameProtocol, GoodbyeProtocol, PROTOCOL_VERSION, PreGameProtocol } from './protocols';

/** The client's game processor, as {@link PlayMatchOptions.wrapGame} sees it. */
export type ClientGameProcessor = ClientProcessor<typeof GameProtocol, MatchState>;

/** Options of {@link playMatch}. */
export interface PlayMatchOptions {
  /** The server's address, e.g. `tcp://127.0.0.1:4000`. */
  readonly connect: string;
  /** The match config to propose; {@link DEFAULT_MATCH_CONFIG} by default. Set `seed` to make the match replayable. */
  readonly config?: MatchConfig;
  /** The protocol version to announce; the current one by default. */
  readonly version?: number;
  /** How long to wait for each server message during the game; 10 s by default. */
  readonly turnTimeoutMs?: number;
  /**
   * Replace the honest game processor with one derived from it, e.g. one that misreports a
   * turn. For tests of the server's checks.
   */
  readonly wrapGame?: (honest: ClientGameProcessor) => ClientGameProcessor;
  /** Retry a refused connection a few times (for a server that is still starting); off by default. */
  readonly retry?: boolean;
}

/**
 * Connect to a ping-pong server and play one match: pregame → game → goodbye. Resolves with
 * the match as the client saw it when the connection is closed, whatever the outcome
 * (finished, cancelled, rejected, abandoned).
 *
 * @param options - where to connect, the config to propose, version.
 * @returns the client's {@link MatchResult}.
 * @throws {@link ConfigError} (rejected promise) for an invalid config, `ConnectError` when the server cannot be reached.
 * @example
 * ```ts
 * const result = await playMatch({ connect: 'tcp://127.0.0.1:4000', config: { ...DEFAULT_MATCH_CONFIG, seed: 7 } });
 * console.log(formatResult(result));
 * ```
 */
export async function playMatch(options: PlayMatchOptions): Promise<MatchResult> {
  const parsed = parseMatchConfig(options.config ?? DEFAULT_MATCH_CONFIG);
  if (!parsed.ok) throw new ConfigError('config', [...parsed.issues]);
  const honest: ClientGameProcessor =
    options.turnTimeoutMs === undefined ? gameProcessor() : gameProcessor({ turnTimeoutMs: options.turnTimeoutMs });
  const game = options.wrapGame === undefined ? honest : options.wrapGame(honest);
  let state: MatchState | undefined;
  const client = createCompositeClient({
    connect: options.connect,
    stages: {
      pregame: clientStage(PreGameProtocol, counted(clientPreGame(options.version ?? PROTOCOL_VERSION, parsed.config))),
      game: clientStage(GameProtocol, counted(game)),
      goodbye: clientStage(GoodbyeProtocol, counted(clientGoodbye)),
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
  await client.closed;
  if (state === undefined) throw failure ?? new ConnectError(options.connect, 1);
  return toMatchResult(state, reason);
}
