import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** Last protocol of the stack: the server sums the session up, the client says `Bye`, both ends close. */
export const GoodbyeProtocol = defineProtocol({
  name: 'goodbye',
  tag: 'kind',
  codec: 'text',
  client: {
    Bye: z.object({}),
  },
  server: {
    Farewell: z.object({ id: z.number().int(), said: z.number().int() }),
  },
});
