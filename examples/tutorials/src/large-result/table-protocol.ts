import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/**
 * The protocol of tutorial 3: a client queries `n` rows of a table, the server answers with
 * them, each `Row` naming the `stream` of the query it answers, so that several results can
 * share one connection.
 */
export const TableProtocol = defineProtocol({
  name: 'table',
  tag: 'kind',
  client: {
    Query: z.object({ stream: z.number().int().min(0), n: z.number().int().min(0) }),
  },
  server: {
    Row: z.object({ stream: z.number().int(), id: z.number().int(), name: z.string() }),
  },
});
