import { concat, filter, from, ignoreElements, lastValueFrom, of } from 'rxjs';
import { createClient, credited, type ClientProcessor } from '@rxmsg/node';
import { TableProtocol } from './table-protocol';

/** One query of {@link fetchStreams}: its stream id, its size, and what to do with each row. */
export interface StreamQuery {
  readonly stream: number;
  readonly n: number;
  /** Called for each row, in order; the next row is read once what it returns has settled. */
  readonly onRow: (id: number) => Promise<void> | void;
}

/**
 * Connect, send every query at once, read each result on its own stream with `credited()`,
 * then close. Each loop grants credits for its stream as it takes rows, so a slow `onRow` slows
 * its own stream only, and holds at most its window of rows.
 * @throws the error the connection ended with.
 */
export async function fetchStreams(address: string, queries: readonly StreamQuery[]): Promise<void> {
  const processor: ClientProcessor<typeof TableProtocol> = (incoming$, peer) => {
    const reads = queries.map(async ({ stream, n, onRow }) => {
      if (n === 0) return;
      let read = 0;
      const rows$ = incoming$.pipe(filter((row) => row.stream === stream));
      for await (const row of credited(peer, stream, rows$, { window: 256 })) {
        await onRow(row.id);
        if (++read === n) return;
      }
    });
    const queried = of(...queries.map(({ stream, n }) => ({ kind: 'Query', stream, n }) as const));
    // Send the queries, then end the client's side once every result is read.
    return concat(queried, from(Promise.all(reads)).pipe(ignoreElements()));
  };
  const client = createClient({ connect: address, protocol: TableProtocol, processor });
  const last = await lastValueFrom(client.status$);
  if (last.state === 'closed' && last.error !== undefined) throw last.error;
}
