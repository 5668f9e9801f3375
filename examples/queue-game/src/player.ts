import { concat, filter, map, of, takeWhile, type Observable } from 'rxjs';
import type { ClientMessage, ClientProcessor, ServerMessage } from '@rxmsg/node';
import type { RaceProtocol } from './protocol';

type Race = typeof RaceProtocol;

/** The winning move from `total`: leave the opponent a multiple of four short of the target (or add 1 when that is impossible). */
export function bestMove(total: number, target: number): 1 | 2 | 3 {
  const add = (target - total) % 4;
  return add === 1 || add === 2 || add === 3 ? add : 1;
}

/**
 * A reactive player: joins, answers each `YourTurn` with {@link bestMove}, completes after `Over`
 * (which ends its connection).
 */
export function player(name: string, target = 21): ClientProcessor<Race> {
  return (incoming$: Observable<ServerMessage<Race>>) =>
    concat(
      of<ClientMessage<Race>>({ kind: 'Join', name }),
      incoming$.pipe(
        takeWhile((m) => m.kind !== 'Over'),
        filter((m) => m.kind === 'YourTurn'),
        map((m): ClientMessage<Race> => ({ kind: 'Move', add: bestMove(m.total, target) })),
      ),
    );
}
