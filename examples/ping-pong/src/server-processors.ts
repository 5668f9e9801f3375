import { map, take, takeWhile } from 'rxjs';
import type { ClientMessage, ServerMessage, ServerProcessor } from '@rxmsg/core';
import { Game } from './logic/game';
import type { MatchConfig } from './logic/match-config';
import type { MatchState } from './match-state';
import { SUPPORTED_VERSIONS, type GoodbyeProtocol, type PreGameProtocol } from './protocols';

type PreGameIn = ClientMessage<typeof PreGameProtocol>;
type PreGameOut = ServerMessage<typeof PreGameProtocol>;

interface Answer {
  readonly reply: PreGameOut;
  /** The pre-game stage ends after this reply. */
  readonly last: boolean;
}

function answer(state: MatchState, peerId: number, message: PreGameIn, versions: readonly number[]): Answer {
  if (message.kind === 'Hello') {
    if (state.version !== undefined) {
      return { reply: { kind: 'Error', code: 'UNEXPECTED_MESSAGE', message: 'Hello was already received; send Config' }, last: false };
    }
    if (!versions.includes(message.version)) {
      const reason = `incompatible version ${message.version}; supported: ${versions.join(', ')}`;
      state.outcome = 'rejected';
      state.reason = reason;
      return { reply: { kind: 'Incompatible', version: message.version, supported: [...versions], reason }, last: true };
    }
    state.version = message.version;
    return { reply: { kind: 'Welcome', version: message.version }, last: false };
  }
  if (state.version === undefined) {
    return { reply: { kind: 'Error', code: 'UNEXPECTED_MESSAGE', message: 'send Hello before Config' }, last: false };
  }
  const config: MatchConfig =
    message.seed === undefined
      ? { scoreLimit: message.scoreLimit, thresholds: message.thresholds }
      : { scoreLimit: message.scoreLimit, seed: message.seed, thresholds: message.thresholds };
  state.game = Game.create('server', config);
  state.match = peerId;
  return { reply: { kind: 'Start', match: peerId }, last: true };
}

/**
 * The server's pre-game stage: answers `Hello` with `Welcome` (or `Incompatible`, which ends
 * the connection), then `Config` with `Start`, creating the server's {@link Game}.
 * Messages out of order are answered with `Error` and ignored, like undecodable ones.
 *
 * @param versions - the protocol versions accepted.
 */
export function serverPreGame(versions: readonly number[] = SUPPORTED_VERSIONS): ServerProcessor<typeof PreGameProtocol, MatchState> {
  return (incoming$, peer) =>
    incoming$.pipe(
      map((message) => answer(peer.state, peer.id, message, versions)),
      takeWhile((a) => !a.last, true),
      map((a) => a.reply),
    );
}

/**
 * The server's goodbye stage: takes the client's endorsement of the final score, answers
 * `Goodbye` with its own score and whether they agree, and completes (the server then closes).
 */
export const serverGoodbye: ServerProcessor<typeof GoodbyeProtocol, MatchState> = (incoming$, peer) =>
  incoming$.pipe(
    take(1),
    map((endorse) => {
      const score = peer.state.game?.score ?? { client: 0, server: 0 };
      const agreed = endorse.score.client === score.client && endorse.score.server === score.server;
      peer.state.endorsed = agreed;
      return { kind: 'Goodbye', score, agreed } as const;
    }),
  );
