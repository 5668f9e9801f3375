import { expect } from 'chai';
import { map, mergeMap, range } from 'rxjs';
import { z } from 'zod';
import { MemoryLimitError, createServer, defineProtocol } from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import { ofType, record } from './echo-protocol';
import { WirePeer } from './wire-peer';

/** Asks for `count` chunks of 1 KB, or a small echo. */
const Bulk = defineProtocol({
  name: 'bulk',
  tag: 'kind',
  client: { Want: z.object({ count: z.number().int().min(0) }), Ping: z.object({ n: z.number() }) },
  server: { Chunk: z.object({ i: z.number().int(), data: z.string() }), Pong: z.object({ n: z.number() }) },
});
const DATA = 'x'.repeat(1000);
const LIMIT = 16 * 1024 * 1024;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('maxBufferedBytes: the server-wide memory budget', () => {
  it('closes the connections holding the most when the sum crosses it, and serves the others on', async () => {
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Bulk,
      processor: (in$) =>
        in$.pipe(
          mergeMap((m) =>
            m.kind === 'Ping'
              ? [{ kind: 'Pong', n: m.n } as const]
              : range(0, m.count).pipe(map((i) => ({ kind: 'Chunk', i, data: DATA }) as const)),
          ),
        ),
      // A send queue of 8 MiB may hold 64 MiB under backpressure: only the budget stops a greedy peer first.
      config: { maxBufferedBytes: LIMIT, flushTimeoutMs: 1000 },
    });
    cleanup.push(() => server.close());
    const log = record(server.events$);
    const address = server.addresses()[0]!;

    const good = await WirePeer.connect(address, Bulk.codec);
    cleanup.push(() => good.destroy());
    // Two peers that ask for 20 MB each and never read: far more than loopback's socket buffers take.
    const greedy = await Promise.all([WirePeer.connect(address, Bulk.codec), WirePeer.connect(address, Bulk.codec)]);
    for (const g of greedy) {
      cleanup.push(() => g.destroy());
      g.pause();
    }
    await eventually(() => ofType(log.events, 'connected').length === 3, 2000, 'three connections');
    const goodId = ofType(log.events, 'connected')[0]!.peerId;

    for (const g of greedy) await g.send({ kind: 'Want', count: 20_000 });
    await eventually(() => ofType(log.events, 'disconnected').some((e) => e.reason === 'memory-limit'), 5000, 'a connection shed');

    const shed = ofType(log.events, 'disconnected').filter((e) => e.reason === 'memory-limit');
    for (const e of shed) {
      expect(e.error).to.be.instanceOf(MemoryLimitError);
      expect(e.error).to.have.property('code', 'MEMORY_LIMIT');
      expect(e.error).to.have.property('limit', LIMIT);
      expect(e.peerId).to.not.equal(goodId);
    }
    // Under the budget again once the shed connections let go of what they held.
    await eventually(() => server.snapshot().bufferedBytes <= LIMIT, 2000, 'back under the budget');
    expect(server.snapshot().shed).to.equal(shed.length);

    // The peer that holds nothing was never a candidate, and is served throughout.
    for (let n = 0; n < 20; n++) await good.send({ kind: 'Ping', n });
    const got = await good.receive(20);
    expect(got).to.deep.equal(Array.from({ length: 20 }, (_, n) => ({ kind: 'Pong', n })));
    expect(ofType(log.events, 'disconnected').some((e) => e.peerId === goodId)).to.equal(false);
  });

  it('closes no more connections than it takes to get under the budget', async () => {
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Bulk,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.kind === 'Ping' ? m.n : 0 }) as const)),
      // Partial lines are held whole (maxFrameBytes is larger than all of them): the budget sees exactly what was sent.
      config: { maxFrameBytes: 200_000, maxBufferedBytes: 100_000, handshakeTimeoutMs: 0, flushTimeoutMs: 200 },
    });
    cleanup.push(() => server.close());
    const log = record(server.events$);
    const address = server.addresses()[0]!;
    const peers: WirePeer[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await WirePeer.connect(address, Bulk.codec);
      cleanup.push(() => p.destroy());
      peers.push(p);
    }
    for (let i = 0; i < 3; i++) await peers[i]!.write('x'.repeat(30_000));
    await eventually(() => server.snapshot().bufferedBytes === 90_000, 2000, 'three partial lines held');
    // 102,100 in all: closing one connection of 30,000 is enough. The second write comes while the
    // first shed connection is still closing: its bytes must not be counted again.
    await Promise.all([peers[3]!.write('y'.repeat(12_000)), peers[4]!.write('z'.repeat(100))]);
    await eventually(() => ofType(log.events, 'disconnected').length >= 1, 2000, 'a connection shed');
    await eventually(() => server.snapshot().bufferedBytes === 72_100, 2000, 'the rest still held');
    expect(server.snapshot().shed).to.equal(1);
    expect(ofType(log.events, 'disconnected').map((e) => e.reason)).to.deep.equal(['memory-limit']);
  });

  it('counts what a connection holds, and lets it go when the connection closes', async () => {
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Bulk,
      processor: (in$) => in$.pipe(mergeMap((m) => (m.kind === 'Ping' ? [] : range(0, m.count).pipe(map((i) => ({ kind: 'Chunk', i, data: DATA }) as const))))),
      config: { flushTimeoutMs: 200 },
    });
    cleanup.push(() => server.close());
    const address = server.addresses()[0]!;
    const reader = await WirePeer.connect(address, Bulk.codec);
    reader.pause();
    await reader.send({ kind: 'Want', count: 10_000 });
    await eventually(() => server.snapshot().bufferedBytes > 1_000_000, 2000, 'bytes held for a peer that does not read');
    const held = server.snapshot();
    expect(held.connections[0]!.heldBytes).to.equal(held.bufferedBytes);
    reader.destroy();
    await eventually(() => server.snapshot().connections.length === 0, 2000, 'connection gone');
    expect(server.snapshot().bufferedBytes).to.equal(0);
  });
});
