import { expect } from 'chai';
import { filter, firstValueFrom, map, timeout, type Observable } from 'rxjs';
import { z } from 'zod';
import { ResumeRefusedError, createClient, createServer, defineProtocol, type ClientEvent, type ServerEvent } from '@rxmsg/node';
import { activeResources, leakedResources, within } from '@rxmsg/test-utils';
import { tcpFaultProxy } from '@rxmsg/testing';

const Counter = defineProtocol({
  name: 'counter',
  tag: 'kind',
  codec: 'binary',
  client: { C: z.object({ n: z.number().int() }) },
  server: { S: z.object({ n: z.number().int(), count: z.number().int() }) },
});

const RECONNECT = { initialMs: 10, maxMs: 50, factor: 2, jitter: 0, maxAttempts: 1_000, stableAfterMs: 60_000 } as const;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function counterServer(windowMs = 10_000) {
  const server = await createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: Counter,
    initialState: () => ({ count: 0 }),
    processor: (in$, peer) => in$.pipe(map((m) => ({ kind: 'S', n: m.n, count: ++peer.state.count }) as const)),
    resume: { bufferBytes: 65_536, windowMs },
  });
  cleanup.push(() => server.close());
  const events: ServerEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  const port = Number(server.addresses()[0]!.split(':').at(-1));
  return { server, events, port };
}

function next<E extends { type: string }>(events$: Observable<E>, predicate: (e: E) => boolean, ms = 10_000): Promise<E> {
  return firstValueFrom(events$.pipe(filter(predicate), timeout(ms)));
}

describe('session resumption over TCP', function () {
  this.timeout(30_000);

  it('a restarted server refuses (unknown-session); the client is told and starts a fresh session', async () => {
    const before = await activeResources();
    const a = await counterServer();
    const proxy = await tcpFaultProxy({ targetPort: a.port, killAfter: () => undefined });
    cleanup.push(() => proxy.close());
    const client = createClient({ connect: proxy.address, protocol: Counter, resume: { bufferBytes: 65_536, windowMs: 10_000 }, config: { reconnect: RECONNECT } });
    cleanup.push(() => client.close());
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    client.send({ kind: 'C', n: 1 });
    expect(await firstValueFrom(client.messages$.pipe(timeout(10_000)))).to.deep.include({ count: 1 });

    // The server dies under the client (its detached session goes with it); another one starts.
    proxy.blocked = true;
    proxy.killAll();
    await a.server.close();
    const b = await counterServer();
    proxy.targetPort = b.port;
    proxy.blocked = false;

    const refused = await next(client.events$, (e) => e.type === 'resume-refused');
    expect(refused).to.deep.include({ peerId: 1, reason: 'unknown-session' });
    await next(client.events$, (e) => e.type === 'connected' && e.peerId === 2);
    expect(events.find((e) => e.type === 'disconnected')).to.deep.include({ peerId: 1, reason: 'transport-error' });
    client.send({ kind: 'C', n: 2 });
    expect(await firstValueFrom(client.messages$.pipe(timeout(10_000)))).to.deep.include({ n: 2, count: 1 });
    expect(b.events.find((e) => e.type === 'resume-refused')).to.deep.include({ reason: 'unknown-session' });

    await within(client.close(), 10_000, 'client close');
    await within(b.server.close(), 10_000, 'server close');
    await proxy.close();
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('a session detached longer than the server window is closed (expired); the client is refused and starts afresh', async () => {
    const s = await counterServer(300);
    const proxy = await tcpFaultProxy({ targetPort: s.port, killAfter: () => undefined });
    cleanup.push(() => proxy.close());
    const client = createClient({ connect: proxy.address, protocol: Counter, resume: { bufferBytes: 65_536, windowMs: 20_000 }, config: { reconnect: RECONNECT } });
    cleanup.push(() => client.close());
    await next(client.events$, (e) => e.type === 'connected');
    const serverLost = next(s.server.events$, (e) => e.type === 'disconnected');

    proxy.blocked = true;
    proxy.killAll();
    const lost = (await serverLost) as Extract<ServerEvent, { type: 'disconnected' }>;
    expect(lost.error).to.be.instanceOf(ResumeRefusedError).and.include({ reason: 'expired' });
    proxy.blocked = false;

    const refused = await next(client.events$, (e) => e.type === 'resume-refused');
    expect(refused).to.deep.include({ peerId: 1, reason: 'expired' });
    await next(client.events$, (e) => e.type === 'connected' && e.peerId === 2);
    expect(s.events.filter((e) => e.type === 'connected')).to.have.length(2);
  });

  it('keeps peer id, state and the messages sent during the blip', async () => {
    const s = await counterServer();
    const proxy = await tcpFaultProxy({ targetPort: s.port, killAfter: () => undefined });
    cleanup.push(() => proxy.close());
    const client = createClient({ connect: proxy.address, protocol: Counter, resume: { bufferBytes: 65_536, windowMs: 10_000 } });
    cleanup.push(() => client.close());
    const replies: number[] = [];
    client.messages$.subscribe((m) => replies.push(m.count));
    await next(client.events$, (e) => e.type === 'connected');
    client.send({ kind: 'C', n: 1 });
    await firstValueFrom(client.messages$.pipe(timeout(10_000)));
    proxy.blocked = true;
    proxy.killAll();
    await next(client.events$, (e) => e.type === 'link-lost');
    // Sent while no physical connection exists: kept in the replay buffer.
    client.send({ kind: 'C', n: 2 });
    client.send({ kind: 'C', n: 3 });
    proxy.blocked = false;
    await next(client.events$, (e) => e.type === 'resumed');
    await firstValueFrom(client.messages$.pipe(filter(() => replies.length >= 3), timeout(10_000)));
    expect(replies).to.deep.equal([1, 2, 3]);
    expect(s.events.filter((e) => e.type === 'connected')).to.have.length(1);
    expect(s.events.find((e) => e.type === 'resumed')).to.deep.include({ peerId: 1 });
  });
});
