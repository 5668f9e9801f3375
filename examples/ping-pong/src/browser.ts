/**
 * `@rxmsg-examples/ping-pong/browser`: the browser-safe part of the example, which the web page
 * (`src/web/`) is built from: the shared game logic, the protocols, the client processors,
 * {@link startMatch} (transports passed in) and the page's helpers. Nothing here imports
 * `@rxmsg/node` or a Node built-in; the server, the CLI and `playMatch` are in the main entry.
 * @packageDocumentation
 */
export { Game } from './logic/game';
export { DEFAULT_MATCH_CONFIG, DEFAULT_THRESHOLDS, MatchConfigSchema, THRESHOLD_NAMES, ThresholdsSchema, parseMatchConfig } from './logic/match-config';
export type { MatchConfig, MatchConfigResult, ThresholdName, Thresholds } from './logic/match-config';
export { PLAYERS, opponentOf } from './logic/player';
export type { Player } from './logic/player';
export { MAX_SEED, createRandom, playerSeed, randomSeed } from './logic/random';
export type { Random } from './logic/random';
export { simulateMatch } from './logic/simulate-match';
export type { SimulatedMatch } from './logic/simulate-match';
export { TURN_EVENTS, Umpire } from './logic/umpire';
export type { Outcome, Phase, Ruling, Score, TurnEvent, UmpireState } from './logic/umpire';
export { GameProtocol, GoodbyeProtocol, PROTOCOL_VERSION, PreGameProtocol } from './protocols';
export type { CancelMessage, GameMessage, TurnMessage } from './protocols';
export { clientGoodbye, clientPreGame } from './client-processors';
export type { ClientStageOptions } from './client-processors';
export { DEADLINE_PASSED, DEFAULT_GOODBYE_TIMEOUT_MS, DEFAULT_PREGAME_TIMEOUT_MS, withDeadline } from './stage-deadline';
export type { DeadlinePassed } from './stage-deadline';
export { DEFAULT_TURN_TIMEOUT_MS, gameProcessor } from './game-processor';
export { counted } from './counted';
export { watched } from './watched';
export { createMatchState } from './match-state';
export type { MatchOutcome, MatchState } from './match-state';
export { matchRouter } from './match-router';
export { toMatchResult } from './match-result';
export type { MatchResult } from './match-result';
export { ProgressTracker } from './match-progress';
export type { MatchProgress } from './match-progress';
export { startMatch } from './match-client';
export type { ClientGameProcessor, MatchClient, PlayMatchOptions, StartMatchOptions } from './match-client';
export { pacedTurns } from './paced-turns';
export { RateMeter } from './rate-meter';
export { formatResult } from './format-result';
export { MAX_PACE_MS, PLAY_PATH, WEB_BATCH_MATCHES, parseWebPageOptions, playAddress, webMatchConfig } from './web-page-options';
export type { WebPageOptions, WebPageOptionsResult } from './web-page-options';
