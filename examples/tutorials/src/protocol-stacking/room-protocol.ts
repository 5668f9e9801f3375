import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** Second protocol of the stack: the chat room itself, in length-prefixed MessagePack frames. */
export const RoomProtocol = defineProtocol({
  name: 'room',
  tag: 'kind',
  codec: 'binary',
  client: {
    Say: z.object({ text: z.string().min(1).max(500) }),
    Leave: z.object({}),
  },
  server: {
    Said: z.object({ from: z.string(), text: z.string() }),
  },
});
