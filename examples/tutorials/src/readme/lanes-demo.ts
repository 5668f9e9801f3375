import { z } from 'zod';
import { createServer, defineProtocol, type ServerProcessor } from '@rxmsg/node';

/** The README's lanes sample: notifications in a lane of their own, replies lossless. */
// #region lanes
export const Watch = defineProtocol({
  name: 'watch',
  tag: 'kind',
  client: { Get: z.object({ id: z.number() }) },
  server: { Reply: z.object({ id: z.number() }), Changed: z.object({ v: z.number() }) },
  lanes: { Changed: 'notify' }, // every other message goes to the default lane
});

export function startWatchServer(listen: string, processor: ServerProcessor<typeof Watch>) {
  return createServer({
    listen,
    protocol: Watch,
    processor,
    config: {
      // The default lane (sendQueueLimit, onSendQueueFull: 'backpressure') keeps every Reply;
      // 'notify' keeps the newest 10 Changed for a slow reader and is written after the default lane.
      lanes: { notify: { limit: 10, policy: 'drop-oldest', priority: 1 } },
    },
  });
}
// #endregion
