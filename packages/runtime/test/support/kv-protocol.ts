import { z } from 'zod';
import { defineProtocol } from '@rxmsg/core';

/**
 * A key-value protocol with requests both ways: the client gets, puts and watches keys (`Watch`
 * is a request-stream answered by `Changed` until cancelled); the server probes the client.
 * `Note` is an ordinary message each way.
 */
export const Kv = defineProtocol({
  name: 'kv',
  tag: 'kind',
  client: {
    Get: z.object({ key: z.string() }),
    Put: z.object({ key: z.string(), value: z.string() }),
    Watch: z.object({ key: z.string() }),
    Note: z.object({ text: z.string() }),
    Probed: z.object({ load: z.number() }),
  },
  server: {
    Value: z.object({ key: z.string(), value: z.string().nullable() }),
    Ok: z.object({}),
    Changed: z.object({ key: z.string(), value: z.string() }),
    Note: z.object({ text: z.string() }),
    Probe: z.object({}),
  },
  requests: {
    client: { Get: 'Value', Put: 'Ok', Watch: { stream: 'Changed' } },
    server: { Probe: 'Probed' },
  },
});
