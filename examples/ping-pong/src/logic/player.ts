/** One of the two players of a match: the end that connected (`client`) or the one that listened (`server`). */
export type Player = 'client' | 'server';

/** Both players, client first. */
export const PLAYERS = Object.freeze(['client', 'server'] as const) satisfies readonly Player[];

/**
 * The other player.
 * @param player - one player.
 * @returns the opponent of `player`.
 */
export function opponentOf(player: Player): Player {
  return player === 'client' ? 'server' : 'client';
}
