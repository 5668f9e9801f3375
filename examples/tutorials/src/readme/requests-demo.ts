import { z } from 'zod';
import { createClient, createServer, defineProtocol, rpc } from '@rxmsg/node';

/** The README's request/response sample: a declared request, answered with `respond`, asked with `request`. */
export async function requestsDemo(): Promise<string | null> {
  // #region requests
  const Kv = defineProtocol({
    name: 'kv',
    tag: 'kind',
    client: { Get: z.object({ key: z.string() }) },
    server: { Value: z.object({ value: z.string().nullable() }) },
    requests: { client: { Get: 'Value' } }, // Get is answered by one Value; the correlation id is added for you
  });
  const kv = rpc(Kv);
  const store = new Map([['a', '1']]);

  const server = await createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: Kv,
    processor: (in$, peer) => in$.pipe(kv.respond(peer, { Get: ({ key }) => ({ kind: 'Value', value: store.get(key) ?? null }) })),
  });
  const client = createClient({ connect: server.addresses()[0]!, protocol: Kv });
  const { value } = await kv.request(client, { kind: 'Get', key: 'a' }, { timeoutMs: 1_000 }); // '1', typed string | null
  // #endregion
  await client.close();
  await server.close();
  return value;
}
