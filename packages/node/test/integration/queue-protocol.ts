import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** Numbered messages one way, acknowledgements the other, as JSON lines. */
export const QueueProto = defineProtocol({
  name: 'queue-test',
  tag: 'kind',
  codec: 'text',
  client: { Msg: z.object({ i: z.number().int() }) },
  server: { Ack: z.object({ i: z.number().int() }) },
});
