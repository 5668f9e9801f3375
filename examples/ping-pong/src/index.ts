/**
 * The ping-pong example: a table-tennis match between a client and a server that run the
 * same game logic, over a stack of three protocols (text pre-game, binary game, text goodbye).
 * The wire format is in PROTOCOL.md. The server can also serve a web page that plays in the
 * browser (`startServer({ web })`); the page is built from the browser-safe entry
 * `@rxmsg-examples/ping-pong/browser` (`src/browser.ts`).
 * @packageDocumentation
 */
export { Game } from './logic/game';
export {
  DEFAULT_MATCH_CONFIG,
  DEFAULT_THRESHOLDS,
  MatchConfigSchema,
  THRESHOLD_NAMES,
  ThresholdsSchema,
  parseMatchConfig,
} from './logic/match-config';
export type { MatchConfig, MatchConfigResult, ThresholdName, Thresholds } from './logic/match-config';
export { PLAYERS, opponentOf } from './logic/player';
export type { Player } from './logic/player';
export { MAX_SEED, SERVER_SEED_MIX, createRandom, playerSeed, randomSeed } from './logic/random';
export type { Random } from './logic/random';
export { referee } from './logic/referee';
export type { TurnReport, Verdict } from './logic/referee';
export { simulateMatch } from './logic/simulate-match';
export type { SimulatedMatch } from './logic/simulate-match';
export { MAX_SERVICE_ATTEMPTS, TURN_EVENTS, Umpire, classifyDraw, initialUmpireState, isSoftFault, rule } from './logic/umpire';
export type { Outcome, Phase, RuleResult, Ruling, Score, TurnEvent, UmpireState } from './logic/umpire';
export { GameProtocol, GoodbyeProtocol, PROTOCOL_VERSION, PreGameProtocol, SUPPORTED_VERSIONS } from './protocols';
export type { CancelMessage, GameMessage, TurnMessage } from './protocols';
export { clientGoodbye, clientPreGame } from './client-processors';
export type { ClientStageOptions } from './client-processors';
export { DEADLINE_PASSED, DEFAULT_GOODBYE_TIMEOUT_MS, DEFAULT_PREGAME_TIMEOUT_MS, withDeadline } from './stage-deadline';
export type { DeadlinePassed } from './stage-deadline';
export { TIMEOUT_CODE, serverGoodbye, serverPreGame } from './server-processors';
export type { ServerGoodbyeOptions, ServerPreGameOptions } from './server-processors';
export { DEFAULT_TURN_TIMEOUT_MS, gameProcessor } from './game-processor';
export type { GameOutput, GameProcessor, GameProcessorOptions } from './game-processor';
export { counted } from './counted';
export { watched } from './watched';
export { createMatchState } from './match-state';
export type { MatchOutcome, MatchState } from './match-state';
export { matchRouter } from './match-router';
export type { StageName } from './match-router';
export { toMatchResult } from './match-result';
export type { MatchResult } from './match-result';
export { ProgressTracker } from './match-progress';
export type { MatchProgress } from './match-progress';
export { startServer } from './server';
export type { PingPongServer, PingPongServerOptions } from './server';
export { startMatch } from './match-client';
export type { MatchClient, StartMatchOptions } from './match-client';
export { playMatch } from './client';
export type { ClientGameProcessor, PlayMatchOptions } from './client';
export { pacedTurns } from './paced-turns';
export { RateMeter } from './rate-meter';
export { MAX_PACE_MS, PLAY_PATH, WEB_BATCH_MATCHES, parseWebPageOptions, playAddress, webMatchConfig } from './web-page-options';
export type { WebPageOptions, WebPageOptionsResult } from './web-page-options';
export { WEB_SOURCE_DIR, WebBundleError, bundleWebApp, webAssets } from './web-bundle';
export type { BundleWebAppOptions, WebAsset, WebAssets } from './web-bundle';
export { parseWebAddress, startWebServer } from './web-server';
export type { WebServer } from './web-server';
export { playMatches } from './play-matches';
export type { MatchesSummary, PlayMatchesOptions } from './play-matches';
export { formatResult, formatSummary } from './format-result';
export { USAGE, parseCliArgs } from './cli-args';
export type { CliArgsResult, CliCommand } from './cli-args';
export { PingPongStack } from './ping-pong-stack';
