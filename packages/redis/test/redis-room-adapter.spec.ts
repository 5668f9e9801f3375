import { expect } from 'chai';
import { createClient } from 'redis';
import { AddressError, MalformedMessageError, PEER_ID_NODE_STRIDE, PeerNotFoundError, RemoteDeliveryError, RoomAdapterError, TimeoutError, createRooms, createServer, nodeOfPeer, type ServerEvent } from '@rxmsg/node';
import { redisRoomAdapter, type RedisRoomAdapterOptions } from '@rxmsg/redis';
import { encodePacket } from '@rxmsg/redis/internal';
import { RawSocket, eventually, requireRedisServer, startRedisServer, watchProcess, type RedisServer } from '@rxmsg/test-utils';
import { Chat, startChatNode } from './support/chat-node';

/** Generous: a loaded 2-core machine. */
const WAIT = 15_000;

type ChatNode = Awaited<ReturnType<typeof startChatNode>>;
const lines = (s: RawSocket): { kind: string; [k: string]: unknown }[] => s.lines().map((l) => JSON.parse(l) as { kind: string });
const roomErrors = (events: readonly ServerEvent[]): RoomAdapterError[] => events.flatMap((e) => (e.type === 'room-error' ? [e.error] : []));

describe('redis rooms adapter, two nodes in one process over a private redis-server', function () {
  this.timeout(60_000);
  let redis: RedisServer | undefined;
  let cleanup: (() => Promise<void> | void)[] = [];
  let namespace = 0;

  before(async function () {
    requireRedisServer(this);
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function node(options: RedisRoomAdapterOptions = {}): Promise<ChatNode> {
    const n = await startChatNode({ url: redis!.url, namespace: `t${namespace}`, presenceTtlMs: 3_000, heartbeatMs: 500, ...options });
    cleanup.push(() => n.server.close());
    return n;
  }
  async function client(n: ChatNode): Promise<{ socket: RawSocket; id: number }> {
    const socket = await RawSocket.connect(n.address);
    cleanup.push(() => socket.destroy());
    await socket.until((s) => s.lines().length >= 1, WAIT);
    const welcome = lines(socket)[0] as { kind: string; id: number };
    return { socket, id: welcome.id };
  }
  async function join(c: { socket: RawSocket }, room: string): Promise<void> {
    const before = c.socket.lines().length;
    await c.socket.write(`${JSON.stringify({ kind: 'Join', room })}\n`);
    await c.socket.until((s) => s.lines().length > before, WAIT);
  }
  beforeEach(() => void namespace++);

  for (const pubsub of ['sharded', 'classic'] as const) {
    it(`${pubsub} pub/sub: a room send and a broadcast from node B reach node A's clients; own packets are not delivered twice`, async () => {
      const a = await node({ pubsub });
      const b = await node({ pubsub });
      expect(a.adapter.stats().sharded).to.equal(pubsub === 'sharded');
      expect(a.rooms.node).to.not.equal(b.rooms.node);
      const onA = await client(a);
      const other = await client(a);
      const onB = await client(b);
      expect(nodeOfPeer(onA.id)).to.equal(a.rooms.node);
      await join(onA, 'lobby');
      await join(onB, 'lobby');
      await onB.socket.write(`${JSON.stringify({ kind: 'Say', room: 'lobby', text: 'hello from B' })}\n`);
      await onA.socket.until((s) => s.lines().length >= 3, WAIT);
      expect(lines(onA.socket)[2]).to.deep.equal({ kind: 'Line', text: 'hello from B' });
      await onB.socket.write(`${JSON.stringify({ kind: 'Say', text: 'everyone' })}\n`);
      await other.socket.until((s) => s.lines().some((l) => l.includes('everyone')), WAIT);
      await onA.socket.until((s) => s.lines().some((l) => l.includes('everyone')), WAIT);
      // Not in the room: only the broadcast. The sender: neither (except applies on its node).
      expect(lines(other.socket).slice(1)).to.deep.equal([{ kind: 'Line', text: 'everyone' }]);
      expect(lines(onB.socket).filter((m) => m.kind === 'Line')).to.deep.equal([]);
      expect(roomErrors(a.events)).to.deep.equal([]);
    });
  }

  it('sendTo and sendToConfirmed across nodes; a peer of a dead node is not found at once', async () => {
    const a = await node();
    const b = await node();
    const onA = await client(a);
    const onB = await client(b);
    await eventually(() => a.adapter.isNodeAlive(b.rooms.node), WAIT, 'A hears B');
    expect(a.server.sendTo(onB.id, { kind: 'Line', text: 'direct' })).to.equal('forwarded');
    await onB.socket.until((s) => s.lines().some((l) => l.includes('direct')), WAIT);
    expect(await a.rooms.sendToConfirmed(onB.id, { kind: 'Line', text: 'confirmed' })).to.equal('delivered');
    const missing = await a.rooms.sendToConfirmed(onB.id + 1000, { kind: 'Line', text: 'x' }).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(PeerNotFoundError).and.include({ reason: 'no-such-peer' });
    const deadNode = (b.rooms.node + 77) * PEER_ID_NODE_STRIDE + 1;
    const t0 = Date.now();
    const down = await a.rooms.sendToConfirmed(deadNode, { kind: 'Line', text: 'x' }).catch((e: unknown) => e);
    expect(down).to.be.instanceOf(PeerNotFoundError).and.include({ reason: 'node-down' });
    expect(Date.now() - t0).to.be.below(5_000); // not the 5 s default timeout: no round trip
    expect(a.server.sendTo(deadNode, { kind: 'Line', text: 'x' })).to.equal('not-found');
    // From the client's side too: Direct answers with what sendTo did.
    await onA.socket.write(`${JSON.stringify({ kind: 'Direct', to: onB.id, text: 'via client' })}\n`);
    await onB.socket.until((s) => s.lines().some((l) => l.includes('via client')), WAIT);
  });

  it('presence: each node registers its peers in Redis, batched; a closed peer leaves; a closed node says goodbye', async () => {
    const a = await node();
    const b = await node();
    const onB = [await client(b), await client(b)];
    await eventually(() => a.adapter.isNodeAlive(b.rooms.node), WAIT, 'A hears B');
    const ids = onB.map((c) => c.id).sort((x, y) => x - y);
    let seen: number[] = [];
    await eventually(() => (void a.adapter.peersOf(b.rooms.node).then((p) => (seen = p)), seen.length === 2), WAIT, 'presence of B');
    expect(seen).to.deep.equal(ids);
    onB[0]!.socket.destroy();
    await eventually(() => (void a.adapter.peersOf(b.rooms.node).then((p) => (seen = p)), seen.length === 1), WAIT, 'a peer leaves');
    expect(seen).to.deep.equal([onB[1]!.id]);
    const all = await a.server.snapshotAll({ timeoutMs: 10_000 });
    expect(all.nodes.map((n) => [n.node, n.snapshot?.connections.length])).to.deep.equal([
      [a.rooms.node, 0],
      [b.rooms.node, 1],
    ]);
    await b.server.close();
    await eventually(() => !a.adapter.isNodeAlive(b.rooms.node), WAIT, 'goodbye heard');
    expect(await a.adapter.peersOf(b.rooms.node)).to.deep.equal([]);
  });

  it('Redis restarted mid-traffic: local delivery goes on, what could not go out is reported (aggregated), then delivery across nodes resumes', async () => {
    const watch = watchProcess();
    cleanup.push(() => watch.stop());
    const a = await node({ reportIntervalMs: 1_000, maxReconnectDelayMs: 200 });
    const b = await node({ maxReconnectDelayMs: 200 });
    const onA = await client(a);
    const onA2 = await client(a);
    const onB = await client(b);
    await eventually(() => a.adapter.isNodeAlive(b.rooms.node), WAIT, 'A hears B');
    const outage = async (): Promise<void> => {
      // Redis is down: A's broadcasts reach its own clients every time; none can go out.
      await eventually(() => !a.adapter.stats().ready, WAIT, 'A sees Redis down');
      for (let i = 0; i < 20; i++) expect(a.server.broadcast({ kind: 'Line', text: `outage ${i}` }).delivered).to.equal(2);
      await onA2.socket.until((s) => s.lines().filter((l) => l.includes('outage')).length === 20, WAIT);
      expect(a.adapter.stats().undelivered).to.be.at.least(20);
      // The first report came at once, with a count of one.
      const first = roomErrors(a.events).find((e) => e.cause instanceof RemoteDeliveryError);
      expect(first?.operation).to.equal('publish');
      expect((first?.cause as RemoteDeliveryError).count).to.equal(1);
    };
    await redis!.restart(outage); // the dataset is gone: no persistence
    // Every undelivered message is counted in the reports, whose count adds up to the adapter's counter.
    await eventually(() => a.adapter.stats().reregistered > 0 && b.adapter.stats().reregistered > 0, WAIT, 'both nodes registered again');
    // Each of A's two connections (publisher, subscriber) was lost once, however many attempts it took to come back.
    expect(a.adapter.stats().disconnects).to.equal(2);
    // Aggregated: a few reports whose counts add up to every message that did not go out.
    const undelivered = (): number => roomErrors(a.events).reduce((sum, e) => sum + (e.cause instanceof RemoteDeliveryError ? e.cause.count : 0), 0);
    await eventually(() => undelivered() === a.adapter.stats().undelivered, WAIT, 'the whole count reported');
    expect(roomErrors(a.events).filter((e) => e.operation === 'publish').length).to.be.at.most(2);
    // Back: a broadcast from A reaches B's client again (retrying: the subscriber may resubscribe a moment later).
    let n = 0;
    await eventually(
      () => {
        if (onB.socket.lines().some((l) => l.includes('after restart'))) return true;
        a.server.broadcast({ kind: 'Line', text: `after restart ${n++}` });
        return false;
      },
      WAIT,
      'delivery across nodes after the restart',
    );
    // The presence was registered again in the new, empty Redis.
    let seen: number[] = [];
    await eventually(() => (void b.adapter.peersOf(a.rooms.node).then((p) => (seen = p), () => undefined), seen.length === 2), WAIT, 'presence again');
    expect(seen).to.deep.equal([onA.id, onA2.id].sort((x, y) => x - y));
    expect(watch.escaped).to.deep.equal([]);
  });

  it('the in-flight bound: a burst past maxInFlight is dropped, counted and reported, never queued without limit', async () => {
    const a = await node({ maxInFlight: 4 });
    await node();
    let peak = 0;
    for (let i = 0; i < 500; i++) {
      a.server.broadcast({ kind: 'Line', text: `burst ${i}` });
      peak = Math.max(peak, a.adapter.stats().inFlight);
    }
    expect(peak).to.equal(4);
    const undelivered = a.adapter.stats().undelivered;
    expect(undelivered).to.be.at.least(496 - 4);
    await eventually(() => roomErrors(a.events).length > 0, WAIT, 'a report');
    const first = roomErrors(a.events)[0]!;
    expect(first).to.include({ operation: 'publish' });
    expect(first.cause).to.be.instanceOf(RemoteDeliveryError);
    // The first report came at once, for the first message dropped; the rest follow within the interval.
    expect((first.cause as RemoteDeliveryError).count).to.equal(1);
    await eventually(() => roomErrors(a.events).reduce((sum, e) => sum + (e.cause as RemoteDeliveryError).count, 0) === undelivered, WAIT, 'the whole count reported');
  });

  it('a packet another node cannot decode is counted and reported, not thrown', async () => {
    const a = await node({ pubsub: 'classic' });
    const raw = createClient({ url: redis!.url });
    raw.on('error', () => undefined);
    await raw.connect();
    cleanup.push(() => raw.close());
    await raw.publish(`rxmsg:t${namespace}:all`, Buffer.from([9, 1, 2, 3]));
    await raw.publish(`rxmsg:t${namespace}:all`, 'not even a version byte');
    await eventually(() => a.adapter.stats().undecodable === 2, WAIT, 'two undecodable packets');
    await eventually(() => roomErrors(a.events).length >= 1, WAIT, 'a report');
    const error = roomErrors(a.events)[0]!;
    expect(error.operation).to.equal('decode');
    expect(error.cause).to.be.instanceOf(MalformedMessageError);
  });

  it('a node that never answers: snapshotAll lists it with a timeout, sendToConfirmed rejects with a TimeoutError; the pending table is bounded', async () => {
    const a = await node({ maxPendingReplies: 2 });
    // A stand-in for a node that is alive (it beats) and listens on its channel, but never answers.
    const mute = createClient({ url: redis!.url });
    mute.on('error', () => undefined);
    await mute.connect();
    const listener = mute.duplicate();
    listener.on('error', () => undefined);
    await listener.connect();
    cleanup.push(async () => {
      await listener.close();
      await mute.close();
    });
    await listener.sSubscribe(`rxmsg:t${namespace}:to:999`, () => undefined);
    await mute.sPublish(`rxmsg:t${namespace}:all`, encodePacket({ t: 'beat', from: 999 }));
    await eventually(() => a.adapter.isNodeAlive(999), WAIT, 'A hears node 999');
    const all = await a.server.snapshotAll({ timeoutMs: 300 });
    expect(all.nodes.map((n) => [n.node, n.error])).to.deep.equal([
      [a.rooms.node, undefined],
      [999, 'timeout'],
    ]);
    const peer = 999 * PEER_ID_NODE_STRIDE + 1;
    const waiting = [a.rooms.sendToConfirmed(peer, { kind: 'Line', text: '1' }, { timeoutMs: 1_000 }), a.rooms.sendToConfirmed(peer, { kind: 'Line', text: '2' }, { timeoutMs: 1_000 })].map((p) => p.catch((e: unknown) => e));
    const third = await a.rooms.sendToConfirmed(peer, { kind: 'Line', text: '3' }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(third).to.be.instanceOf(RoomAdapterError);
    expect((third as RoomAdapterError).cause).to.be.instanceOf(RemoteDeliveryError);
    for (const error of await Promise.all(waiting)) expect(error).to.be.instanceOf(TimeoutError);
    expect(a.adapter.stats().pendingReplies).to.equal(0);
  });

  it('attach fails within connectTimeoutMs when Redis is unreachable: createServer rejects, nothing is left running', async () => {
    const adapter = redisRoomAdapter({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500, maxReconnectDelayMs: 100 });
    const rooms = createRooms({ adapter });
    const error = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: Chat, processor: () => [], rooms }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RoomAdapterError).and.include({ operation: 'attach' });
  });

  it('a server that fails to start leaves no Redis connection behind: a bad address before attach, a taken port after it', async () => {
    const early = redisRoomAdapter({ url: redis!.url, namespace: `t${namespace}` });
    const bad = await createServer({ listen: 'nope://x', protocol: Chat, processor: () => [], rooms: createRooms({ adapter: early }) }).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(AddressError);
    expect(early.node).to.equal(0); // never attached
    const a = await node();
    const late = redisRoomAdapter({ url: redis!.url, namespace: `t${namespace}` });
    const taken = await createServer({ listen: a.address, protocol: Chat, processor: () => [], rooms: createRooms({ adapter: late }) }).catch((e: unknown) => e);
    expect(taken).to.be.instanceOf(Error);
    expect(late.node).to.be.above(0); // it attached, then was closed by the failed start
    expect(late.stats().ready).to.equal(false);
  });
});
