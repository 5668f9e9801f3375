import { EMPTY, concat, concatMap, defer, ignoreElements, of, take, takeWhile, tap, type SchedulerLike } from 'rxjs';
import type { ClientMessage, ClientProcessor, ServerMessage } from '@rxmsg/core';
import { Game } from './logic/game';
import type { MatchConfig } from './logic/match-config';
import type { MatchState } from './match-state';
import type { GoodbyeProtocol, PreGameProtocol } from './protocols';
import { DEFAULT_GOODBYE_TIMEOUT_MS, DEFAULT_PREGAME_TIMEOUT_MS, withDeadline, type DeadlinePassed } from './stage-deadline';

/** Options of {@link clientPreGame} and {@link clientGoodbye}: the stage's deadline. */
export interface ClientStageOptions {
  /**
   * How long to wait for the server: in the pre-game, from `Hello` to `Start`
   * ({@link DEFAULT_PREGAME_TIMEOUT_MS} by default); in the goodbye stage, for `Goodbye`
   * ({@link DEFAULT_GOODBYE_TIMEOUT_MS} by default).
   */
  readonly timeoutMs?: number;
  /** The deadline's scheduler (virtual time in tests); rxjs `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
}

type PreGameIn = ServerMessage<typeof PreGameProtocol>;
type PreGameOut = ClientMessage<typeof PreGameProtocol>;

function configMessage(config: MatchConfig): PreGameOut {
  return config.seed === undefined
    ? { kind: 'Config', scoreLimit: config.scoreLimit, thresholds: config.thresholds }
    : { kind: 'Config', scoreLimit: config.scoreLimit, seed: config.seed, thresholds: config.thresholds };
}

function react(state: MatchState, message: PreGameIn | DeadlinePassed, config: MatchConfig, timeoutMs: number): readonly PreGameOut[] {
  switch (message.kind) {
    case 'DeadlinePassed':
      state.outcome = 'rejected';
      state.reason = `timeout: the server did not start the game within ${timeoutMs} ms`;
      return [];
    case 'Welcome':
      state.version = message.version;
      return [configMessage(config)];
    case 'Start':
      state.match = message.match;
      state.game = Game.create('client', config);
      return [];
    case 'Incompatible':
      state.outcome = 'rejected';
      state.reason = message.reason;
      return [];
    case 'Error':
      state.outcome = 'rejected';
      state.reason = `${message.code}: ${message.message}`;
      return [];
  }
}

/**
 * The client's pre-game stage: sends `Hello`, then its `Config` once welcomed, and completes
 * on `Start` (creating the client's {@link Game}), `Incompatible` or `Error`, or when the
 * server has not started the game within the deadline (the match is then `rejected`, reason
 * `timeout: ...`, and the client closes).
 *
 * @param version - the protocol version to announce.
 * @param config - the validated match config to propose.
 * @param options - the stage's deadline.
 */
export function clientPreGame(version: number, config: MatchConfig, options: ClientStageOptions = {}): ClientProcessor<typeof PreGameProtocol, MatchState> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PREGAME_TIMEOUT_MS;
  return (incoming$, peer) =>
    concat(
      of({ kind: 'Hello', version } as const),
      incoming$.pipe(
        withDeadline(timeoutMs, options.scheduler),
        takeWhile((m) => m.kind === 'Welcome', true),
        concatMap((m) => react(peer.state, m, config, timeoutMs)),
      ),
    );
}

/**
 * The client's goodbye stage: endorses the final score of its own umpire, waits for the
 * server's `Goodbye` and completes (the client then closes). Past the deadline it stops
 * waiting: the match stays finished, unendorsed.
 *
 * @param options - the stage's deadline.
 */
export function clientGoodbye(options: ClientStageOptions = {}): ClientProcessor<typeof GoodbyeProtocol, MatchState> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GOODBYE_TIMEOUT_MS;
  return (incoming$, peer) =>
    defer(() => {
      const game = peer.state.game;
      if (game === undefined) return EMPTY;
      return concat(
        of({ kind: 'Endorse', score: game.score } as const),
        incoming$.pipe(
          withDeadline(timeoutMs, options.scheduler),
          take(1),
          tap((m) => {
            if (m.kind === 'Goodbye') peer.state.endorsed = m.agreed;
            else if (m.kind === 'Error') peer.state.endorsed = false;
          }),
          ignoreElements(),
        ),
      );
    });
}
