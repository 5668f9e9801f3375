import { EMPTY, concat, concatMap, defer, from, map, of, takeWhile, throwError, timeout } from 'rxjs';
import type { Processor } from '@rxmsg/core';
import type { Game } from './logic/game';
import type { Player } from './logic/player';
import type { TurnReport } from './logic/referee';
import type { MatchState } from './match-state';
import type { CancelMessage, GameMessage, TurnMessage } from './protocols';

/** Default time a player waits for the opponent's next message before cancelling the game. */
export const DEFAULT_TURN_TIMEOUT_MS = 10_000;

/** Options of {@link gameProcessor}. */
export interface GameProcessorOptions {
  /** How long to wait for each opponent message; past it the game is cancelled. */
  readonly turnTimeoutMs?: number;
}

/** What the game processor sends: turns and cancellations, the messages both sides have. */
export type GameOutput = TurnMessage | CancelMessage;

/** The game processor of either side (client and server run the same one). */
export type GameProcessor = Processor<GameMessage, GameOutput, MatchState>;

interface Step {
  readonly out: readonly GameOutput[];
  /** The game is over (finished or cancelled) after this step. */
  readonly last: boolean;
}

const TIMED_OUT = { kind: 'TimedOut' } as const;

function turnMessage(report: TurnReport): TurnMessage {
  return { kind: 'Turn', n: report.n, player: report.player, draw: report.draw, event: report.event };
}

function cancel(state: MatchState, by: Player, reason: string, send: boolean): Step {
  state.outcome = 'cancelled';
  state.cancelledBy = by;
  state.reason = reason;
  return { out: send ? [{ kind: 'Cancel', reason }] : [], last: true };
}

/** Our own turns, if it is our move; marks the match finished when it is over. */
function play(state: MatchState, game: Game): Step {
  const out = game.play().map(turnMessage);
  if (game.over) state.outcome = 'finished';
  return { out, last: game.over };
}

function step(state: MatchState, game: Game, message: GameMessage | typeof TIMED_OUT, timeoutMs: number): Step {
  switch (message.kind) {
    case 'Turn': {
      const verdict = game.check(message);
      if (!verdict.ok) return cancel(state, game.side, verdict.reason, true);
      if (game.over) {
        state.outcome = 'finished';
        return { out: [], last: true };
      }
      return play(state, game);
    }
    case 'Cancel':
      return cancel(state, game.opponent, message.reason, false);
    case 'Error':
      return cancel(state, game.side, `the server could not decode our message: ${message.code}: ${message.message}`, true);
    case 'TimedOut':
      return cancel(state, game.side, `timeout: no message from the ${game.opponent} within ${timeoutMs} ms`, true);
  }
}

/**
 * The game stage, one implementation for both sides: the player whose turn it is draws,
 * rules with its own umpire and sends a `Turn`; the other checks it by replaying the draw
 * on its own umpire ({@link Game.check}). A turn that does not check out (wrong player,
 * out of sequence, draw out of range, event not what the draw gives) is answered with
 * `Cancel` and the reason; a `Cancel` received ends the game too. The stream completes
 * when the match is finished or cancelled, which hands the connection to the router.
 *
 * Cold: runs once per connection when the stage is entered; needs `peer.state.game`.
 *
 * @param options - turn timeout.
 * @example
 * ```ts
 * serverStage(GameProtocol, gameProcessor());
 * clientStage(GameProtocol, gameProcessor());
 * ```
 */
export function gameProcessor(options: GameProcessorOptions = {}): GameProcessor {
  const timeoutMs = options.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS;
  return (incoming$, peer) =>
    defer(() => {
      const state = peer.state;
      const game = state.game;
      if (game === undefined) return throwError(() => new Error('game stage entered without an accepted config'));
      const opening = play(state, game);
      if (opening.last) return from(opening.out);
      const moves$ = incoming$.pipe(
        timeout({ each: timeoutMs, with: () => of(TIMED_OUT) }),
        map((message) => step(state, game, message, timeoutMs)),
        takeWhile((s) => !s.last, true),
        concatMap((s) => s.out),
      );
      const abandoned$ = defer(() => {
        // The opponent's input ended before the match did.
        if (state.outcome === undefined) {
          state.outcome = 'abandoned';
          state.reason = `the ${game.opponent} left during the game`;
        }
        return EMPTY;
      });
      return concat(from(opening.out), moves$, abandoned$);
    });
}
