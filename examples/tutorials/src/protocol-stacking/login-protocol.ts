import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** First protocol of the stack: one line of JSON each way, the client's `Login` and the server's verdict. */
export const LoginProtocol = defineProtocol({
  name: 'login',
  tag: 'kind',
  codec: 'text',
  client: {
    Login: z.object({ user: z.string().min(1).max(32), password: z.string().max(128) }),
  },
  server: {
    Welcome: z.object({ user: z.string(), id: z.number().int() }),
    Denied: z.object({ reason: z.string() }),
  },
});
