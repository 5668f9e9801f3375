import { asyncScheduler, concatMap, delay, of, type SchedulerLike } from 'rxjs';
import { outputOf } from '@rxmsg/runtime';
import type { ClientGameProcessor } from './match-client';

/**
 * A `wrapGame` that waits `paceMs` before sending each of the client's turns, so that a person
 * can follow a match (the web page's `?pace=`). The client's umpire still rules each turn when it
 * is drawn; only its sending is delayed, in order. Keep `paceMs` well below the server's turn timeout.
 *
 * @param paceMs - the pause before each turn, in ms.
 * @param scheduler - where the pauses are timed; `asyncScheduler` by default.
 * @example
 * ```ts
 * startMatch({ connect, transports, wrapGame: pacedTurns(50) });
 * ```
 */
export function pacedTurns(paceMs: number, scheduler: SchedulerLike = asyncScheduler): (honest: ClientGameProcessor) => ClientGameProcessor {
  return (honest) => (incoming$, peer) =>
    outputOf(honest(incoming$, peer), peer).pipe(concatMap((message) => (message.kind === 'Turn' ? of(message).pipe(delay(paceMs, scheduler)) : of(message))));
}
