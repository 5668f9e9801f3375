import { map, mergeMap, range, type Observable } from 'rxjs';
import { z } from 'zod';
import { defineProtocol, type ClientMessage, type ServerMessage } from '@rxmsg/node';

/** A protocol whose server answers one request with many bulky messages, to fill socket buffers. */
export const Bulk = defineProtocol({
  name: 'bulk',
  tag: 'kind',
  client: { Want: z.object({ count: z.number().int() }) },
  server: { Chunk: z.object({ i: z.number().int(), data: z.string() }) },
});

/** Payload of every `Chunk`: with its envelope a little over 1 kB. */
export const CHUNK_DATA = 'x'.repeat(1000);

/** Answers `Want count` with `Chunk 0` to `Chunk count - 1`. */
export function bulk(in$: Observable<ClientMessage<typeof Bulk>>): Observable<ServerMessage<typeof Bulk>> {
  return in$.pipe(mergeMap((m) => range(0, m.count).pipe(map((i) => ({ kind: 'Chunk', i, data: CHUNK_DATA }) as const))));
}
