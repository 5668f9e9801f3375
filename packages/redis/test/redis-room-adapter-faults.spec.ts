import { expect } from 'chai';
import { createClient } from 'redis';
import { PEER_ID_NODE_STRIDE, RoomAdapterError, TimeoutError, createRooms, createServer, type ServerEvent } from '@rxmsg/node';
import { redisRoomAdapter, type RedisRoomAdapterOptions } from '@rxmsg/redis';
import { encodePacket } from '@rxmsg/redis/internal';
import { RawSocket, eventually, requireRedisServer, startRedisServer, watchProcess, type RedisServer } from '@rxmsg/test-utils';
import { Chat, startChatNode } from './support/chat-node';

/** Generous: a loaded 2-core machine. */
const WAIT = 15_000;

type ChatNode = Awaited<ReturnType<typeof startChatNode>>;
const roomErrors = (events: readonly ServerEvent[]): RoomAdapterError[] => events.flatMap((e) => (e.type === 'room-error' ? [e.error] : []));

/** Faults of Redis itself and of whatever else publishes on the namespace's channels; a private redis-server per test (one is paused). */
describe('redis rooms adapter under faults: a paused Redis, hostile packets', function () {
  this.timeout(60_000);
  let redis: RedisServer | undefined;
  let cleanup: (() => Promise<void> | void)[] = [];

  beforeEach(async function () {
    requireRedisServer(this);
    redis = await startRedisServer();
  });
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
    await redis?.stop(); // SIGKILL: ends a stopped process too
  });

  async function node(options: RedisRoomAdapterOptions = {}): Promise<ChatNode> {
    const n = await startChatNode({ url: redis!.url, namespace: 'f', presenceTtlMs: 3_000, heartbeatMs: 500, ...options });
    cleanup.push(() => n.server.close());
    return n;
  }
  async function rogue() {
    const c = createClient({ url: redis!.url });
    c.on('error', () => undefined);
    await c.connect();
    cleanup.push(() => c.close());
    return c;
  }

  it('Redis paused (SIGSTOP): server.close() finishes within the adapter\'s own bound and drops the Redis connections', async () => {
    const a = await node();
    process.kill(redis!.pid, 'SIGSTOP');
    await a.server.close();
    // Not the server's fallback (a TimeoutError room-error after 10 s, the sockets left open until Redis wakes up).
    expect(roomErrors(a.events).filter((e) => e.operation === 'close')).to.deep.equal([]);
    expect(a.adapter.stats().ready).to.equal(false);
  });

  it('writes paused in Redis (CLIENT PAUSE WRITE, as in a failover): createServer fails within connectTimeoutMs, not when the pause ends', async () => {
    const c = await rogue();
    await c.sendCommand(['CLIENT', 'PAUSE', '30000', 'WRITE']);
    cleanup.push(() => void c.sendCommand(['CLIENT', 'UNPAUSE']).catch(() => undefined));
    const adapter = redisRoomAdapter({ url: redis!.url, namespace: 'f', connectTimeoutMs: 500, maxReconnectDelayMs: 100 });
    const started = createServer({ listen: 'tcp://127.0.0.1:0', protocol: Chat, processor: () => [], rooms: createRooms({ adapter }) });
    started.then((s) => cleanup.push(() => s.close()), () => undefined);
    // The test's own timeout is 60 s, the pause 30 s: a start that waits for the pause to end fails this race.
    const outcome = await Promise.race([started.then(() => 'started', (e: unknown) => e), new Promise((r) => setTimeout(() => r('still waiting'), 20_000).unref())]);
    expect(outcome).to.be.instanceOf(RoomAdapterError).and.include({ operation: 'attach' });
    expect((outcome as RoomAdapterError).cause).to.be.instanceOf(TimeoutError);
    expect(adapter.stats().ready).to.equal(false);
  });

  it('Redis emptied (FLUSHALL) under a running node: a node started right after it does not take its number; both go on', async () => {
    // One heartbeat period is the window in which Redis does not know A's number (the nodes of a namespace share heartbeatMs).
    const beat = { heartbeatMs: 1_500, presenceTtlMs: 6_000 };
    const a = await node(beat);
    const c = await rogue();
    await c.sendCommand(['FLUSHALL']);
    const b = await node(beat);
    expect(b.rooms.node).to.not.equal(a.rooms.node);
    await eventually(() => a.adapter.isNodeAlive(b.rooms.node) && b.adapter.isNodeAlive(a.rooms.node), WAIT, 'each hears the other');
    // A registered again without finding its number taken; the sequence moved past it, so a third node gets a new one too.
    const d = await node(beat);
    expect(new Set([a.rooms.node, b.rooms.node, d.rooms.node]).size).to.equal(3);
    await eventually(() => a.adapter.stats().reregistered >= 1, WAIT, 'A registered again');
    expect(roomErrors(a.events).filter((e) => e.operation === 'heartbeat')).to.deep.equal([]);
  });

  it('a reply of the wrong kind or from the wrong node does not settle sendToConfirmed', async () => {
    const watch = watchProcess();
    cleanup.push(() => watch.stop());
    const a = await node();
    const b = await node();
    await eventually(() => a.adapter.isNodeAlive(b.rooms.node), WAIT, 'A hears B');
    const c = await rogue();
    const socket = await RawSocket.connect(b.address);
    cleanup.push(() => socket.destroy());
    await socket.until((s) => s.lines().length >= 1, WAIT);
    const id = (JSON.parse(socket.lines()[0]!) as { id: number }).id;
    // B's answer is what settles it; before it, replies under every id A could have used: a snapshot, and an ack from another node.
    const channel = `rxmsg:f:to:${a.rooms.node}`;
    const third = b.rooms.node + 1;
    expect(nodeOf(id)).to.equal(b.rooms.node);
    process.kill(redis!.pid, 'SIGSTOP'); // A's ask and the forged replies queue up in Redis in this order: forged first
    const asked = a.rooms.sendToConfirmed(id, { kind: 'Line', text: 'confirmed' }, { timeoutMs: 10_000 });
    const forged: Promise<number>[] = [];
    for (let n = 1; n <= 4; n++) {
      forged.push(c.sPublish(channel, encodePacket({ t: 'snap', from: b.rooms.node, id: n, s: { evil: true } })));
      forged.push(c.sPublish(channel, encodePacket({ t: 'ack', from: third, id: n, r: 'skipped' })));
    }
    process.kill(redis!.pid, 'SIGCONT');
    await Promise.all(forged);
    expect(await asked).to.equal('delivered');
    await socket.until((s) => s.lines().some((l) => l.includes('confirmed')), WAIT);
    expect(watch.escaped).to.deep.equal([]);
  });
});

function nodeOf(peerId: number): number {
  return Math.floor(peerId / PEER_ID_NODE_STRIDE);
}
