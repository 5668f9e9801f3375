import { expect } from 'chai';
import { filter, firstValueFrom, map, take, toArray } from 'rxjs';
import { createClient, createServer, memoryTransport, type ClientEvent } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { Echo, memoryEchoServer } from './support/memory-echo';

type Pong = { readonly kind: 'Pong'; readonly n: number };

/**
 * `messages$` of a client: the session hands it each message only while it has subscribers
 * (a count, no per-message call otherwise). Subscribers that come, go and come back, before and
 * after the connection is up, across a reconnection, and after the client closed.
 */
describe('client messages$', () => {
  it('shows a message to the subscribers present when it arrives, and none to those that left', async () => {
    const memory = memoryTransport();
    const server = await memoryEchoServer(memory);
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
    try {
      const first: Pong[] = [];
      const early = client.messages$.subscribe((m) => first.push(m));
      await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'connected')));
      client.send({ kind: 'Ping', n: 1 });
      await eventually(() => first.length === 1, 5000, 'pong 1');
      early.unsubscribe();
      // Nobody reads: the pong is read by the processor (send-only) and shown to nobody.
      client.send({ kind: 'Ping', n: 2 });
      const third = firstValueFrom(client.messages$.pipe(filter((m) => m.n === 3)));
      client.send({ kind: 'Ping', n: 3 });
      expect(await third).to.deep.equal({ kind: 'Pong', n: 3 });
      expect(first).to.deep.equal([{ kind: 'Pong', n: 1 }]);
      // A late subscriber sees what arrives from then on (pongs come in order on one connection).
      const later: Pong[] = [];
      const late = client.messages$.subscribe((m) => later.push(m));
      client.send({ kind: 'Ping', n: 4 });
      await eventually(() => later.length === 1, 5000, 'pong 4');
      expect(later).to.deep.equal([{ kind: 'Pong', n: 4 }]);
      late.unsubscribe();
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('keeps two subscribers apart: one leaving does not stop the other', async () => {
    const memory = memoryTransport();
    const server = await memoryEchoServer(memory);
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
    try {
      const a: number[] = [];
      const b: number[] = [];
      const sa = client.messages$.subscribe((m) => a.push(m.n));
      const sb = client.messages$.subscribe((m) => b.push(m.n));
      client.send({ kind: 'Ping', n: 1 });
      await eventually(() => a.length === 1 && b.length === 1, 5000, 'pong 1');
      sa.unsubscribe();
      sa.unsubscribe(); // twice: counted once
      client.send({ kind: 'Ping', n: 2 });
      await eventually(() => b.length === 2, 5000, 'pong 2');
      expect(a).to.deep.equal([1]);
      expect(b).to.deep.equal([1, 2]);
      sb.unsubscribe();
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('delivers on the next connection to a subscriber that came while reconnecting', async () => {
    const memory = memoryTransport();
    // The server's first connection ends at once; the second echoes.
    let connections = 0;
    const flaky = await createServer({
      listen: 'memory://flaky:0',
      transports: [memory],
      protocol: Echo,
      processor: (in$) => in$.pipe(take(++connections === 1 ? 0 : Infinity), map((m) => ({ kind: 'Pong', n: m.n }) as const)),
    });
    const client = createClient({
      connect: flaky.addresses()[0]!,
      transports: [memory],
      protocol: Echo,
      config: { reconnect: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0, maxAttempts: 5, stableAfterMs: 1000 } },
    });
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    try {
      await eventually(() => events.some((e) => e.type === 'reconnecting'), 5000, 'reconnecting');
      const seen = firstValueFrom(client.messages$.pipe(take(2), toArray()));
      await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'connected')));
      client.send({ kind: 'Ping', n: 7 });
      client.send({ kind: 'Ping', n: 8 });
      expect(await seen).to.deep.equal([
        { kind: 'Pong', n: 7 },
        { kind: 'Pong', n: 8 },
      ]);
    } finally {
      await client.close();
      await flaky.close();
    }
  });

  it('completes a subscriber that comes after the client closed', async () => {
    const memory = memoryTransport();
    const server = await memoryEchoServer(memory);
    const client = createClient({ connect: server.addresses()[0]!, transports: [memory], protocol: Echo });
    await client.close();
    await server.close();
    expect(await firstValueFrom(client.messages$.pipe(toArray()))).to.deep.equal([]);
  });
});
