import { expect } from 'chai';
import { concat, ignoreElements, map, of, take } from 'rxjs';
import { z } from 'zod';
import { createClient, createServer, defineProtocol, type ServerEvent } from '@rxmsg/node';
import { activeResources, eventually, leakedResources } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';

const Hello = defineProtocol({
  name: 'hello',
  tag: 'kind',
  client: { Hello: z.object({ name: z.string() }) },
  server: { World: z.object({ greeting: z.string() }) },
});

describe('hello over TCP', () => {
  it('answers a client and closes without leaking handles', async () => {
    const before = await activeResources();
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Hello,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: `hi ${m.name}` }) as const)),
    });
    const events: ServerEvent[] = [];
    server.events$.subscribe((e) => events.push(e));
    const client = createClient({
      connect: server.addresses()[0]!,
      protocol: Hello,
      processor: (in$) => concat(of({ kind: 'Hello', name: 'ada' } as const), in$.pipe(take(1), ignoreElements())),
    });
    const got: unknown[] = [];
    client.messages$.subscribe((m) => got.push(m));
    await client.closed;
    expect(got).to.deep.equal([{ kind: 'World', greeting: 'hi ada' }]);
    await eventually(() => events.some((e) => e.type === 'disconnected'));
    const gone = events.find((e) => e.type === 'disconnected');
    // The final counters travel with the event: one Hello in, one World out.
    expect(gone).to.deep.include({ reason: 'completed' });
    expect(gone?.type === 'disconnected' ? gone.stats : undefined).to.deep.include({
      messagesIn: 1,
      messagesOut: 1,
      bytesIn: Buffer.byteLength('{"kind":"Hello","name":"ada"}\n'),
      bytesOut: Buffer.byteLength('{"kind":"World","greeting":"hi ada"}\n'),
    });
    await server.close();
    expect(events.map((e) => e.type)).to.include.members(['connected', 'protocol-entered', 'disconnected', 'stopped']);
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('speaks to a raw socket', async () => {
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Hello,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: `hi ${m.name}` }) as const)),
    });
    try {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      await raw.write('{"kind":"Hello","name":"a"}\r\n{"kind":"Hello",');
      await raw.write('"name":"b"}\n');
      expect(await raw.lineCount(2)).to.deep.equal(['{"kind":"World","greeting":"hi a"}', '{"kind":"World","greeting":"hi b"}']);
      raw.end();
      await raw.ended;
    } finally {
      await server.close();
    }
  });
});
