import { expect } from 'chai';
import { from, map, switchMap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import { SERVER_CONFIG_DEFAULTS, defineProtocol, type ServerConfig } from '@rxmsg/core';
import { serverStage, type ConnectionEvent } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import { FakeConnection } from '@rxmsg/test-utils';
import { singleStageRouter } from '../src/session-info';

// The parts of a session an idle connection never uses are made on first use (the peer info) or
// only when configured (deadlines and heartbeats, the rate limit): each lazy path in the orders a
// connection can take it.

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});

function virtualTime(): TestScheduler {
  const s = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  s.maxFrames = Number.POSITIVE_INFINITY;
  return s;
}

function session(config: Partial<ServerConfig> = {}, options: { router?: 'single' | 'reading'; handshakeTimeoutMs?: number } = {}) {
  const scheduler = virtualTime();
  const connection = new FakeConnection(() => true, () => scheduler.now());
  const events: ConnectionEvent[] = [];
  const seen: unknown[] = [];
  const s = new Session({
    id: 7,
    side: 'server',
    connection,
    listener: 'fake:listener',
    listenerContext: { tenant: 't' },
    config: { ...SERVER_CONFIG_DEFAULTS, ...config },
    state: { user: 'u' },
    stages: new Map([['echo', serverStage(Echo, (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)))]]),
    router:
      options.router === 'reading'
        ? (_s, peer, previous) => {
            seen.push(peer);
            return previous === null ? 'echo' : null;
          }
        : singleStageRouter('echo'),
    emit: (e) => events.push(e),
    onClosed: () => {},
    scheduler,
    soon: (work) => void scheduler.schedule(work),
    ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
  });
  s.start();
  return { s, connection, events, scheduler, seen };
}

const EXPECTED_INFO = { id: 7, remoteAddress: 'fake:remote', listener: 'fake:listener', listenerContext: { tenant: 't' }, handshake: undefined, state: { user: 'u' } };

describe('Session lazy parts', () => {
  describe('peer info', () => {
    it('asked for the first time after the connection closed: the same fields, frozen, the same object on each ask', () => {
      const { s, connection, events, scheduler } = session();
      connection.receive('{"kind":"Ping","n":1}\n');
      scheduler.flush();
      connection.destroy();
      expect(events.some((e) => e.type === 'disconnected')).to.equal(true);
      const info = s.peerInfo;
      expect({ ...info }).to.deep.equal({ ...EXPECTED_INFO, remoteAddress: connection.remoteAddress });
      expect(Object.isFrozen(info)).to.equal(true);
      expect(s.peerInfo).to.equal(info);
    });

    it('a router that reads the peer gets the full peer info, the same object the session hands out later', () => {
      const { s, seen } = session({}, { router: 'reading' });
      expect(seen).to.have.length(1);
      expect(seen[0]).to.equal(s.peerInfo);
      expect(s.peerInfo.state).to.deep.equal({ user: 'u' });
    });

    it('the single-stage router enters its stage and ends after it without a peer info; the stage peer still has the fields', () => {
      const router = singleStageRouter<unknown>('echo');
      const peer = { id: 1, remoteAddress: 'a', listener: 'l', listenerContext: undefined, state: {} };
      expect(router({}, peer, null)).to.equal('echo');
      expect(router({}, peer, 'echo')).to.equal(null);
      const { s, connection, scheduler } = session();
      const stage = s.currentPeer!;
      expect([stage.id, stage.remoteAddress, stage.listener, stage.state]).to.deep.equal([7, connection.remoteAddress, 'fake:listener', { user: 'u' }]);
      expect(stage.listenerContext).to.deep.equal({ tenant: 't' });
      connection.receive('{"kind":"Ping","n":2}\n');
      scheduler.flush();
      expect(connection.text()).to.equal('{"kind":"Pong","n":2}\n');
    });
  });

  describe('deadlines and heartbeats', () => {
    it('none configured: an idle connection holds no timer, and its first message after a long idle is answered', () => {
      const { s, connection, scheduler } = session();
      expect(s.timers).to.equal(0);
      scheduler.schedule(() => connection.receive('{"kind":"Ping","n":3}\n'), 3_600_000);
      scheduler.flush();
      expect(connection.text()).to.equal('{"kind":"Pong","n":3}\n');
      expect(s.timers).to.equal(0);
    });

    it('closed before its first message with nothing configured: disconnected once, no timer left', () => {
      const { s, connection, events } = session();
      connection.destroy();
      expect(events.filter((e) => e.type === 'disconnected')).to.have.length(1);
      expect(s.timers).to.equal(0);
    });

    it('a heartbeat on an idle connection: pings after each quiet interval, times out when nothing comes back', () => {
      const { s, connection, events, scheduler } = session({ heartbeat: { intervalMs: 1000, timeoutMs: 2500 } });
      expect(s.timers).to.equal(1);
      scheduler.flush();
      expect(connection.text()).to.equal('#ping\n#ping\n');
      const disconnected = events.find((e) => e.type === 'disconnected');
      expect(disconnected).to.include({ reason: 'timeout' });
      expect(s.timers).to.equal(0);
    });

    it('a handshake deadline alone arms one timer, which the first message clears', () => {
      const { s, connection, scheduler } = session({}, { handshakeTimeoutMs: 500 });
      expect(s.timers).to.equal(1);
      connection.receive('{"kind":"Ping","n":4}\n');
      expect(s.timers).to.equal(0);
      scheduler.flush();
      expect(s.closing).to.equal(false);
    });
  });

  describe('rate limit', () => {
    it('none configured: a burst is taken in full, no timer', () => {
      const { s, connection, scheduler } = session();
      connection.receive('{"kind":"Ping","n":1}\n'.repeat(50));
      scheduler.flush();
      expect(s.stats()).to.include({ messagesIn: 50, rateLimited: 0 });
      expect(s.timers).to.equal(0);
    });

    it('configured (pause): the first burst past it holds one timer, and the rest is taken once tokens come', () => {
      const { s, connection, scheduler } = session({ rateLimit: { messagesPerSecond: 10, burst: 2, onExceed: 'pause' } });
      connection.receive('{"kind":"Ping","n":1}\n'.repeat(5));
      expect(s.stats().messagesIn).to.equal(2);
      expect(s.timers).to.equal(1);
      scheduler.flush();
      expect(s.stats().messagesIn).to.equal(5);
      expect(s.timers).to.equal(0);
    });
  });
});

describe('InboundPump default scheduling', () => {
  it('input buffered before its reader came is delivered at the end of the tick, for every session due in it', async () => {
    const sessions = [1, 2, 3].map((id) => {
      const connection = new FakeConnection();
      const s = new Session({
        id,
        side: 'server',
        connection,
        listener: 'fake',
        config: SERVER_CONFIG_DEFAULTS,
        state: {},
        // The reader subscribes a microtask after the stage starts: the bytes wait in the framer until then.
        stages: new Map([
          [
            'echo',
            serverStage(Echo, (in$) =>
              from(Promise.resolve()).pipe(switchMap(() => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n * id }) as const)))),
            ),
          ],
        ]),
        router: singleStageRouter('echo'),
        emit: () => {},
        onClosed: () => {},
      });
      s.start();
      connection.receive('{"kind":"Ping","n":1}\n{"kind":"Ping","n":2}\n');
      return { s, connection, id };
    });
    expect(sessions.map((x) => x.connection.text())).to.deep.equal(['', '', '']);
    await new Promise((resolve) => setImmediate(resolve));
    for (const { connection, id } of sessions) expect(connection.text()).to.equal(`{"kind":"Pong","n":${id}}\n{"kind":"Pong","n":${2 * id}}\n`);
    for (const { s } of sessions) s.destroy();
  });
});
