import { map, mergeMap } from 'rxjs';
import { paced, type ServerProcessor } from '@rxmsg/node';
import { readTable } from './table';
import type { TableProtocol } from './table-protocol';

/**
 * Answers all queries at once, each on its own stream of the connection: `paced(peer, source,
 * { stream })` sends a row only when the client has granted a credit for that stream, so a
 * client that stops reading one result stops only that one.
 */
export const streamsProcessor: ServerProcessor<typeof TableProtocol> = (incoming$, peer) =>
  incoming$.pipe(
    mergeMap(({ stream, n }) => paced(peer, readTable(n), { stream }).pipe(map((row) => ({ kind: 'Row', stream, ...row }) as const))),
  );
