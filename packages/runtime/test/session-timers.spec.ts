import { expect } from 'chai';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
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

/** A server session on a fake connection, on virtual time; records events with their time. */
function virtualSession(config: Partial<ServerConfig>, handshakeTimeoutMs = 0) {
  const scheduler = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  const connection = new FakeConnection(() => true, () => scheduler.now());
  const events: [number, ConnectionEvent][] = [];
  const session = new Session({
    id: 1,
    side: 'server',
    connection,
    listener: 'fake:listener',
    config: { ...SERVER_CONFIG_DEFAULTS, ...config },
    state: {},
    stages: new Map([['echo', serverStage(Echo, (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)))]]),
    router: (_s, _p, previous) => (previous === null ? 'echo' : null),
    emit: (e) => events.push([scheduler.now(), e]),
    onClosed: () => {},
    handshakeTimeoutMs,
    scheduler,
    soon: (work) => void scheduler.schedule(work),
  });
  const at = (ms: number, work: () => void): void => void scheduler.schedule(work, ms);
  const closedAt = (): [number, string] | undefined => {
    const found = events.find(([, e]) => e.type === 'disconnected');
    return found === undefined || found[1].type !== 'disconnected' ? undefined : [found[0], found[1].reason];
  };
  return { scheduler, connection, session, events, at, closedAt };
}

describe('Session timers (virtual time)', () => {
  it('closes a connection that sent no message by handshakeTimeoutMs', () => {
    const v = virtualSession({}, 100);
    v.session.start();
    v.at(60, () => v.connection.receive('{"kind":"Pi'));
    v.scheduler.flush();
    expect(v.closedAt()).to.deep.equal([100, 'handshake-timeout']);
  });

  it('does not close a connection whose first message arrived in time', () => {
    const v = virtualSession({}, 100);
    v.session.start();
    v.at(99, () => v.connection.receive('{"kind":"Ping","n":1}\n'));
    v.at(500, () => v.session.close('shutdown'));
    v.scheduler.flush();
    expect(v.closedAt()).to.deep.equal([500, 'shutdown']);
  });

  it('sends a ping after intervalMs of silence, answers pings, and times out when nothing is received', () => {
    const v = virtualSession({ heartbeat: { intervalMs: 10, timeoutMs: 35 } });
    v.session.start();
    v.at(5, () => v.connection.receive('#ping\n'));
    v.at(20, () => v.connection.receive('#pong\n'));
    v.scheduler.flush();
    // Received at 20 last; the tick at 60 is the first 35 ms or more later (ticks every 10 ms).
    expect(v.closedAt()).to.deep.equal([60, 'timeout']);
    const lines = v.connection.text().split('\n');
    expect(lines.filter((l) => l === '#pong')).to.have.length(1);
    expect(lines.filter((l) => l === '#ping').length).to.be.at.least(3);
  });

  it('closes after idleTimeoutMs without an application message, whatever heartbeats do', () => {
    const v = virtualSession({ idleTimeoutMs: 50, heartbeat: { intervalMs: 10, timeoutMs: 1000 } });
    v.session.start();
    v.at(30, () => v.connection.receive('{"kind":"Ping","n":1}\n'));
    for (let t = 40; t < 200; t += 10) v.at(t, () => v.connection.receive('#pong\n'));
    v.scheduler.flush();
    // The Pong reply at 30 is the last activity.
    expect(v.closedAt()).to.deep.equal([80, 'idle-timeout']);
  });

  it('paces input under a rate limit with onExceed pause', () => {
    const v = virtualSession({ rateLimit: { messagesPerSecond: 100, burst: 2, onExceed: 'pause' } });
    v.session.start();
    const five = Array.from({ length: 5 }, (_, n) => `{"kind":"Ping","n":${n}}\n`).join('');
    v.at(0, () => v.connection.receive(five));
    v.at(100, () => v.session.close('shutdown'));
    v.scheduler.flush();
    const pongTimes = v.connection.written.flatMap((chunk, i) =>
      Array.from(String(chunk).matchAll(/Pong/g), () => v.connection.writtenAt[i]!),
    );
    // Two at once (the burst), then one every 10 ms.
    expect(pongTimes).to.deep.equal([0, 0, 10, 20, 30]);
  });
});
