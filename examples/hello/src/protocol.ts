import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** The hello protocol: the client says Hello with its name, the server answers World. */
export const HelloProtocol = defineProtocol({
  name: 'hello',
  tag: 'kind',
  codec: 'text',
  client: {
    Hello: z.object({ name: z.string().min(1).max(64) }),
  },
  server: {
    World: z.object({ greeting: z.string() }),
    Error: z.object({ code: z.string(), message: z.string() }),
  },
  // With onDecodeError: 'reply', bad input is answered with this message.
  errorReplies: {
    server: (error) => ({ kind: 'Error', code: error.code, message: error.message }),
  },
});
