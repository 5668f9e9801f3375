import type { Player } from './player';
import type { Ruling, TurnEvent, Umpire } from './umpire';

/** A turn as a player reports it to its opponent: the turn number, who played it, the draw and the event it claims. */
export interface TurnReport {
  readonly n: number;
  readonly player: Player;
  readonly draw: number;
  readonly event: TurnEvent;
}

/** The referee's verdict on a reported turn: the ruling it was checked against, or why the game must be cancelled. */
export type Verdict = { readonly ok: true; readonly ruling: Ruling } | { readonly ok: false; readonly reason: string };

/**
 * Check an opponent's reported turn by replaying its draw on our own umpire, and apply it
 * when it agrees. The turn must be the next one, belong to `opponent` (whose turn it must
 * be), carry a draw in `[0, 1)`, and claim exactly the event our umpire rules for that draw.
 *
 * @param umpire - our umpire; changed only when the verdict is `ok`.
 * @param report - what the opponent sent.
 * @param opponent - the player who sent it.
 * @returns `ok` with our ruling, or the reason to cancel the game.
 * @example
 * ```ts
 * const verdict = referee(umpire, { n: 1, player: 'client', draw: 0.5, event: 'ball-out' }, 'client');
 * // { ok: false, reason: 'turn 1: client reported ball-out but draw 0.5 is service' }
 * ```
 */
export function referee(umpire: Umpire, report: TurnReport, opponent: Player): Verdict {
  const expected = umpire.state.turns + 1;
  if (report.n !== expected) return { ok: false, reason: `out of sequence: got turn ${report.n}, expected turn ${expected}` };
  if (report.player !== opponent) return { ok: false, reason: `wrong player: ${opponent} reported turn ${report.n} as ${report.player}'s` };
  const result = umpire.judge(report.player, report.draw);
  if (!result.ok) return { ok: false, reason: result.reason };
  const { ruling } = result;
  if (ruling.event !== report.event) {
    return { ok: false, reason: `turn ${report.n}: ${report.player} reported ${report.event} but draw ${report.draw} is ${ruling.event}` };
  }
  umpire.commit(ruling);
  return { ok: true, ruling };
}
