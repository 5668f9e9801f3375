import { expect } from 'chai';
import { ConfigError } from '@rxmsg/core';
import { redisRoomAdapter } from '@rxmsg/redis';
import { redisTestDecision } from '@rxmsg/test-utils';

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

describe('redis test decision (when Redis tests run, skip or fail)', () => {
  it('runs with a redis-server, skips without one, fails without one on CI', () => {
    expect(redisTestDecision('/usr/bin/redis-server', {})).to.deep.equal({ run: true, path: '/usr/bin/redis-server' });
    expect(redisTestDecision('/usr/bin/redis-server', { CI: 'true' })).to.include({ run: true });
    const skipped = redisTestDecision(undefined, {});
    expect(skipped.run).to.equal(false);
    expect('skip' in skipped && skipped.skip).to.match(/redis-server is not installed/);
    expect('fail' in skipped).to.equal(false);
    expect(redisTestDecision(undefined, { CI: 'false' })).to.have.property('skip');
    const failed = redisTestDecision(undefined, { CI: 'true' });
    expect('fail' in failed && failed.fail).to.match(/required when CI=true/);
  });
});
