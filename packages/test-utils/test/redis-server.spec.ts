import { expect } from 'chai';
import { findRedisServer, redisTestDecision, requireRedisServer, startRedisServer } from '../src/redis-server';

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

  it('finds redis-server through REDIS_SERVER or PATH, and nothing where there is none', () => {
    expect(findRedisServer({ PATH: '/nonexistent-dir' })).to.equal(undefined);
    expect(findRedisServer({ REDIS_SERVER: '/nonexistent-dir/redis-server', PATH: process.env['PATH'] })).to.equal(undefined);
  });
});

describe('requireRedisServer', () => {
  const saved = { REDIS_SERVER: process.env['REDIS_SERVER'], CI: process.env['CI'] };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  class Skipped extends Error {}
  const context = { skip: (): never => { throw new Skipped(); } };

  it('without redis-server: skips the test and prints why; on CI, fails it instead', () => {
    process.env['REDIS_SERVER'] = '/nonexistent-dir/redis-server';
    delete process.env['CI'];
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.join(' '));
    try {
      expect(() => requireRedisServer(context)).to.throw(Skipped);
    } finally {
      console.log = log;
    }
    expect(printed.join('\n')).to.match(/skipped: redis-server is not installed/);
    process.env['CI'] = 'true';
    expect(() => requireRedisServer(context)).to.throw(/required when CI=true/);
  });
});

describe('startRedisServer', function () {
  this.timeout(60_000);

  it('starts a private instance on a free port, answers, loses its data on restart (no persistence), stops', async function () {
    requireRedisServer(this);
    const redis = await startRedisServer();
    try {
      expect(redis.url).to.equal(`redis://127.0.0.1:${redis.port}`);
      expect(await redis.command('PING')).to.equal('+PONG');
      expect(await redis.command('SET', 'k', 'v')).to.equal('+OK');
      expect(await redis.command('CONFIG', 'GET', 'save')).to.equal('*2');
      const pid = redis.pid;
      let down = false;
      await redis.restart(async () => {
        down = await redis.command('PING').then(
          () => false,
          () => true,
        );
      });
      expect(down).to.equal(true);
      expect(redis.pid).to.not.equal(pid);
      expect(await redis.command('EXISTS', 'k')).to.equal(':0');
    } finally {
      await redis.stop();
    }
    await redis.stop(); // twice: nothing happens
    const gone = await redis.command('PING').then(
      () => false,
      () => true,
    );
    expect(gone).to.equal(true);
  });
});
