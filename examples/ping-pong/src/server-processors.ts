import { map, take, takeWhile, type SchedulerLike } from 'rxjs';
import type { ClientMessage, ServerMessage, ServerProcessor } from '@rxmsg/core';
import { Game } from './logic/game';
import type { MatchConfig } from './logic/match-config';
import type { MatchState } from './match-state';
import { SUPPORTED_VERSIONS, type GoodbyeProtocol, type PreGameProtocol } from './protocols';
import { DEFAULT_GOODBYE_TIMEOUT_MS, DEFAULT_PREGAME_TIMEOUT_MS, withDeadline } from './stage-deadline';

type PreGameIn = ClientMessage<typeof PreGameProtocol>;
type PreGameOut = ServerMessage<typeof PreGameProtocol>;
type GoodbyeOut = ServerMessage<typeof GoodbyeProtocol>;

/** The `Error` code the server sends when a stage's deadline passes, right before it closes. */
export const TIMEOUT_CODE = 'TIMEOUT';

/** Options of {@link serverPreGame}. */
export interface ServerPreGameOptions {
  /** The protocol versions accepted; {@link SUPPORTED_VERSIONS} by default. */
  readonly versions?: readonly number[];
  /** How long the whole pre-game may last, from the connection to `Start`; {@link DEFAULT_PREGAME_TIMEOUT_MS} by default. */
  readonly timeoutMs?: number;
  /** The deadline's scheduler (virtual time in tests); rxjs `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
}

/** Options of {@link serverGoodbye}. */
export interface ServerGoodbyeOptions {
  /** How long to wait for `Endorse` once the game is over; {@link DEFAULT_GOODBYE_TIMEOUT_MS} by default. */
  readonly timeoutMs?: number;
  /** The deadline's scheduler (virtual time in tests); rxjs `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
}

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

function preGameTimedOut(state: MatchState, timeoutMs: number): Answer {
  const message = `timeout: the pre-game did not end within ${timeoutMs} ms`;
  state.outcome = 'rejected';
  state.reason = message;
  return { reply: { kind: 'Error', code: TIMEOUT_CODE, message }, last: true };
}

/**
 * The server's pre-game stage: answers `Hello` with `Welcome` (or `Incompatible`, which ends
 * the connection), then `Config` with `Start`, creating the server's {@link Game}.
 * Messages out of order are answered with `Error` and ignored, like undecodable ones.
 * The whole stage has a deadline: when no `Start` was sent within it (a peer that says nothing,
 * stops after `Welcome`, or keeps sending lines that are refused), it answers `Error TIMEOUT`
 * and completes, and the connection closes.
 *
 * @param options - accepted versions, the stage's deadline.
 */
export function serverPreGame(options: ServerPreGameOptions = {}): ServerProcessor<typeof PreGameProtocol, MatchState> {
  const versions = options.versions ?? SUPPORTED_VERSIONS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PREGAME_TIMEOUT_MS;
  return (incoming$, peer) =>
    incoming$.pipe(
      withDeadline(timeoutMs, options.scheduler),
      map((message) => (message.kind === 'DeadlinePassed' ? preGameTimedOut(peer.state, timeoutMs) : answer(peer.state, peer.id, message, versions))),
      takeWhile((a) => !a.last, true),
      map((a) => a.reply),
    );
}

/**
 * The server's goodbye stage: takes the client's endorsement of the final score, answers
 * `Goodbye` with its own score and whether they agree, and completes (the server then closes).
 * When no `Endorse` comes within the deadline it answers `Error TIMEOUT` instead and completes:
 * the match stays finished, unendorsed.
 *
 * @param options - the stage's deadline.
 */
export function serverGoodbye(options: ServerGoodbyeOptions = {}): ServerProcessor<typeof GoodbyeProtocol, MatchState> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GOODBYE_TIMEOUT_MS;
  return (incoming$, peer) =>
    incoming$.pipe(
      withDeadline(timeoutMs, options.scheduler),
      take(1),
      map((endorse): GoodbyeOut => {
        if (endorse.kind === 'DeadlinePassed') return { kind: 'Error', code: TIMEOUT_CODE, message: `timeout: no Endorse within ${timeoutMs} ms` };
        const score = peer.state.game?.score ?? { client: 0, server: 0 };
        const agreed = endorse.score.client === score.client && endorse.score.server === score.server;
        peer.state.endorsed = agreed;
        return { kind: 'Goodbye', score, agreed };
      }),
    );
}
