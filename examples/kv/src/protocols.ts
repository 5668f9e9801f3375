import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** The first protocol of the stack: log in, one line of JSON each way. */
export const Auth = defineProtocol({
  name: 'auth', tag: 'kind', codec: 'text',
  client: { Login: z.object({ user: z.string().min(1).max(32), password: z.string().max(128) }) },
  server: { Welcome: z.object({ user: z.string() }), Denied: z.object({ reason: z.string() }) },
});

/** The key-value protocol, in MessagePack frames: requests and their replies, and watches streaming `Changed`. */
export const Kv = defineProtocol({
  name: 'kv', tag: 'kind', codec: 'binary',
  client: {
    Get: z.object({ key: z.string().min(1) }),
    Put: z.object({ key: z.string().min(1), value: z.string() }),
    Watch: z.object({ key: z.string().min(1) }),
  },
  server: {
    Value: z.object({ key: z.string(), value: z.string().nullable() }),
    Ok: z.object({}),
    Changed: z.object({ key: z.string(), value: z.string(), by: z.string() }),
  },
  requests: { client: { Get: 'Value', Put: 'Ok', Watch: { stream: 'Changed' } } },
  // Notifications go to their own queue: the server's config drops the oldest for a slow watcher.
  lanes: { Changed: 'notify' },
});
