import { expect } from 'chai';
import { concat, firstValueFrom, filter, ignoreElements, of, take, tap } from 'rxjs';
import {
  EventBufferFullError,
  InvalidMessageError,
  createClient,
  createCompositeServer,
  createServer,
  serverStage,
  type PeerEvent,
  type ServerEvent,
} from '@rxmsg/node';
import { TextEcho, echo, pings, pongs, type Ping } from './echo-protocol';

/** A client that sends `n` pings and ends once it has its `n` pongs. */
async function pingClient(connect: string, from: number, to: number): Promise<unknown[]> {
  const got: unknown[] = [];
  const client = createClient({
    connect,
    protocol: TextEcho,
    processor: (in$) => concat(of(...pings(from, to)), in$.pipe(take(to - from), ignoreElements())),
  });
  client.messages$.subscribe((m) => got.push(m));
  await client.closed;
  return got;
}

function disconnected(events$: import('rxjs').Observable<ServerEvent>, count: number): Promise<unknown> {
  return firstValueFrom(events$.pipe(filter((e) => e.type === 'disconnected'), take(count)), { defaultValue: undefined });
}

describe('server.events()', () => {
  it('yields opened, every data message in order, then closed, while the processor still gets every message', async () => {
    const seen: Ping[] = [];
    const server = await createServer({
      listen: [{ address: 'tcp://127.0.0.1:0', context: { shard: 7 } }],
      protocol: TextEcho,
      processor: (in$) => echo(in$.pipe(tap((m) => seen.push(m)))),
    });
    try {
      const reader = server.events();
      const replies = await pingClient(server.addresses()[0]!, 0, 5);
      expect(replies).to.deep.equal(pongs(0, 5));
      const got: PeerEvent<Ping>[] = [];
      for await (const e of reader) {
        got.push(e);
        if (e.type === 'closed') break;
      }
      expect(got.map((e) => e.type)).to.deep.equal(['opened', 'data', 'data', 'data', 'data', 'data', 'closed']);
      const opened = got[0] as Extract<PeerEvent, { type: 'opened' }>;
      expect(opened.listenerContext).to.deep.equal({ shard: 7 });
      expect(got.filter((e) => e.type === 'data').map((e) => (e as { message: Ping }).message)).to.deep.equal(pings(0, 5));
      expect(got.every((e) => e.type === 'dropped' || e.peerId === opened.peerId)).to.equal(true);
      expect(seen).to.deep.equal(pings(0, 5));
    } finally {
      await server.close();
    }
  });

  it('serves several readers at once; breaking out of one leaves the others; all end when the server stops', async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    const a = server.events();
    const b = server.events();
    await pingClient(server.addresses()[0]!, 0, 3);
    for await (const e of a) if (e.type === 'closed') break;
    await pingClient(server.addresses()[0]!, 10, 12);
    const closing = server.close();
    const types: string[] = [];
    for await (const e of b) types.push(e.type);
    await closing;
    expect(types).to.deep.equal(['opened', 'data', 'data', 'data', 'closed', 'opened', 'data', 'data', 'closed']);
    expect(await a.next()).to.deep.equal({ done: true, value: undefined });
    const late = server.events();
    expect((await late.next()).done).to.equal(true);
  });

  it("under overflow 'error' yields what it buffered, then throws EventBufferFullError", async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    try {
      const reader = server.events({ bufferSize: 3 });
      const gone = disconnected(server.events$, 1);
      await pingClient(server.addresses()[0]!, 0, 5);
      await gone;
      const types: string[] = [];
      let failure: unknown;
      try {
        for await (const e of reader) types.push(e.type);
      } catch (error) {
        failure = error;
      }
      expect(types).to.deep.equal(['opened', 'data', 'data']);
      expect(failure).to.be.instanceOf(EventBufferFullError);
      expect((failure as EventBufferFullError).code).to.equal('EVENT_BUFFER_FULL');
      expect((failure as EventBufferFullError).limit).to.equal(3);
    } finally {
      await server.close();
    }
  });

  it("under overflow 'drop-oldest' reports the count dropped in place of the lost events", async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    try {
      const reader = server.events({ bufferSize: 2, overflow: 'drop-oldest' });
      const gone = disconnected(server.events$, 1);
      await pingClient(server.addresses()[0]!, 0, 5);
      await gone;
      const first = await reader.next();
      const second = await reader.next();
      const third = await reader.next();
      // opened + 5 data + closed = 7 events, 2 kept.
      expect(first.value).to.deep.equal({ type: 'dropped', count: 5 });
      expect((second.value as { message: Ping }).message).to.deep.equal({ kind: 'Ping', n: 4 });
      expect((third.value as PeerEvent).type).to.equal('closed');
      expect(reader.dropped).to.equal(5);
      await reader.return!();
    } finally {
      await server.close();
    }
  });

  it('refuses a bad bufferSize with a ConfigError', async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    try {
      expect(() => server.events({ bufferSize: 0 })).to.throw().with.property('code', 'CONFIG_INVALID');
    } finally {
      await server.close();
    }
  });
});

describe('listener contexts', () => {
  it('are visible on every peer of the listener, in snapshot() per listener and per connection', async () => {
    const contexts: unknown[] = [];
    const server = await createServer<typeof TextEcho, { from: unknown }>({
      listen: [{ address: 'tcp://127.0.0.1:0', context: 'public' }, 'tcp://127.0.0.1:0'],
      protocol: TextEcho,
      initialState: (peer) => ({ from: peer.listenerContext }),
      processor: (in$, peer) => {
        contexts.push([peer.listenerContext, peer.state.from]);
        return in$.pipe(ignoreElements());
      },
    });
    try {
      const admin = await server.addListener('tcp://127.0.0.1:0', { context: { role: 'admin' } });
      const [pub, plain] = server.addresses() as [string, string];
      const clients = [pub, plain, admin].map((connect) => createClient({ connect, protocol: TextEcho, processor: (in$) => in$.pipe(ignoreElements()) }));
      await Promise.all(clients.map((c) => new Promise<void>((r) => c.status$.subscribe((st) => st.state === 'connected' && r()))));
      const snap = server.snapshot();
      expect(snap.listeners.map((l) => [l.address, l.context])).to.deep.equal([
        [pub, 'public'],
        [plain, undefined],
        [admin, { role: 'admin' }],
      ]);
      const byListener = new Map(snap.connections.map((c) => [c.listener, c.listenerContext]));
      expect(byListener.get(pub)).to.equal('public');
      expect(byListener.get(plain)).to.equal(undefined);
      expect(byListener.get(admin)).to.deep.equal({ role: 'admin' });
      await Promise.all(clients.map((c) => c.close()));
      expect(contexts).to.have.deep.members([
        ['public', 'public'],
        [undefined, undefined],
        [{ role: 'admin' }, { role: 'admin' }],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('PeerHandle.send (composite server)', () => {
  it('sends in the protocol spoken now, validated; throws for an invalid message; false once closed', async () => {
    const server = await createCompositeServer({
      listen: 'tcp://127.0.0.1:0',
      stages: { echo: serverStage(TextEcho, (in$) => in$.pipe(ignoreElements())) },
      initialState: () => ({}),
      router: (_s, _p, previous) => (previous === null ? 'echo' : null),
    });
    try {
      const handle = firstValueFrom(server.connections$);
      const gone = disconnected(server.events$, 1);
      const got: unknown[] = [];
      const client = createClient({ connect: server.addresses()[0]!, protocol: TextEcho, processor: (in$) => in$.pipe(take(2), ignoreElements()) });
      client.messages$.subscribe((m) => got.push(m));
      const peer = await handle;
      expect(peer.send({ kind: 'Pong', n: 1 })).to.equal(true);
      // @ts-expect-error -- not a server message of the stack
      expect(() => peer.send({ kind: 'Ping', n: 1 })).to.throw().with.property('code', 'MESSAGE_UNKNOWN');
      expect(() => peer.send({ kind: 'Pong', n: 1.5 })).to.throw(InvalidMessageError);
      expect(peer.send({ kind: 'Oops', code: 'x' })).to.equal(true);
      await client.closed;
      expect(got).to.deep.equal([{ kind: 'Pong', n: 1 }, { kind: 'Oops', code: 'x' }]);
      await gone;
      expect(peer.send({ kind: 'Pong', n: 2 })).to.equal(false);
    } finally {
      await server.close();
    }
  });
});
