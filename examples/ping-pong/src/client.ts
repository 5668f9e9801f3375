import { BUILT_IN_TRANSPORTS } from '@rxmsg/node';
import type { MatchResult } from './match-result';
import { startMatch, type PlayMatchOptions } from './match-client';

export type { ClientGameProcessor, PlayMatchOptions } from './match-client';

/**
 * Connect to a ping-pong server and play one match: pregame → game → goodbye ({@link startMatch}
 * over Node's transports). Resolves with the match as the client saw it when the connection is
 * closed, whatever the outcome (finished, cancelled, rejected, abandoned).
 *
 * @param options - where to connect, the config to propose, version.
 * @returns the client's {@link MatchResult}.
 * @throws `ConfigError` (rejected promise) for an invalid config, `ConnectError` when the server cannot be reached.
 * @example
 * ```ts
 * const result = await playMatch({ connect: 'tcp://127.0.0.1:4000', config: { ...DEFAULT_MATCH_CONFIG, seed: 7 } });
 * console.log(formatResult(result));
 * ```
 */
export async function playMatch(options: PlayMatchOptions): Promise<MatchResult> {
  return startMatch({ ...options, transports: BUILT_IN_TRANSPORTS }).result;
}
