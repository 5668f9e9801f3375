import { expect } from 'chai';
import { map, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { SERVER_CONFIG_DEFAULTS, defineProtocol, type ServerConfig } from '@rxmsg/core';
import { serverStage, type ConnectionEvent } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import { FakeConnection } from '@rxmsg/test-utils';

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});

const PING_FRAME = '#ping\n';

/**
 * A server session of the echo protocol on a fake connection, on virtual time. `reading: false`
 * makes every write report a full socket that never drains: a peer that does not read.
 */
function virtualSession(config: Partial<ServerConfig>, options: { reading?: boolean; scheduler?: SchedulerLike } = {}) {
  const test = virtualTime();
  const scheduler = options.scheduler ?? test;
  const reading = options.reading !== false;
  const connection = new FakeConnection(() => reading, () => scheduler.now());
  const events: ConnectionEvent[] = [];
  const session = new Session({
    id: 1,
    side: 'server',
    connection,
    listener: 'fake',
    config: { ...SERVER_CONFIG_DEFAULTS, ...config },
    state: {},
    stages: new Map([['echo', serverStage(Echo, (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)))]]),
    router: (_s, _p, previous) => (previous === null ? 'echo' : null),
    emit: (e) => events.push(e),
    onClosed: () => {},
    scheduler,
    soon: (work) => void scheduler.schedule(work),
  });
  session.start();
  return { connection, events, session, scheduler: test };
}

/** Virtual time without TestScheduler's 750-frame horizon: these tests run for 100 virtual seconds. */
function virtualTime(): TestScheduler {
  const scheduler = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  return scheduler;
}

/** V8's gc(), turned on at run time (the test process may not have --expose-gc). */
function collector(): () => void {
  const own: unknown = Reflect.get(globalThis, 'gc');
  if (typeof own === 'function') return () => void Reflect.apply(own, undefined, []);
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('gc() is not available');
  return () => void Reflect.apply(gc, undefined, []);
}

/**
 * A scheduler that runs on `inner` and keeps a weak reference to every timer it creates, so that
 * a test can count the timers still alive (held by someone) after a garbage collection.
 */
class WatchedScheduler implements SchedulerLike {
  readonly timers: WeakRef<object>[] = [];
  constructor(private readonly inner: TestScheduler) {}
  now(): number {
    return this.inner.now();
  }
  schedule: SchedulerLike['schedule'] = (work: never, delay?: number, state?: never) => {
    const timer = this.inner.schedule(work, delay, state);
    this.timers.push(new WeakRef(timer));
    return timer;
  };
  async alive(): Promise<number> {
    const gc = collector();
    // WeakRefs hold their target until the end of the job that created or read them.
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    return this.timers.filter((t) => t.deref() !== undefined).length;
  }
}

describe('Session bounds: what a peer can make a connection hold', () => {
  describe('heartbeats', () => {
    it('a peer that sends pings and never reads makes the connection hold one pong, not one per ping', () => {
      // Pings are answered whatever this side's own heartbeat setting.
      const v = virtualSession({}, { reading: false });
      // 100,000 pings in chunks of 1,000, as a flood from a peer that never reads would come.
      const chunk = PING_FRAME.repeat(1_000);
      for (let i = 0; i < 100; i++) v.connection.receive(chunk);
      v.scheduler.flush();
      // The first pong went to the (full) socket; the second waits in the queue and answers every later ping.
      expect(v.connection.written.length + v.session.queued).to.be.at.most(2);
      expect(v.session.queued).to.be.at.most(1);
      expect(v.session.closing).to.equal(false);
    });

    it('pings count against the rate limit like any message', () => {
      const v = virtualSession({ rateLimit: { messagesPerSecond: 10, burst: 5, onExceed: 'drop' } });
      v.connection.receive(PING_FRAME.repeat(20));
      v.scheduler.flush();
      const dropped = v.events.filter((e) => e.type === 'message-dropped');
      expect(dropped).to.have.length(15);
      expect(dropped.every((e) => e.type === 'message-dropped' && e.direction === 'in' && e.cause === 'rate-limit')).to.equal(true);
      expect(v.session.stats().rateLimited).to.equal(15);
    });

    it("a heartbeat pong goes past a full queue under 'disconnect': the ping is answered and the connection stays", () => {
      const v = virtualSession({ sendQueueLimit: 2, onSendQueueFull: 'disconnect' }, { reading: false });
      // Pongs 0 and 1 fill the queue and go out in one write, which the socket takes and then reports
      // full; pongs 2 and 3 fill the queue again behind it; the heartbeat's pong finds it full.
      const pings = [0, 1, 2, 3].map((n) => `{"kind":"Ping","n":${n}}\n`).join('');
      v.connection.receive(pings + PING_FRAME);
      v.scheduler.flush();
      expect(v.events.filter((e) => e.type === 'send-queue-full' || e.type === 'disconnected')).to.deep.equal([]);
      expect(v.session.queued).to.equal(3);
    });
  });

  describe('timers', () => {
    it('100,000 rate-limit pauses leave a constant number of live timers', async () => {
      const test = virtualTime();
      const watched = new WatchedScheduler(test);
      const v = virtualSession({ rateLimit: { messagesPerSecond: 1_000, burst: 1, onExceed: 'pause' } }, { scheduler: watched });
      const N = 100_000;
      // Every message after the first waits 1 ms for its token: one pause each.
      const lines: string[] = [];
      for (let n = 0; n < N; n++) lines.push(`{"kind":"Ping","n":${n}}\n`);
      v.connection.receive(lines.join(''));
      test.flush();
      expect(v.session.stats().messagesIn).to.equal(N);
      expect(v.session.stats().rateLimited).to.be.at.least(N - 1);
      expect(watched.timers.length).to.be.at.least(N - 1);
      expect(await watched.alive()).to.be.at.most(3);
      expect(v.session.timers).to.be.at.most(1);
    });

    it('an idle timeout re-checked 10,000 times holds one timer', async () => {
      const test = virtualTime();
      const watched = new WatchedScheduler(test);
      const v = virtualSession({ idleTimeoutMs: 10 }, { scheduler: watched });
      // A message every 5 ms for 100 s: the idle check finds activity and re-arms itself each time.
      let n = 0;
      test.schedule(function (this: SchedulerAction<undefined>) {
        v.connection.receive(`{"kind":"Ping","n":${n++}}\n`);
        if (n < 20_000) this.schedule(undefined, 5);
      }, 0);
      test.schedule(() => v.session.close('shutdown'), 100_000);
      test.flush();
      expect(v.session.stats().messagesIn).to.equal(20_000);
      expect(v.events.find((e) => e.type === 'disconnected')).to.include({ reason: 'shutdown' });
      // Re-checked at least once per idle period; every fired check is let go.
      expect(watched.timers.length).to.be.at.least(10_000);
      expect(await watched.alive()).to.be.at.most(3);
    });
  });
});
