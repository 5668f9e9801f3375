import { expect } from 'chai';
import type { RoomAdapter } from '@rxmsg/node';
import { redisRoomAdapter, type RedisRoomAdapterOptions } from '@rxmsg/redis';
import { type RedisPacket } from '@rxmsg/redis/internal';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles, or if an
// Equals<> check is false. Each test also asserts something at run time.

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('redis adapter types', () => {
  it('is a RoomAdapter with the cross-node hooks; its options are checked statically', () => {
    const adapter: RoomAdapter = redisRoomAdapter({ url: 'redis://127.0.0.1:6379', pubsub: 'classic' });
    expect(typeof adapter.forwardConfirmed).to.equal('function');
    expect(typeof adapter.snapshots).to.equal('function');
    expect(typeof adapter.peerOpened).to.equal('function');
    const pubsub: Equals<RedisRoomAdapterOptions['pubsub'], 'auto' | 'sharded' | 'classic' | undefined> = true;
    expect(pubsub).to.equal(true);
    // @ts-expect-error: not a pub/sub mode
    const bad: RedisRoomAdapterOptions = { pubsub: 'fast' };
    // @ts-expect-error: a number of milliseconds, not a string
    const ttl: RedisRoomAdapterOptions = { presenceTtlMs: '15s' };
    // @ts-expect-error: an ack carries one of the SendToResult values
    const ack: RedisPacket = { t: 'ack', from: 1, id: 1, r: 'sure' };
    expect([bad, ttl, ack]).to.have.length(3);
  });
});
