import { expect } from 'chai';
import { ConfigError } from '@rxmsg/core';
import { redisRoomAdapter } from '@rxmsg/redis';

describe('redis adapter options', () => {
  it('a bad option is a ConfigError naming the field, at construction', () => {
    const cases: [object, string][] = [
      [{ url: 'http://x' }, 'redis.url'],
      [{ namespace: '' }, 'redis.namespace'],
      [{ namespace: 'a{b}' }, 'redis.namespace'],
      [{ presenceTtlMs: 0 }, 'redis.presenceTtlMs'],
      [{ presenceTtlMs: 1_000, heartbeatMs: 500 }, 'redis.heartbeatMs'],
      [{ maxInFlight: 1.5 }, 'redis.maxInFlight'],
      [{ pubsub: 'fast' }, 'redis.pubsub'],
    ];
    for (const [options, field] of cases) {
      let error: unknown;
      try {
        redisRoomAdapter(options as never); // invalid on purpose: checked at run time
      } catch (e) {
        error = e;
      }
      expect(error, field).to.be.instanceOf(ConfigError).and.include({ field });
    }
    expect(redisRoomAdapter({ presenceTtlMs: 3_000, heartbeatMs: 1_000 }).node).to.equal(0);
  });
});
