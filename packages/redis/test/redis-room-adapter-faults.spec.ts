import { expect } from 'chai';
import { type RoomAdapterError, type ServerEvent } from '@rxmsg/node';
import type { RedisRoomAdapterOptions } from '@rxmsg/redis';
import { requireRedisServer, startRedisServer, type RedisServer } from '@rxmsg/test-utils';
import { startChatNode } from './support/chat-node';


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

  it('Redis paused (SIGSTOP): server.close() finishes within the adapter\'s own bound and drops the Redis connections', async () => {
    const a = await node();
    process.kill(redis!.pid, 'SIGSTOP');
    await a.server.close();
    // Not the server's fallback (a TimeoutError room-error after 10 s, the sockets left open until Redis wakes up).
    expect(roomErrors(a.events).filter((e) => e.operation === 'close')).to.deep.equal([]);
    expect(a.adapter.stats().ready).to.equal(false);
  });
});
