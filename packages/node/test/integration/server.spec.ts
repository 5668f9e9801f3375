import { expect } from 'chai';
import { NEVER, ignoreElements, map, mergeMap, range, take, tap, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  ProcessorError,
  createClient,
  createServer,
  defineProtocol,
  parseAddress,
  type Peer,
} from '@rxmsg/node';
import { activeResources, eventually, leakedResources, waitFor, within } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';
import { TextEcho, echo, ofType, pings, pongs, record, type EchoReply, type Ping } from './echo-protocol';
import { WirePeer } from './wire-peer';

const LOCAL = 'tcp://127.0.0.1:0';

/** A protocol whose server sends bulky messages, to fill socket buffers. */
const Bulk = defineProtocol({
  name: 'bulk',
  tag: 'kind',
  client: { Want: z.object({ count: z.number().int() }) },
  server: { Chunk: z.object({ i: z.number().int(), data: z.string() }) },
});
const CHUNK_DATA = 'x'.repeat(1000);

/** Everything that was created in a test, closed in `afterEach` whatever happened. */
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(
  processor: (in$: Observable<Ping>, peer: Peer<Ping, EchoReply, unknown>) => Observable<EchoReply>,
  options: { flushTimeoutMs?: number } = {},
) {
  const s = await createServer({
    listen: LOCAL,
    protocol: TextEcho,
    processor,
    config: { flushTimeoutMs: options.flushTimeoutMs ?? 1000, onDecodeError: 'ignore' },
  });
  cleanup.push(() => s.close());
  return s;
}

async function peer(address: string): Promise<WirePeer> {
  const p = await WirePeer.connect(address, TextEcho.codec);
  cleanup.push(() => p.destroy());
  return p;
}

describe('server', () => {
  it('reports the real port when port 0 was asked, and serves on it', async () => {
    const s = await server(echo);
    const [address, ...more] = s.addresses();
    expect(more).to.deep.equal([]);
    const parsed = parseAddress(address!);
    expect(parsed).to.include({ kind: 'inet', scheme: 'tcp', host: '127.0.0.1' });
    expect(parsed.kind === 'inet' && parsed.port).to.be.above(0);
    const p = await peer(address!);
    await p.send({ kind: 'Ping', n: 1 });
    expect(await p.receive(1)).to.deep.equal([{ kind: 'Pong', n: 1 }]);
  });

  it('snapshot() lists the listener and each live connection with counters matching the exchange', async () => {
    const s = await server(echo);
    const log = record(s.events$);
    const address = s.addresses()[0]!;
    expect(s.snapshot()).to.deep.equal({
      listeners: [{ address, connections: 0, context: undefined }],
      connections: [],
      listenerErrors: { ACCEPT_FAILED: 0, TLS_HANDSHAKE_FAILED: 0, UPGRADE_FAILED: 0, LISTENER_FAILED: 0 },
      refused: { 'max-connections': 0, stopping: 0, 'initial-state-failed': 0 },
      bufferedBytes: 0,
      shed: 0,
    });

    const before = Date.now();
    const p = await peer(address);
    await eventually(() => ofType(log.events, 'connected').length === 1, 1000, 'connected');
    const after = Date.now();
    const sent = ['{"kind":"Ping","n":1}\n', 'not json\n', '{"kind":"Ping","n":2}\n{"kind":"Ping","n":3}\n'];
    for (const chunk of sent) await p.write(chunk);
    await p.receive(3);
    await eventually(() => s.snapshot().connections[0]?.bytesIn === Buffer.byteLength(sent.join('')), 1000, 'bytes counted');

    const snap = s.snapshot();
    expect(snap.listeners).to.deep.equal([{ address, connections: 1, context: undefined }]);
    expect(snap.connections).to.have.length(1);
    const c = snap.connections[0]!;
    expect(c).to.deep.include({
      id: ofType(log.events, 'connected')[0]!.peerId,
      remoteAddress: `tcp://127.0.0.1:${p.raw.socket.localPort}`,
      listener: address,
      protocol: TextEcho.name,
      // The line that is not JSON counts in bytes, not in messages.
      messagesIn: 3,
      messagesOut: 3,
      bytesIn: Buffer.byteLength(sent.join('')),
      bytesOut: p.raw.received().length,
      // Everything was decoded and sent: nothing is held.
      heldBytes: 0,
    });
    expect(c.since).to.be.within(before, after);
    expect(snap.bufferedBytes).to.equal(0);

    p.destroy();
    await eventually(() => s.snapshot().connections.length === 0, 1000, 'connection gone');
    expect(s.snapshot().listeners).to.deep.equal([{ address, connections: 0, context: undefined }]);
  });

  it('connections$ emits each peer with id, state, messages$ and a send() usable from outside the processor', async () => {
    const s = await createServer({
      listen: LOCAL,
      protocol: TextEcho,
      // Reads nothing, answers nothing, ends when its input ends.
      processor: (in$) => in$.pipe(ignoreElements()),
      initialState: (p: { id: number }) => ({ label: `peer ${p.id}` }),
    });
    cleanup.push(() => s.close());
    const log = record(s.events$);
    const peers: Peer<Ping, EchoReply, { label: string }>[] = [];
    s.connections$.subscribe((x) => peers.push(x));
    const address = s.addresses()[0]!;
    const p = await peer(address);
    await eventually(() => peers.length === 1, 1000, 'peer on connections$');
    const x = peers[0]!;
    const id = ofType(log.events, 'connected')[0]!.peerId;
    expect(x.id).to.equal(id);
    expect(x.state).to.deep.equal({ label: `peer ${id}` });
    expect(x.listener).to.equal(address);
    expect(x.remoteAddress).to.equal(`tcp://127.0.0.1:${p.raw.socket.localPort}`);
    expect(x.protocol).to.equal(TextEcho.name);

    const seen: Ping[] = [];
    x.messages$.subscribe((m) => seen.push(m));
    await p.send(...pings(0, 3));
    await eventually(() => seen.length === 3, 1000, 'messages on peer.messages$');
    expect(seen).to.deep.equal(pings(0, 3));

    expect(x.send({ kind: 'Pong', n: 42 })).to.equal(true);
    expect(x.send({ kind: 'Pong', n: 43 })).to.equal(true);
    expect(await p.receive(2)).to.deep.equal(pongs(42, 44));
    expect(s.snapshot().connections[0]).to.include({ messagesIn: 3, messagesOut: 2 });

    // peer.close() from outside: a graceful end the socket's other side sees.
    x.close();
    await p.ended;
    await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'disconnected');
    expect(ofType(log.events, 'disconnected')[0]).to.deep.include({ type: 'disconnected', peerId: id, reason: 'local-close' });
    expect(x.send({ kind: 'Pong', n: 44 })).to.equal(false);
  });

  const unresponsive: [string, (in$: Observable<Ping>, peer: Peer<Ping, EchoReply, unknown>) => Observable<EchoReply>][] = [
    ['emits nothing and completes with its input', (in$, p) => in$.pipe(tap((m) => p.send({ kind: 'Pong', n: m.n * 10 })), ignoreElements())],
    [
      'returns NEVER',
      (in$, p) => {
        in$.subscribe((m) => p.send({ kind: 'Pong', n: m.n * 10 }));
        return NEVER;
      },
    ],
  ];
  for (const [name, processor] of unresponsive) {
    it(`serves an unresponsive processor that ${name} and answers through peer.send`, async () => {
      const s = await server(processor, { flushTimeoutMs: 100 });
      const p = await peer(s.addresses()[0]!);
      await p.send(...pings(0, 50));
      expect(await p.receive(50)).to.deep.equal(pings(0, 50).map((m) => ({ kind: 'Pong', n: m.n * 10 })));
    });
  }

  it('ends the connection when the processor completes, after everything it emitted was sent (reason completed)', async () => {
    const s = await server((in$) => in$.pipe(take(1), mergeMap((m) => range(0, m.n).pipe(map((n) => ({ kind: 'Pong', n }) as const)))));
    const log = record(s.events$);
    const p = await peer(s.addresses()[0]!);
    await p.send({ kind: 'Ping', n: 500 }, { kind: 'Ping', n: 1 });
    await p.ended;
    expect(p.messages()).to.deep.equal(pongs(0, 500));
    await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'disconnected');
    expect(ofType(log.events, 'disconnected')[0]).to.deep.include({ type: 'disconnected', peerId: 1, reason: 'completed' });
  });

  describe('a failing processor', () => {
    const failing = (in$: Observable<Ping>) =>
      in$.pipe(
        map((m) => {
          if (m.n < 0) throw new RangeError('negative ping');
          return { kind: 'Pong', n: m.n } as const;
        }),
      );

    it('closes its connection with a processor-error event; other peers keep being served', async () => {
      const s = await server(failing);
      const log = record(s.events$);
      const address = s.addresses()[0]!;
      const victim = await peer(address);
      await eventually(() => ofType(log.events, 'connected').length === 1, 1000, 'victim connected');
      const other = await peer(address);
      await other.send(...pings(0, 50));
      await victim.send({ kind: 'Ping', n: 1 }, { kind: 'Ping', n: -1 }, { kind: 'Ping', n: 2 });
      await other.send(...pings(50, 100));
      await victim.ended;
      // What the processor emitted before failing was still sent.
      expect(victim.messages()).to.deep.equal([{ kind: 'Pong', n: 1 }]);

      await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'victim disconnected');
      const [failure] = ofType(log.events, 'processor-error');
      expect(failure).to.include({ peerId: 1, protocol: TextEcho.name });
      expect(failure!.error).to.be.instanceOf(ProcessorError);
      expect(failure!.error.code).to.equal('PROCESSOR_FAILED');
      expect(failure!.error.cause).to.be.instanceOf(RangeError);
      expect(ofType(log.events, 'disconnected')).to.have.length(1);
      expect(ofType(log.events, 'disconnected')[0]).to.deep.include({ type: 'disconnected', peerId: 1, reason: 'processor-error', error: failure!.error });

      expect(await other.receive(100)).to.deep.equal(pongs(0, 100));
      await other.send({ kind: 'Ping', n: 100 });
      expect(await other.receive(101)).to.deep.equal(pongs(0, 101));
      expect(s.snapshot().connections.map((c) => c.id)).to.deep.equal([2]);
    });

    it('reports a processor that throws when called, and serves the next connection', async () => {
      const s = await server((in$, p) => {
        if (p.id === 1) throw new Error('cannot start');
        return echo(in$);
      });
      const log = record(s.events$);
      const first = await peer(s.addresses()[0]!);
      await first.ended;
      await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'first disconnected');
      expect(ofType(log.events, 'processor-error').map((e) => [e.peerId, e.error.code])).to.deep.equal([[1, 'PROCESSOR_FAILED']]);
      expect(ofType(log.events, 'disconnected')[0]).to.include({ peerId: 1, reason: 'processor-error' });
      const second = await peer(s.addresses()[0]!);
      await second.send({ kind: 'Ping', n: 7 });
      expect(await second.receive(1)).to.deep.equal([{ kind: 'Pong', n: 7 }]);
    });
  });

  describe('close()', () => {
    it('stops accepting, flushes queued messages to a slow reader, closes every connection, then reports stopped', async () => {
      const before = await activeResources();
      const s = await createServer({
        listen: LOCAL,
        protocol: Bulk,
        processor: (in$) => in$.pipe(mergeMap((m) => range(0, m.count).pipe(map((i) => ({ kind: 'Chunk', i, data: CHUNK_DATA }) as const)))),
        config: { flushTimeoutMs: 1500 },
      });
      cleanup.push(() => s.close());
      const log = record(s.events$);
      let connectionsDone = false;
      s.connections$.subscribe({ complete: () => (connectionsDone = true) });
      const address = s.addresses()[0]!;

      // A slow reader: not reading while about 2 MB are queued for it.
      const slow = await WirePeer.connect(address, Bulk.codec);
      cleanup.push(() => slow.destroy());
      slow.raw.socket.pause();
      await slow.send({ kind: 'Want', count: 2000 });
      // Written or queued: messagesOut counts only what the socket took.
      await eventually(
        () => {
          const c = s.snapshot().connections[0];
          return c !== undefined && c.messagesOut + c.queued === 2000;
        },
        1000,
        'chunks queued',
      );
      // A client of the same server, idle until the server ends the connection.
      const client = createClient({ connect: address, protocol: Bulk, processor: (in$) => in$.pipe(ignoreElements()) });
      cleanup.push(() => client.close());
      await waitFor(client.status$, (st) => st.state === 'connected', 1000);
      await eventually(() => s.snapshot().connections.length === 2, 1000, 'client accepted');

      let closed = false;
      const closing = s.close().then(() => (closed = true));
      const refused: unknown = await RawSocket.connect(address).then(
        (late) => {
          late.destroy();
          return 'accepted';
        },
        (e: unknown) => e,
      );
      expect(refused).to.have.property('code', 'ECONNREFUSED');
      expect(closed).to.equal(false);

      slow.raw.socket.resume();
      await slow.ended;
      const chunks = slow.messages();
      expect(chunks).to.have.length(2000);
      expect(chunks.every((c, i) => typeof c === 'object' && c !== null && 'i' in c && c.i === i)).to.equal(true);
      await client.closed;
      await closing;

      expect(s.snapshot().connections).to.deep.equal([]);
      expect(ofType(log.events, 'disconnected').map((e) => e.reason)).to.deep.equal(['shutdown', 'shutdown']);
      expect(log.events.at(-1)).to.deep.equal({ type: 'stopped' });
      expect(log.completed()).to.equal(true);
      expect(connectionsDone).to.equal(true);
      expect(await leakedResources(before)).to.deep.equal([]);
    });

    it('is safe to call twice, before and after it resolved', async () => {
      const s = await server(echo);
      const log = record(s.events$);
      const p = await peer(s.addresses()[0]!);
      await p.send({ kind: 'Ping', n: 1 });
      await p.receive(1);
      await Promise.all([s.close(), s.close()]);
      await s.close();
      expect(ofType(log.events, 'stopped')).to.have.length(1);
      expect(ofType(log.events, 'disconnected')).to.have.length(1);
    });

    it('cuts off a processor that never completes at flushTimeoutMs', async () => {
      const s = await server(() => NEVER, { flushTimeoutMs: 150 });
      const log = record(s.events$);
      const p = await peer(s.addresses()[0]!);
      await eventually(() => ofType(log.events, 'connected').length === 1, 1000, 'connected');
      const t0 = Date.now();
      await s.close();
      // Not before flushTimeoutMs (a lower bound only); without the cut-off close() would never resolve.
      expect(Date.now() - t0).to.be.at.least(140);
      await p.ended;
      expect(ofType(log.events, 'disconnected')).to.have.length(1);
      expect(ofType(log.events, 'disconnected')[0]).to.deep.include({ type: 'disconnected', peerId: 1, reason: 'shutdown' });
    });

    it('does not wait for flushTimeoutMs when a peer is still sending', async () => {
      const s = await server(echo, { flushTimeoutMs: 60_000 });
      const p = await peer(s.addresses()[0]!);
      let sending = true;
      const flood = (async () => {
        for (let n = 0; sending; n += 100) {
          try {
            await p.send(...pings(n, n + 100));
          } catch {
            return;
          }
          if (p.raw.socket.writableEnded) return;
        }
      })();
      await p.receive(500);
      // At once, not after the 60 s flushTimeoutMs (the bound is the test's, far from both).
      await within(s.close(), 10_000, 'close() while the peer is still sending');
      sending = false;
      await flood;
    });

    it('leaves Node with the handles it had before the server started', async () => {
      const before = await activeResources();
      const s = await createServer({ listen: LOCAL, protocol: TextEcho, processor: echo });
      cleanup.push(() => s.close());
      const p = await peer(s.addresses()[0]!);
      await p.send(...pings(0, 10));
      await p.receive(10);
      await s.close();
      await p.ended;
      expect(await leakedResources(before)).to.deep.equal([]);
    });
  });
});
