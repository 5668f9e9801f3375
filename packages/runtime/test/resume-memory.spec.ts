import { expect } from 'chai';
import { NEVER, VirtualTimeScheduler, filter, firstValueFrom, map, tap, timeout, type Observable } from 'rxjs';
import { z } from 'zod';
import { ConnectError, ResumeRefusedError, defineProtocol, type Connection, type Transport } from '@rxmsg/core';
import { createClient, createServer, memoryTransport, type ClientEvent, type ServerEvent } from '@rxmsg/runtime';

const Counter = defineProtocol({
  name: 'counter',
  tag: 'kind',
  client: { C: z.object({ n: z.number().int() }) },
  server: { S: z.object({ n: z.number().int(), count: z.number().int(), peer: z.number().int() }) },
});

const RESUME = { bufferBytes: 4_096, windowMs: 5_000 } as const;
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The memory transport, with a way to cut every physical connection dialled so far (a network blip). */
function blippable(framing: 'stream' | 'message' = 'stream'): { transport: Transport; blip(): void; address: string } {
  const inner = memoryTransport({ framing });
  const live: Connection[] = [];
  const transport: Transport = {
    schemes: inner.schemes,
    listen: (a, on, o) => inner.listen(a, on, o),
    connect: (a, o) => inner.connect(a, o).pipe(tap((c) => live.push(c))),
  };
  return { transport, blip: () => live.splice(0).forEach((c) => c.destroy()), address: 'memory://resume:0' };
}

/** A server counting each connection's messages in its state: a resumed session keeps counting. */
async function counterServer(transport: Transport, address: string, resume: typeof RESUME | null = RESUME) {
  return createServer({
    listen: address,
    transports: [transport],
    protocol: Counter,
    initialState: () => ({ count: 0 }),
    processor: (in$, peer) => in$.pipe(map((m) => ({ kind: 'S', n: m.n, count: ++peer.state.count, peer: peer.id }) as const)),
    ...(resume === null ? {} : { resume }),
  });
}

function record<E>(events$: Observable<E>): E[] {
  const out: E[] = [];
  events$.subscribe((e) => out.push(e));
  return out;
}

const waitEvent = <E extends { type: string }>(events$: Observable<E>, type: string, ms = 5_000): Promise<E> =>
  firstValueFrom(events$.pipe(filter((e) => e.type === type), timeout(ms)));

describe('session resumption over the memory transport', () => {
  for (const framing of ['stream', 'message'] as const) {
  it(`resumes after blips (${framing} framing): same peer id and state, every message once and in order, both ways`, async () => {
    const net = blippable(framing);
    const server = await counterServer(net.transport, net.address);
    const serverEvents = record(server.events$);
    const received: { n: number; count: number; peer: number }[] = [];
    const client = createClient({ connect: server.addresses()[0]!, transports: [net.transport], protocol: Counter, resume: RESUME });
    const clientEvents = record(client.events$);
    client.messages$.subscribe((m) => received.push({ n: m.n, count: m.count, peer: m.peer }));
    await waitEvent(client.events$, 'connected');
    const N = 300;
    for (let n = 0; n < N; n++) {
      client.send({ kind: 'C', n });
      if (n % 50 === 25) {
        // Cut the link with messages in flight both ways; the next sends are buffered while detached.
        net.blip();
        await settle();
      }
    }
    const deadline = Date.now() + 10_000;
    while (received.length < N && Date.now() < deadline) await settle();
    expect(received.map((r) => r.n)).to.deep.equal([...Array(N).keys()]);
    expect(received.map((r) => r.count)).to.deep.equal([...Array(N).keys()].map((n) => n + 1));
    expect(new Set(received.map((r) => r.peer))).to.deep.equal(new Set([1]));
    expect(clientEvents.filter((e) => e.type === 'resumed')).to.have.length(6);
    expect(clientEvents.filter((e) => e.type === 'link-lost')).to.have.length(6);
    expect(clientEvents.filter((e) => e.type === 'connected' || e.type === 'disconnected')).to.have.length(1);
    expect(serverEvents.filter((e) => e.type === 'resumed')).to.have.length(6);
    expect(serverEvents.filter((e) => e.type === 'connected')).to.have.length(1);
    await client.close();
    await server.close();
    // Both sides ended cleanly, through the layer's end frames: no deadline, no error.
    expect(clientEvents.find((e) => e.type === 'disconnected')).to.deep.include({ reason: 'shutdown' }).and.not.have.property('error');
    expect(serverEvents.find((e) => e.type === 'disconnected')).to.deep.include({ reason: 'completed' }).and.not.have.property('error');
    expect(clientEvents.at(-1)).to.deep.equal({ type: 'closed' });
  });
  }

  it('holds what arrives while the session reads nothing (paused over its rate), in order, through blips', async () => {
    const net = blippable();
    const server = await createServer({
      listen: 'memory://slow:0',
      transports: [net.transport],
      protocol: Counter,
      initialState: () => ({ count: 0 }),
      processor: (in$, peer) => in$.pipe(map((m) => ({ kind: 'S', n: m.n, count: ++peer.state.count, peer: peer.id }) as const)),
      // Over its rate, the session pauses its input again and again.
      config: { rateLimit: { messagesPerSecond: 1_000, burst: 5, onExceed: 'pause' } },
      resume: RESUME,
    });
    const client = createClient({ connect: server.addresses()[0]!, transports: [net.transport], protocol: Counter, resume: RESUME });
    const got: number[] = [];
    client.messages$.subscribe((m) => got.push(m.count));
    await waitEvent(client.events$, 'connected');
    const N = 200;
    // In many small frames, most arriving while the server's session does not read.
    for (let n = 0; n < N; n++) {
      client.send({ kind: 'C', n });
      if (n % 5 === 4) await settle();
    }
    for (let i = 0; i < 3; i++) {
      const before = got.length;
      while (got.length === before) await settle();
      net.blip();
    }
    await firstValueFrom(client.messages$.pipe(filter(() => got.length >= N), timeout(10_000)));
    expect(got).to.deep.equal([...Array(N).keys()].map((n) => n + 1));
    await client.close();
    await server.close();
  });

  it('a restarted server refuses the resumption (unknown-session): the app is told and the client starts a fresh session', async () => {
    const net = blippable();
    const first = await counterServer(net.transport, 'memory://restart:7');
    const client = createClient({
      connect: 'memory://restart:7',
      transports: [net.transport],
      protocol: Counter,
      resume: RESUME,
      config: { reconnect: { initialMs: 1, maxMs: 10, factor: 2, jitter: 0, maxAttempts: 100, stableAfterMs: 1_000 } },
    });
    const events = record(client.events$);
    await waitEvent(client.events$, 'connected');
    client.send({ kind: 'C', n: 1 });
    await firstValueFrom(client.messages$);
    // The server goes away without a word (its process died) and another starts on the same address.
    net.blip();
    await first.close();
    const second = await counterServer(net.transport, 'memory://restart:7');
    const secondEvents = record(second.events$);
    const refused = await waitEvent(client.events$, 'resume-refused');
    expect(refused).to.deep.include({ type: 'resume-refused', peerId: 1, reason: 'unknown-session' });
    expect((refused as Extract<ClientEvent, { type: 'resume-refused' }>).error).to.be.instanceOf(ResumeRefusedError);
    await firstValueFrom(client.events$.pipe(filter((e) => e.type === 'connected' && e.peerId === 2), timeout(5_000)));
    const disconnected = events.find((e): e is Extract<ClientEvent, { type: 'disconnected' }> => e.type === 'disconnected');
    expect(disconnected?.reason).to.equal('transport-error');
    expect(disconnected?.error).to.be.instanceOf(ResumeRefusedError);
    // The fresh session counts from 1 again.
    client.send({ kind: 'C', n: 2 });
    const reply = await firstValueFrom(client.messages$);
    expect(reply).to.deep.include({ n: 2, count: 1 });
    expect(secondEvents.find((e) => e.type === 'resume-refused')).to.deep.include({ reason: 'unknown-session' });
    await client.close();
    await second.close();
  });

  it('a client that cannot reach the server within windowMs gives up (window-expired) (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const advance = (ms: number): void => {
      const to = scheduler.frame + ms;
      scheduler.maxFrames = to;
      scheduler.flush();
      scheduler.frame = to;
    };
    const net = blippable();
    const server = await counterServer(net.transport, 'memory://gone:1');
    const client = createClient({ connect: 'memory://gone:1', transports: [net.transport], protocol: Counter, resume: { bufferBytes: 4096, windowMs: 1_000 }, scheduler });
    const events = record(client.events$);
    await settle();
    expect(events.map((e) => e.type)).to.include('connected');
    net.blip();
    await server.close();
    for (let i = 0; i < 20 && !events.some((e) => e.type === 'resume-refused'); i++) {
      advance(100);
      await settle();
    }
    expect(events.find((e) => e.type === 'resume-refused')).to.deep.include({ reason: 'window-expired' });
    await settle();
    // No reconnect policy: the client closes, with the refusal as the cause.
    expect(events.at(-1)).to.deep.include({ type: 'closed' });
    expect(scheduler.frame).to.be.at.least(1_000).and.below(2_000);
  });

  it('a client with resume against a server without it fails with a clear error (unsupported), not a hang', async () => {
    const scheduler = new VirtualTimeScheduler();
    const net = blippable();
    const server = await counterServer(net.transport, 'memory://plain:1', null);
    const client = createClient({ connect: 'memory://plain:1', transports: [net.transport], protocol: Counter, resume: RESUME, scheduler, config: { connectTimeoutMs: 500 } });
    const events = record(client.events$);
    await settle();
    scheduler.maxFrames = 500;
    scheduler.flush();
    await settle();
    const closed = events.at(-1) as Extract<ClientEvent, { type: 'closed' }>;
    expect(closed.type).to.equal('closed');
    expect(closed.error).to.be.instanceOf(ConnectError);
    expect(closed.error?.cause).to.be.instanceOf(ResumeRefusedError).and.include({ reason: 'unsupported' });
    await server.close();
  });

  it('a server with resume refuses a client without it (unsupported event), and goes on serving', async () => {
    const net = blippable();
    const server = await counterServer(net.transport, 'memory://strict:1');
    const serverEvents: ServerEvent[] = record(server.events$);
    const client = createClient({ connect: 'memory://strict:1', transports: [net.transport], protocol: Counter, processor: () => NEVER });
    client.send({ kind: 'C', n: 1 });
    await waitEvent(server.events$, 'resume-refused');
    expect(serverEvents.find((e) => e.type === 'resume-refused')).to.deep.include({ reason: 'unsupported' });
    await client.close();
    await server.close();
  });

  it('refuses bad options with a ConfigError naming the field', () => {
    const net = blippable();
    expect(() => createClient({ connect: 'memory://x:1', transports: [net.transport], protocol: Counter, resume: { bufferBytes: 10, windowMs: 1 } }))
      .to.throw()
      .with.property('field', 'resume.bufferBytes');
  });
});
