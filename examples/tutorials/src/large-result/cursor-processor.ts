import { pull, type ServerProcessor } from '@rxmsg/node';
import { readTable } from './table';
import type { TableProtocol } from './table-protocol';

/**
 * Answers each query with its rows, from an async generator: rxmsg asks it for the next row
 * only while the client's connection has room, so a result of any size goes at the client's
 * pace. `pull(incoming$)` reads the queries one at a time, at the loop's pace.
 */
export const cursorProcessor: ServerProcessor<typeof TableProtocol> = async function* (incoming$) {
  for await (const { stream, n } of pull(incoming$)) {
    for await (const row of readTable(n)) yield { kind: 'Row', stream, ...row } as const;
  }
};
