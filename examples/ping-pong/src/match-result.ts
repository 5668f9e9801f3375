import type { DisconnectReason } from '@rxmsg/runtime';
import type { MatchConfig } from './logic/match-config';
import type { Player } from './logic/player';
import type { Ruling, Score } from './logic/umpire';
import type { MatchOutcome, MatchState } from './match-state';

/** One match as seen by one side once its connection is closed. */
export interface MatchResult {
  /** The match number given by the server, or `null` if no game was started. */
  readonly match: number | null;
  /** The side that reports it. */
  readonly side: Player;
  readonly outcome: MatchOutcome;
  readonly score: Score;
  readonly winner: Player | null;
  /** Why it was cancelled, rejected or abandoned; `null` when finished. */
  readonly reason: string | null;
  readonly cancelledBy: Player | null;
  /** Whether the final score was endorsed by both; `null` when the goodbye stage was not reached or timed out. */
  readonly endorsed: boolean | null;
  /** The match seed, when the match is replayable. */
  readonly seed: number | null;
  readonly config: MatchConfig | null;
  /** Turns played. */
  readonly turns: number;
  /** Every turn, in order. */
  readonly history: readonly Ruling[];
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** From connection to close, in ms. */
  readonly durationMs: number;
}

/**
 * Freeze a connection's state into its {@link MatchResult}. A match that ended without an
 * outcome is `abandoned` (`rejected` if no game started), with the disconnect reason.
 *
 * @param state - the connection's state.
 * @param disconnect - why the connection ended, if known.
 */
export function toMatchResult(state: MatchState, disconnect?: DisconnectReason): MatchResult {
  const game = state.game;
  const outcome: MatchOutcome = state.outcome ?? (game === undefined ? 'rejected' : 'abandoned');
  const fallback = state.decodeError ?? (disconnect === undefined ? 'connection ended' : `connection ended: ${disconnect}`);
  return Object.freeze({
    match: state.match ?? null,
    side: state.side,
    outcome,
    score: game?.score ?? { client: 0, server: 0 },
    winner: game?.winner ?? null,
    reason: outcome === 'finished' ? null : (state.reason ?? fallback),
    cancelledBy: state.cancelledBy ?? null,
    endorsed: state.endorsed ?? null,
    seed: game?.config.seed ?? null,
    config: game?.config ?? null,
    turns: game?.umpire.state.turns ?? 0,
    history: game?.history ?? [],
    messagesIn: state.messagesIn,
    messagesOut: state.messagesOut,
    durationMs: Date.now() - state.startedAt,
  });
}
