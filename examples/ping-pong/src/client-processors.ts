import { EMPTY, concat, concatMap, defer, ignoreElements, of, take, takeWhile, tap } from 'rxjs';
import type { ClientMessage, ClientProcessor, ServerMessage } from '@rxmsg/core';
import { Game } from './logic/game';
import type { MatchConfig } from './logic/match-config';
import type { MatchState } from './match-state';
import type { GoodbyeProtocol, PreGameProtocol } from './protocols';

type PreGameIn = ServerMessage<typeof PreGameProtocol>;
type PreGameOut = ClientMessage<typeof PreGameProtocol>;

function configMessage(config: MatchConfig): PreGameOut {
  return config.seed === undefined
    ? { kind: 'Config', scoreLimit: config.scoreLimit, thresholds: config.thresholds }
    : { kind: 'Config', scoreLimit: config.scoreLimit, seed: config.seed, thresholds: config.thresholds };
}

function react(state: MatchState, message: PreGameIn, config: MatchConfig): readonly PreGameOut[] {
  switch (message.kind) {
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
 * on `Start` (creating the client's {@link Game}), `Incompatible` or `Error`.
 *
 * @param version - the protocol version to announce.
 * @param config - the validated match config to propose.
 */
export function clientPreGame(version: number, config: MatchConfig): ClientProcessor<typeof PreGameProtocol, MatchState> {
  return (incoming$, peer) =>
    concat(
      of({ kind: 'Hello', version } as const),
      incoming$.pipe(
        takeWhile((m) => m.kind === 'Welcome', true),
        concatMap((m) => react(peer.state, m, config)),
      ),
    );
}

/**
 * The client's goodbye stage: endorses the final score of its own umpire, waits for the
 * server's `Goodbye` and completes (the client then closes).
 */
export const clientGoodbye: ClientProcessor<typeof GoodbyeProtocol, MatchState> = (incoming$, peer) =>
  defer(() => {
    const game = peer.state.game;
    if (game === undefined) return EMPTY;
    return concat(
      of({ kind: 'Endorse', score: game.score } as const),
      incoming$.pipe(
        take(1),
        tap((m) => {
          if (m.kind === 'Goodbye') peer.state.endorsed = m.agreed;
          else peer.state.endorsed = false;
        }),
        ignoreElements(),
      ),
    );
  });
