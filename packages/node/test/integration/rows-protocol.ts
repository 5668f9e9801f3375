import { map, type Observable } from 'rxjs';
import { z } from 'zod';
import { consume, defineProtocol, paced, pull, type ClientMessage, type Peer, type ServerMessage } from '@rxmsg/node';

/**
 * `Get { n }` asks for rows 0 to n - 1, each a `Row { i }` (JSON lines: `{"kind":"Row","i":N}`);
 * `Get { n, pad }` for wide rows, each with `pad` characters `x` (`{"kind":"Row","i":N,"pad":"xx…"}`).
 * The row index holds the only digits of a row.
 */
export const Rows = defineProtocol({
  name: 'rows',
  tag: 'kind',
  codec: 'text',
  client: { Get: z.object({ n: z.number().int().min(0), pad: z.number().int().min(0).max(4096).optional() }) },
  server: { Row: z.object({ i: z.number().int().min(0), pad: z.string().optional() }) },
});
export type RowsRequest = ClientMessage<typeof Rows>;
export type Row = ServerMessage<typeof Rows>;

/** The indexes 0 to n - 1: a source as large as asked, that holds nothing. */
export function* rows(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** Index `i` as a `Row` of the width a request asked for. */
export function toRow(request: RowsRequest): (i: number) => Row {
  if (request.pad === undefined || request.pad === 0) return (i) => ({ kind: 'Row', i });
  const pad = 'x'.repeat(request.pad);
  return (i) => ({ kind: 'Row', i, pad });
}

/** The pull form: an `async function*` reading requests with `pull` and yielding their rows. */
export async function* pulledRows(incoming$: Observable<RowsRequest>): AsyncGenerator<Row> {
  for await (const request of pull(incoming$)) {
    const row = toRow(request);
    for (let i = 0; i < request.n; i++) yield row(i);
  }
}

/** The paced-Observable form: each request's rows pulled from a generator at the peer's pace. */
export function pacedRows(incoming$: Observable<RowsRequest>, peer: Peer<RowsRequest, Row, unknown>): Observable<Row> {
  return incoming$.pipe(consume((request) => paced(peer, rows(request.n)).pipe(map(toRow(request)))));
}
