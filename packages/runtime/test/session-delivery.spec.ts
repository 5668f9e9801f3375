import { expect } from 'chai';
import { Observable, concat, map, mergeMap, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import { SERVER_CONFIG_DEFAULTS, defineProtocol, type Processor } from '@rxmsg/core';
import { serverStage, type ConnectionEvent } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import { FakeConnection } from '@rxmsg/test-utils';

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});

type Ping = { readonly kind: 'Ping'; readonly n: number };
type Pong = { readonly kind: 'Pong'; readonly n: number };
const pong = (m: Ping): Pong => ({ kind: 'Pong', n: m.n });
const line = (kind: string, n: number): string => `{"kind":"${kind}","n":${n}}\n`;

/**
 * A started server session of the echo protocol on a fake byte-stream connection: with real
 * microtasks, or on `scheduler`'s virtual time when one is given.
 */
function session(processor: Processor<Ping, Pong>, timing: { scheduler?: TestScheduler; handshakeTimeoutMs?: number } = {}) {
  const { scheduler, handshakeTimeoutMs } = timing;
  const connection = scheduler === undefined ? new FakeConnection() : new FakeConnection(() => true, () => scheduler.now());
  const events: ConnectionEvent[] = [];
  const s = new Session({
    id: 1,
    side: 'server',
    connection,
    listener: 'fake',
    config: SERVER_CONFIG_DEFAULTS,
    state: {},
    stages: new Map([['echo', serverStage(Echo, processor)]]),
    router: (_s, _p, previous) => (previous === null ? 'echo' : null),
    emit: (e) => events.push(e),
    onClosed: () => {},
    ...(handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs }),
    ...(scheduler === undefined ? {} : { scheduler, soon: (work: () => void) => void scheduler.schedule(work) }),
  });
  s.start();
  return { connection, events, session: s };
}

/** Let every pending microtask run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Session delivery', () => {
  it('writes the replies to one received chunk in one write, before the chunk handler returns', () => {
    const { connection } = session((in$) => in$.pipe(map(pong)));
    connection.receive(line('Ping', 1) + line('Ping', 2) + line('Ping', 3));
    // Synchronously: no microtask ran yet.
    expect(connection.written).to.deep.equal([line('Pong', 1) + line('Pong', 2) + line('Pong', 3)]);
  });

  it('coalesces replies produced later in the tick into one write at its end', async () => {
    const { connection } = session((in$) => in$.pipe(mergeMap((m) => Promise.resolve(pong(m)))));
    connection.receive(line('Ping', 1) + line('Ping', 2) + line('Ping', 3));
    expect(connection.written).to.deep.equal([]);
    await settle();
    expect(connection.written).to.deep.equal([line('Pong', 1) + line('Pong', 2) + line('Pong', 3)]);
  });

  it('hands input left by a subscriber that unsubscribed to the next one, and drops nothing', async () => {
    const { connection } = session((in$) => concat(in$.pipe(take(1), map(pong)), in$.pipe(take(2), map(pong))));
    connection.receive(line('Ping', 1) + line('Ping', 2));
    connection.receive(line('Ping', 3));
    await settle();
    expect(connection.text()).to.equal(line('Pong', 1) + line('Pong', 2) + line('Pong', 3));
  });

  it('sends nothing a processor emits after completing, and ends the stage once', async () => {
    const { connection, events } = session(
      () =>
        new Observable<Pong>((subscriber) => {
          subscriber.next({ kind: 'Pong', n: 1 });
          subscriber.complete();
          subscriber.next({ kind: 'Pong', n: 2 });
          subscriber.complete();
        }),
    );
    await settle();
    expect(connection.text()).to.equal(line('Pong', 1));
    expect(events.filter((e) => e.type === 'protocol-left')).to.have.length(1);
    expect(events.find((e) => e.type === 'disconnected')).to.deep.include({ reason: 'completed' });
  });

  it('sends nothing a processor emits after failing, and reports the failure once', async () => {
    const { connection, events } = session(
      () =>
        new Observable<Pong>((subscriber) => {
          subscriber.next({ kind: 'Pong', n: 1 });
          subscriber.error(new Error('boom'));
          subscriber.next({ kind: 'Pong', n: 2 });
          subscriber.error(new Error('again'));
        }),
    );
    await settle();
    expect(connection.text()).to.equal(line('Pong', 1));
    const failures = events.filter((e) => e.type === 'processor-error');
    expect(failures).to.have.length(1);
    expect(failures[0]).to.have.nested.property('error.message').that.includes('boom');
  });

  it('holds no handshake timer once the first message arrived', () => {
    const scheduler = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    const { connection, session: s } = session((in$) => in$.pipe(map(pong)), { scheduler, handshakeTimeoutMs: 100 });
    let pendingAt50 = -1;
    scheduler.schedule(() => connection.receive(line('Ping', 1)), 10);
    scheduler.schedule(() => (pendingAt50 = scheduler.actions.length), 50);
    scheduler.flush();
    // Before the first message the deadline is pending; after it, nothing is left to run.
    expect(pendingAt50).to.equal(0);
    expect(connection.text()).to.equal(line('Pong', 1));
    expect(s.closing).to.equal(false);
  });
});
