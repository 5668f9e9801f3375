import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** A tiny key-value protocol over JSON lines, with requests (so the handler histogram has samples). */
export const Store = defineProtocol({
  name: 'store',
  tag: 'kind',
  codec: 'text',
  client: {
    Get: z.object({ key: z.string() }),
    Put: z.object({ key: z.string(), value: z.string() }),
  },
  server: {
    Value: z.object({ key: z.string(), value: z.string().nullable() }),
    Ok: z.object({}),
  },
  requests: { client: { Get: 'Value', Put: 'Ok' } },
});
