import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** The first protocol of the stack: log in, one line of JSON each way. */
export const AuthProtocol = defineProtocol({
  name: 'auth',
  tag: 'op',
  codec: 'text',
  client: {
    Login: z.object({ user: z.string().min(1).max(32), password: z.string().max(128) }),
  },
  server: {
    Welcome: z.object({ user: z.string() }),
    Denied: z.object({ reason: z.string() }),
  },
});

/** The second protocol: a key-value store, in length-prefixed MessagePack frames. */
export const KvProtocol = defineProtocol({
  name: 'kv',
  tag: 'op',
  codec: 'binary',
  client: {
    Put: z.object({ key: z.string().min(1), value: z.string() }),
    Get: z.object({ key: z.string().min(1) }),
  },
  server: {
    Value: z.object({ key: z.string(), value: z.string().nullable() }),
  },
});
