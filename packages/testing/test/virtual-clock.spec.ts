import { expect } from 'chai';
import { NEVER, concat, filter, firstValueFrom, interval, map, of, take, timer, type Observable } from 'rxjs';
import { ConfigError, TimeoutError } from '@rxmsg/core';
import type { ClientEvent, ServerEvent } from '@rxmsg/runtime';
import { memoryPair, virtualClock } from '@rxmsg/testing';
import { Echo, pong, type Ping } from './support/echo-protocol';

/** One Ping at once (a connection that sends nothing is closed by handshakeTimeoutMs, 10 s, first), then silence. */
const once = (): Observable<Ping> => concat(of({ kind: 'Ping', n: 0, text: 'hello' } as const), NEVER);

describe('virtualClock', () => {
  it('the server closes an idle client after idleTimeoutMs, at exactly that virtual time', async () => {
    const clock = virtualClock();
    const pair = await memoryPair({ protocol: Echo, processor: pong, config: { idleTimeoutMs: 30_000 }, scheduler: clock.scheduler, client: { processor: once } });
    const events: [number, ServerEvent][] = [];
    pair.server.events$.subscribe((e) => events.push([clock.now(), e]));
    await clock.runUntil(pair.client.closed);
    const gone = events.find(([, e]) => e.type === 'disconnected');
    expect(gone?.[0]).to.equal(30_000);
    expect(gone?.[1].type === 'disconnected' && gone[1].reason).to.equal('idle-timeout');
    await clock.runUntil(pair.close());
  });

  it('a client that keeps talking (on the same virtual clock) is not idle; it is closed idleTimeoutMs after it stops', async () => {
    const clock = virtualClock();
    // A Ping at 0 and every 10 s up to a minute, then silence (the connection stays open).
    const chatty = () => timer(0, 10_000, clock.scheduler).pipe(take(7), map((n): Ping => ({ kind: 'Ping', n, text: 'still here' })));
    const pair = await memoryPair({ protocol: Echo, processor: pong, config: { idleTimeoutMs: 30_000 }, scheduler: clock.scheduler, client: { processor: () => concat(chatty(), NEVER) } });
    const events: [number, ServerEvent][] = [];
    pair.server.events$.subscribe((e) => events.push([clock.now(), e]));
    await clock.advance(59_000);
    expect(events.some(([, e]) => e.type === 'disconnected')).to.equal(false);
    await clock.runUntil(() => events.some(([, e]) => e.type === 'disconnected'));
    const gone = events.find(([, e]) => e.type === 'disconnected');
    // The last Ping at 60 s (and its Pong) is the last activity.
    expect(gone?.[0]).to.equal(90_000);
    await clock.runUntil(pair.close());
  });

  it('reconnect backoff runs on virtual time: the delays follow the policy, with no real wait', async () => {
    const clock = virtualClock();
    const reconnect = { initialMs: 1000, maxMs: 4000, factor: 2, jitter: 0, maxAttempts: 4, stableAfterMs: 60_000 } as const;
    const pair = await memoryPair({ protocol: Echo, processor: pong, scheduler: clock.scheduler, client: { processor: once, config: { reconnect } } });
    const events: [number, ClientEvent][] = [];
    pair.client.events$.subscribe((e) => events.push([clock.now(), e]));
    // status$ replays the latest status (the first connection may be up before this subscribes to events$).
    await clock.runUntil(firstValueFrom(pair.client.status$.pipe(filter((st) => st.state === 'connected'))));
    // The server goes away for good: each attempt then finds nothing listening.
    await clock.runUntil(pair.server.close());
    await clock.runUntil(pair.client.closed.catch(() => undefined));
    const delays = events.flatMap(([, e]) => (e.type === 'reconnecting' ? [e.delayMs] : []));
    expect(delays).to.deep.equal([1000, 2000, 4000, 4000]);
    // Each attempt fails when its delay has passed, counted from the loss of the connection.
    const lost = events.find(([, e]) => e.type === 'reconnecting')![0];
    const failures = events.flatMap(([t, e]) => (e.type === 'connect-failed' ? [t - lost] : []));
    expect(failures).to.deep.equal([1000, 3000, 7000, 11000]);
    await pair.close();
  });

  it('advance fires each timer at its own instant; advanceTo and now follow', async () => {
    const clock = virtualClock();
    const fired: number[] = [];
    for (const ms of [5, 1, 3]) clock.scheduler.schedule(() => void fired.push(clock.now()), ms);
    expect(clock.pending).to.equal(3);
    await clock.advance(2);
    expect(fired).to.deep.equal([1]);
    expect(clock.now()).to.equal(2);
    await clock.advanceTo(10);
    expect(fired).to.deep.equal([1, 3, 5]);
    expect(clock.now()).to.equal(10);
    await clock.advanceTo(4);
    expect(clock.now()).to.equal(10);
  });

  it('runUntil fails with a TimeoutError when no timer is left, when maxMs passes, and past maxSteps', async () => {
    const clock = virtualClock({ maxSteps: 50 });
    let error: unknown;
    await clock.runUntil(() => false).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(TimeoutError);
    clock.scheduler.schedule(() => undefined, 1000);
    error = undefined;
    await clock.runUntil(() => false, 500).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(TimeoutError);
    expect(clock.now()).to.equal(0);
    // A timer that re-arms forever.
    const forever = interval(1, clock.scheduler).subscribe();
    error = undefined;
    await clock.runUntil(() => false).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(TimeoutError);
    forever.unsubscribe();
  });

  it('runUntil resolves with a promise\'s value and rejects with its reason', async () => {
    const clock = virtualClock();
    const later = new Promise<string>((resolve) => clock.scheduler.schedule(() => resolve('done'), 60_000));
    expect(await clock.runUntil(later)).to.equal('done');
    expect(clock.now()).to.equal(60_000);
    const failing = Promise.reject(new Error('no'));
    let error: unknown;
    await clock.runUntil(failing).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('no');
  });

  it('rejects bad options with a ConfigError', () => {
    expect(() => virtualClock({ turns: -1 })).to.throw(ConfigError);
    expect(() => virtualClock({ maxSteps: 0 })).to.throw(ConfigError);
  });
});
