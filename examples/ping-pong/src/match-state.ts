import type { Game } from './logic/game';
import type { Player } from './logic/player';

/** How a match ended. `rejected`: no game was started (version refused, or the pre-game timed out); `abandoned`: the connection ended mid-match. */
export type MatchOutcome = 'finished' | 'cancelled' | 'rejected' | 'abandoned';

/**
 * What one connection knows about its match, on either side. Created when the connection
 * opens and shared by its three stages (the same object across the handovers).
 */
export interface MatchState {
  /** Which player this side is. */
  readonly side: Player;
  /** When the connection opened (ms since the epoch). */
  readonly startedAt: number;
  /** The match number the server gave (the server's peer id of the connection). */
  match: number | undefined;
  /** The agreed protocol version. */
  version: number | undefined;
  /** The game, once the config was accepted. */
  game: Game | undefined;
  outcome: MatchOutcome | undefined;
  /** Why the match was cancelled, rejected or abandoned. */
  reason: string | undefined;
  /** Who cancelled it. */
  cancelledBy: Player | undefined;
  /** Whether client and server agreed on the final score in the goodbye stage; unset when the goodbye was not reached or timed out. */
  endorsed: boolean | undefined;
  /** The last decode error reported on this connection, as `CODE: message`. */
  decodeError: string | undefined;
  /** Messages received and sent by this side's processors. */
  messagesIn: number;
  messagesOut: number;
}

/**
 * A fresh state for a connection.
 * @param side - the player this side plays.
 */
export function createMatchState(side: Player): MatchState {
  return {
    side,
    startedAt: Date.now(),
    match: undefined,
    version: undefined,
    game: undefined,
    outcome: undefined,
    reason: undefined,
    cancelledBy: undefined,
    endorsed: undefined,
    decodeError: undefined,
    messagesIn: 0,
    messagesOut: 0,
  };
}
