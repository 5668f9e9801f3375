import { expect } from 'chai';
import { filter, firstValueFrom, map, timeout, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  defineProtocol,
  parseAddress,
  type Connection,
  type ConnectionHandlers,
  type Transport,
} from '@rxmsg/core';
import {
  ResumeFrameDecoder,
  ResumeFrameType,
  encodeAck,
  encodeHello,
  encodeResumeFrame,
  parseWelcome,
  type ResumeFrame,
  type ResumeWelcome,
} from '@rxmsg/core/internal';
import {
  MemoryConnection,
  createClient,
  createServer,
  memoryTransport,
  type ClientEvent,
  type ServerEvent,
} from '@rxmsg/runtime';
import { ResumeRegistry, type ResumableConnection, type ResumeRegistryEvent } from '@rxmsg/runtime/internal';
import { VirtualTimeScheduler } from 'rxjs';
import { NEVER, tap } from 'rxjs';

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { C: z.object({ n: z.number().int() }) },
  server: { S: z.object({ n: z.number().int() }) },
});
const RESUME = { bufferBytes: 4_096, windowMs: 5_000 } as const;
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const waitEvent = <E extends { type: string }>(events$: Observable<E>, type: string, ms = 5_000): Promise<E> =>
  firstValueFrom(events$.pipe(filter((e) => e.type === type), timeout(ms)));

/** A hostile client speaking the layer's frames by hand over a raw memory connection. */
class Raw implements ConnectionHandlers {
  readonly frames: ResumeFrame[] = [];
  closed = false;
  ended = false;
  private readonly decoder = new ResumeFrameDecoder(1 << 20);
  constructor(readonly connection: Connection) {
    connection.start(this);
  }
  onData(chunk: Uint8Array): void {
    this.decoder.push(chunk);
    for (let f = this.decoder.next(); f !== undefined; f = this.decoder.next()) this.frames.push(f);
  }
  onEnd(): void {
    this.ended = true;
  }
  onDrain(): void {}
  onClose(): void {
    this.closed = true;
  }
  welcome(): ResumeWelcome | undefined {
    const f = this.frames.find((x) => x.type === ResumeFrameType.Welcome);
    return f === undefined ? undefined : parseWelcome(f.payload);
  }
}

async function setup(extra: { handshakeTimeoutMs?: number; maxConnections?: number } = {}) {
  const transport = memoryTransport({ framing: 'stream' });
  const server = await createServer({
    listen: 'memory://hostile:0',
    transports: [transport],
    protocol: Echo,
    processor: (in$) => in$.pipe(map((m) => ({ kind: 'S', n: m.n }) as const)),
    resume: RESUME,
    config: { ...extra },
  });
  const events: ServerEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  const dial = async (): Promise<Raw> => new Raw(await firstValueFrom(transport.connect(parseAddress(server.addresses()[0]!), { noDelay: true })));
  return { server, events, dial };
}

describe('session resumption against a hostile peer', () => {
  it('server close() ends a physical connection still in its resume handshake', async () => {
    const t = await setup({ handshakeTimeoutMs: 60_000 });
    const raw = await t.dial();
    await settle();
    await t.server.close();
    for (let i = 0; i < 100 && !raw.ended && !raw.closed; i++) await settle();
    expect(raw.ended || raw.closed, 'the physical connection ended').to.equal(true);
    expect(raw.welcome()).to.deep.equal({ kind: 'refused', reason: 'stopping' });
    expect(t.events.filter((e) => e.type === 'resume-refused')).to.have.length(1);
    raw.connection.destroy();
  });

  it('an ack beyond what was sent closes that session with a typed error, nothing else', async () => {
    const t = await setup();
    const raw = await t.dial();
    raw.connection.write(encodeHello({ kind: 'new' }));
    await waitEvent(t.server.events$, 'connected');
    raw.connection.write(encodeAck(1_000_000));
    const d = await waitEvent(t.server.events$, 'disconnected');
    expect(d).to.have.nested.property('error.code', 'RESUME_FRAME_INVALID');
    await t.server.close();
  });


  it('client close() during a blip (server unreachable) ends the client, no timer left', async () => {
    const inner = memoryTransport({ framing: 'stream' });
    const live: Connection[] = [];
    let reachable = true;
    const transport: Transport = {
      schemes: inner.schemes,
      listen: (a, on, o) => inner.listen(a, on, o),
      connect: (a, o) => (reachable ? inner.connect(a, o).pipe(tap((c) => live.push(c))) : NEVER),
    };
    const server = await createServer({
      listen: 'memory://blip:0',
      transports: [transport],
      protocol: Echo,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'S', n: m.n }) as const)),
      resume: RESUME,
    });
    const client = createClient({ connect: server.addresses()[0]!, transports: [transport], protocol: Echo, resume: RESUME, config: { flushTimeoutMs: 200, connectTimeoutMs: 100 } });
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    await waitEvent(client.events$, 'connected');
    reachable = false;
    live.splice(0).forEach((c) => c.destroy());
    await waitEvent(client.events$, 'link-lost');
    client.send({ kind: 'C', n: 1 });
    await client.close();
    expect(events.at(-1)).to.deep.include({ type: 'closed' });
    await server.close();
  });

  it('a resume hello with the secret while the session is attached takes the session over; the old link is closed', async () => {
    const t = await setup();
    const a = await t.dial();
    a.connection.write(encodeHello({ kind: 'new' }));
    await waitEvent(t.server.events$, 'connected');
    const w = a.welcome();
    if (w?.kind !== 'accepted') throw new Error('not accepted');
    const b = await t.dial();
    b.connection.write(encodeHello({ kind: 'resume', token: w.token, received: 0 }));
    await waitEvent(t.server.events$, 'resumed');
    for (let i = 0; i < 100 && !a.closed; i++) await settle();
    expect(a.closed).to.equal(true);
    b.connection.write(encodeResumeFrame(ResumeFrameType.Data, new TextEncoder().encode('{"kind":"C","n":5}\n')));
    for (let i = 0; i < 100 && !b.frames.some((f) => f.type === ResumeFrameType.Data); i++) await settle();
    expect(b.frames.some((f) => f.type === ResumeFrameType.Data)).to.equal(true);
    b.connection.destroy();
    await t.server.close();
  });

  it('a resumption over a connection of another framing (another listener) is refused, not announced as resumed', async () => {
    const events: ResumeRegistryEvent[] = [];
    const sessions: ResumableConnection[] = [];
    const registry = new ResumeRegistry({ resume: RESUME, scheduler: new VirtualTimeScheduler(), handshakeTimeoutMs: 0, maxFrameBytes: 1024, emit: (e) => events.push(e) });
    const dial = (framing: 'stream' | 'message'): Raw => {
      const [server, client] = MemoryConnection.pair({ framing, highWaterMark: 65_536 }, 'memory://s:1', 'memory://c:1');
      registry.accept(server, (c) => {
        sessions.push(c);
        c.start({ onData: () => {}, onEnd: () => {}, onDrain: () => {}, onClose: () => {} });
      });
      return new Raw(client);
    };
    const a = dial('stream');
    a.connection.write(encodeHello({ kind: 'new' }));
    await settle();
    const w = a.welcome();
    if (w?.kind !== 'accepted') throw new Error('not accepted');
    a.connection.destroy();
    await settle();
    const b = dial('message');
    b.connection.write(encodeHello({ kind: 'resume', token: w.token, received: 0 }));
    await settle();
    expect(b.welcome()).to.deep.include({ kind: 'refused' });
    expect(events.map((e) => e.type)).to.not.include('resumed');
    expect(sessions[0]!.detached).to.equal(true);
    b.connection.destroy();
    registry.stop();
  });

  it('a link that breaks right after each resumption is redialled under the backoff, not in a hot loop (virtual time)', async () => {
    const inner = memoryTransport({ framing: 'stream' });
    const scheduler = new VirtualTimeScheduler();
    let dials = 0;
    let first: Connection | undefined;
    // Every physical connection after the first is cut as soon as its first bytes (the welcome) arrive.
    const flaky = (c: Connection): Connection => ({
      framing: c.framing,
      localAddress: c.localAddress,
      remoteAddress: c.remoteAddress,
      get bytesRead() {
        return c.bytesRead;
      },
      get bytesWritten() {
        return c.bytesWritten;
      },
      start: (h) =>
        c.start({
          onData: (chunk) => {
            h.onData(chunk);
            queueMicrotask(() => c.destroy());
          },
          onEnd: () => h.onEnd(),
          onDrain: () => h.onDrain(),
          onClose: (e) => h.onClose(e),
        }),
      write: (chunk) => c.write(chunk),
      pause: () => c.pause(),
      resume: () => c.resume(),
      end: () => c.end(),
      destroy: () => c.destroy(),
    });
    const transport: Transport = {
      schemes: inner.schemes,
      listen: (a, on, o) => inner.listen(a, on, o),
      connect: (a, o) => inner.connect(a, o).pipe(map((c) => (++dials === 1 ? (first = c) : flaky(c)))),
    };
    const server = await createServer({
      listen: 'memory://flaky:0',
      transports: [transport],
      protocol: Echo,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'S', n: m.n }) as const)),
      resume: { bufferBytes: 4_096, windowMs: 60_000 },
    });
    const reconnect = { initialMs: 100, maxMs: 100, factor: 2, jitter: 0, maxAttempts: Infinity, stableAfterMs: 1_000 };
    const client = createClient({
      connect: server.addresses()[0]!,
      transports: [transport],
      protocol: Echo,
      resume: { bufferBytes: 4_096, windowMs: 60_000 },
      scheduler,
      config: { reconnect, connectTimeoutMs: 0 },
    });
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    await waitEvent(client.events$, 'connected');
    // The first link was stable: its loss is redialled at once.
    scheduler.frame = 2_000;
    first!.destroy();
    const count = (type: string): number => events.filter((e) => e.type === type).length;
    for (let i = 0; i < 200 && count('link-lost') < 2; i++) await settle();
    expect(count('resumed')).to.equal(1);
    expect(count('link-lost')).to.equal(2);
    // That one lasted no time: the next attempt waits for the backoff (virtual time does not move).
    for (let i = 0; i < 50; i++) await settle();
    expect(count('resumed'), 'no redial before the backoff').to.equal(1);
    scheduler.maxFrames = scheduler.frame + 100;
    scheduler.flush();
    for (let i = 0; i < 200 && count('link-lost') < 3; i++) await settle();
    expect(count('resumed')).to.equal(2);
    const closing = client.close();
    scheduler.maxFrames = Infinity;
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'closed'); i++) {
      scheduler.flush();
      await settle();
    }
    await closing;
    await server.close();
  });

  it('a peer that ends twice, then sends data, is cut as a protocol violation; the session sees one end, then the violation', async () => {
    const t = await setup();
    const raw = await t.dial();
    raw.connection.write(encodeHello({ kind: 'new' }));
    await waitEvent(t.server.events$, 'connected');
    const data = (n: number) => encodeResumeFrame(ResumeFrameType.Data, new TextEncoder().encode(`{"kind":"C","n":${n}}\n`));
    raw.connection.write(data(1));
    raw.connection.write(encodeResumeFrame(ResumeFrameType.End));
    raw.connection.write(encodeResumeFrame(ResumeFrameType.End));
    raw.connection.write(data(2));
    const d = await waitEvent(t.server.events$, 'disconnected');
    expect(d).to.have.nested.property('error.code', 'RESUME_FRAME_INVALID');
    // The data after the end never reached the processor.
    const answers = raw.frames.filter((f) => f.type === ResumeFrameType.Data).map((f) => new TextDecoder().decode(f.payload));
    expect(answers).to.not.include('{"kind":"S","n":2}\n');
    raw.connection.destroy();
    await t.server.close();
  });

  it('a session that always has input held (steady backpressure) keeps the hold queue bounded: its slots are reclaimed', async () => {
    const registry = new ResumeRegistry({ resume: RESUME, scheduler: new VirtualTimeScheduler(), handshakeTimeoutMs: 0, maxFrameBytes: 1024, emit: () => {} });
    const [server, client] = MemoryConnection.pair({ framing: 'stream', highWaterMark: 1 << 20 }, 'memory://s:1', 'memory://c:1');
    let session: ResumableConnection | undefined;
    let delivered = 0;
    let stopped = false;
    const raw = new Raw(client);
    const frame = encodeResumeFrame(ResumeFrameType.Data, Uint8Array.of(1, 2, 3, 4));
    registry.accept(server, (c) => {
      session = c;
      // A slow reader: one frame per turn of the event loop, paused in between; each frame read lets the peer send one more.
      c.start({
        onData: () => {
          delivered++;
          if (stopped) return;
          c.pause();
          setImmediate(() => c.resume());
          raw.connection.write(frame);
        },
        onEnd: () => {},
        onDrain: () => {},
        onClose: () => {},
      });
    });
    raw.connection.write(encodeHello({ kind: 'new' }));
    for (let i = 0; i < 100; i++) raw.connection.write(frame);
    const slots = (): number => (session as unknown as { held: unknown[] }).held.length; // white-box: the array behind the hold queue
    let most = 0;
    for (let i = 0; i < 20_000 && delivered < 5_000; i++) {
      await settle();
      if (session !== undefined) most = Math.max(most, slots());
    }
    expect(delivered).to.be.at.least(5_000);
    stopped = true;
    expect(most, 'slots of the hold queue').to.be.below(3_000);
    raw.connection.destroy();
    await settle();
    registry.stop();
  });
});
