import type { Ruling, Score } from './logic/umpire';
import type { MatchState } from './match-state';

/** A match while it is played, as one side sees it: what the web page shows live. */
export interface MatchProgress {
  /** The match number the server gave, once the game started. */
  readonly match: number | null;
  readonly score: Score;
  /** Turns played so far. */
  readonly turns: number;
  /** Good shots (services and rebates) of the point in play, or of the point just scored when the last turn scored it. */
  readonly rally: number;
  /** The most good shots of any point so far. */
  readonly longestRally: number;
  /** The turns ruled since the previous progress of this match, in order. */
  readonly rulings: readonly Ruling[];
  /** Messages received and sent by this side so far. */
  readonly messagesIn: number;
  readonly messagesOut: number;
}

/**
 * Turns a connection's {@link MatchState} into a {@link MatchProgress} each time it is asked,
 * reporting every ruling once and keeping the rally counts. One tracker per match.
 *
 * @example
 * ```ts
 * const tracker = new ProgressTracker();
 * const progress = tracker.next(state); // progress.rulings: the turns since the last call
 * ```
 */
export class ProgressTracker {
  /** Rulings of the history already reported. */
  private reported = 0;
  private rally = 0;
  private longestRally = 0;
  private pointScored = false;

  /**
   * The match now, with the rulings added to the game's history since the previous call.
   * @param state - the match's state; its game's history only grows.
   */
  next(state: MatchState): MatchProgress {
    const history = state.game?.history ?? [];
    const rulings = history.slice(this.reported);
    this.reported = history.length;
    for (const ruling of rulings) {
      if (this.pointScored) this.rally = 0;
      this.pointScored = ruling.outcome === 'point';
      if (ruling.outcome === 'flip') this.rally++;
      this.longestRally = Math.max(this.longestRally, this.rally);
    }
    return {
      match: state.match ?? null,
      score: state.game?.score ?? { client: 0, server: 0 },
      turns: state.game?.umpire.state.turns ?? 0,
      rally: this.rally,
      longestRally: this.longestRally,
      rulings,
      messagesIn: state.messagesIn,
      messagesOut: state.messagesOut,
    };
  }
}
