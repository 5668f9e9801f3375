import { Game } from './game';
import type { MatchConfig } from './match-config';
import type { Player } from './player';
import type { Ruling, Score } from './umpire';

/** The result of {@link simulateMatch}. */
export interface SimulatedMatch {
  readonly score: Score;
  readonly winner: Player;
  /** Every turn, in order. */
  readonly history: readonly Ruling[];
}

/**
 * Play a whole match in memory: two {@link Game}s exchanging their reports, each checking the
 * other's. With a seeded config the result is exactly what the same match over a socket gives.
 *
 * @param config - the validated match config (seeded for a reproducible result).
 * @throws `Error` if the two sides disagree, which honest games never do.
 * @example
 * ```ts
 * simulateMatch({ ...DEFAULT_MATCH_CONFIG, scoreLimit: 5, seed: 42 }).score;
 * ```
 */
export function simulateMatch(config: MatchConfig): SimulatedMatch {
  const client = Game.create('client', config);
  const server = Game.create('server', config);
  while (!client.over) {
    const [mover, watcher] = client.ourTurn ? [client, server] : [server, client];
    for (const report of mover.play()) {
      const verdict = watcher.check(report);
      if (!verdict.ok) throw new Error(`sides disagree: ${verdict.reason}`);
    }
  }
  const winner = client.winner;
  if (winner === null) throw new Error('match ended without a winner');
  return { score: client.score, winner, history: client.history };
}
