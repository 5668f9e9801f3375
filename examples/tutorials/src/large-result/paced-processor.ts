import { map } from 'rxjs';
import { consume, paced, type ServerProcessor } from '@rxmsg/node';
import { readTable } from './table';
import type { TableProtocol } from './table-protocol';

/**
 * The same answers as an RxJS pipeline: `paced(peer, source)` is an Observable that pulls
 * `source` only while the peer has room, and `consume` answers one query after the other.
 */
export const pacedProcessor: ServerProcessor<typeof TableProtocol> = (incoming$, peer) =>
  incoming$.pipe(
    consume(({ stream, n }) => paced(peer, readTable(n)).pipe(map((row) => ({ kind: 'Row', stream, ...row }) as const))),
  );
