import { expect } from 'chai';
import { Observable, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ConnectError, RxmsgError, TransportError, type ReconnectPolicy, type RetryPolicy } from '@rxmsg/core';
import { connectionLoop, type ConnectionEnd, type ConnectionLoopEvent, type ConnectionLoopOptions } from '@rxmsg/runtime/internal';

const RETRY: RetryPolicy = { initialMs: 10, maxMs: 40, factor: 2, jitter: 0, maxAttempts: 3 };
const RECONNECT: ReconnectPolicy = { initialMs: 10, maxMs: 40, factor: 2, jitter: 0, maxAttempts: 4, stableAfterMs: 50 };

const refused = new TransportError('connection refused');
const reset = new TransportError('connection reset');

/** A loop event as the marbles compare it: errors reduced to their class, `ConnectError`'s attempts, and causes. */
type Seen =
  | Extract<ConnectionLoopEvent<string>, { type: 'connecting' | 'connected' | 'reconnecting' }>
  | { readonly type: 'connect-failed'; readonly attempt: number; readonly error: string; readonly retryInMs?: number }
  | { readonly type: 'ended'; readonly error?: string };

function describeError(error: RxmsgError): string {
  const cause = error.cause instanceof RxmsgError ? ` <- ${describeError(error.cause)}` : '';
  return `${error.name}${error instanceof ConnectError ? `(${error.attempts})` : ''}${cause}`;
}

function seen(e: ConnectionLoopEvent<string>): Seen {
  if (e.type === 'connect-failed') return { ...e, error: describeError(e.error) };
  if (e.type === 'ended') return e.error === undefined ? { type: 'ended' } : { type: 'ended', error: describeError(e.error) };
  return e;
}

/** Builders of the values the marbles name. */
const V = {
  connecting: (attempt: number): Seen => ({ type: 'connecting', attempt }),
  failed: (attempt: number, retryInMs?: number, error = 'TransportError'): Seen =>
    retryInMs === undefined ? { type: 'connect-failed', attempt, error } : { type: 'connect-failed', attempt, error, retryInMs },
  connected: (connection: string): Seen => ({ type: 'connected', connection }),
  reconnecting: (attempt: number, delayMs: number): Seen => ({ type: 'reconnecting', attempt, delayMs }),
  ended: (error?: string): Seen => (error === undefined ? { type: 'ended' } : { type: 'ended', error }),
};

const LOST: ConnectionEnd = { lost: true };
const DONE: ConnectionEnd = { lost: false };

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}

/** Loop options whose dials are `dials`, one per attempt in turn, and whose connections run `runs` in turn. */
function scripted(
  scheduler: TestScheduler,
  dials: readonly Observable<string>[],
  runs: readonly Observable<ConnectionEnd>[],
  policies: Partial<Pick<ConnectionLoopOptions<string>, 'connectRetry' | 'reconnect' | 'random'>>,
): ConnectionLoopOptions<string> {
  let d = 0;
  let r = 0;
  return {
    address: 'tcp://127.0.0.1:1',
    dial: () => {
      const next = dials[d++];
      if (next === undefined) throw new Error(`unexpected dial ${d}`);
      return next;
    },
    run: () => {
      const next = runs[r++];
      if (next === undefined) throw new Error(`unexpected connection ${r}`);
      return next;
    },
    connectRetry: 'none',
    reconnect: 'none',
    scheduler,
    ...policies,
  };
}

describe('connectionLoop', () => {
  describe('first connection', () => {
    it('retries with backoff under connectRetry, then runs the connection', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const d1 = cold<string>('-#', undefined, refused);
        const d2 = cold<string>('-#', undefined, refused);
        const d3 = cold('-(c|)', { c: 'c1' });
        const run = cold<ConnectionEnd>('-');
        const loop$ = connectionLoop(scripted(ts, [d1, d2, d3], [run], { connectRetry: RETRY }));
        // Attempt 1 fails at 1; attempt 2, 10 ms later, fails at 12; attempt 3, 20 ms later, connects at 33.
        expectObservable(loop$.pipe(map(seen))).toBe('a (bc) 7ms (de) 17ms f', {
          a: V.connecting(1),
          b: V.failed(1, 10),
          c: V.connecting(2),
          d: V.failed(2, 20),
          e: V.connecting(3),
          f: V.connected('c1'),
        });
        expectSubscriptions(d1.subscriptions).toBe('^!');
        expectSubscriptions(d2.subscriptions).toBe('11ms ^!');
        expectSubscriptions(d3.subscriptions).toBe('32ms ^!');
        expectSubscriptions(run.subscriptions).toBe('33ms ^');
      });
    });

    it('ends with a ConnectError naming the attempts once connectRetry runs out', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable }) => {
        const dials = [1, 2, 3].map(() => cold<string>('-#', undefined, refused));
        const loop$ = connectionLoop(scripted(ts, dials, [], { connectRetry: RETRY }));
        expectObservable(loop$.pipe(map(seen))).toBe('a (bc) 7ms (de) 17ms (fg|)', {
          a: V.connecting(1),
          b: V.failed(1, 10),
          c: V.connecting(2),
          d: V.failed(2, 20),
          e: V.connecting(3),
          f: V.failed(3),
          g: V.ended('ConnectError(3) <- TransportError'),
        });
      });
    });

    it("makes one attempt with connectRetry 'none'", () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable }) => {
        const loop$ = connectionLoop(scripted(ts, [cold<string>('--#', undefined, refused)], [], {}));
        expectObservable(loop$.pipe(map(seen))).toBe('a-(bc|)', {
          a: V.connecting(1),
          b: V.failed(1),
          c: V.ended('ConnectError(1) <- TransportError'),
        });
      });
    });

    it('counts a dial that completes without a connection, or throws, as a failed attempt', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable }) => {
        const options = scripted(ts, [cold<string>('-|')], [], { connectRetry: { ...RETRY, maxAttempts: 2 } });
        let dials = 0;
        const loop$ = connectionLoop({
          ...options,
          dial: () => {
            if (++dials === 2) throw new Error('no route');
            return options.dial();
          },
        });
        expectObservable(loop$.pipe(map(seen))).toBe('a (bc) 6ms (de|)', {
          a: V.connecting(1),
          b: V.failed(1, 10),
          c: V.connecting(2),
          d: V.failed(2),
          e: V.ended('ConnectError(2) <- TransportError'),
        });
      });
    });
  });

  describe('reconnection', () => {
    it('dials a lost connection again after a backoff that grows while connections do not last, and resets after stableAfterMs', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const d1 = cold('-(c|)', { c: 'c1' });
        const d2 = cold<string>('-#', undefined, refused);
        const d3 = cold('-(c|)', { c: 'c2' });
        const d4 = cold('-(c|)', { c: 'c3' });
        const d5 = cold('-(c|)', { c: 'c4' });
        const r1 = cold('---(l|)', { l: LOST }); // lost at 4
        const r2 = cold('--(l|)', { l: LOST }); // lives 2 ms: not stable
        const r3 = cold('60ms (l|)', { l: LOST }); // lives 60 ms: stable
        const r4 = cold('-(d|)', { d: DONE });
        const loop$ = connectionLoop(scripted(ts, [d1, d2, d3, d4, d5], [r1, r2, r3, r4], { reconnect: RECONNECT }));
        expectObservable(loop$.pipe(map(seen))).toBe(
          // 0: connecting; 1: c1 up; 4: lost, attempt 1 in 10; 15: it fails, attempt 2 in 20; 36: c2 up;
          // 38: lost after 2 ms, attempt 3 in 40; 79: c3 up; 139: lost after 60 ms, attempt 1 again in 10;
          // 150: c4 up; 151: its stack completes, the loop ends.
          'a b 2ms r 10ms (fs) 17ms c 1ms t 40ms d 59ms u 10ms e (z|)',
          {
            a: V.connecting(1),
            b: V.connected('c1'),
            r: V.reconnecting(1, 10),
            f: V.failed(1, 20),
            s: V.reconnecting(2, 20),
            c: V.connected('c2'),
            t: V.reconnecting(3, 40),
            d: V.connected('c3'),
            u: V.reconnecting(1, 10),
            e: V.connected('c4'),
            z: V.ended(),
          },
        );
        expectSubscriptions(r1.subscriptions).toBe('1ms ^--!');
        expectSubscriptions(d2.subscriptions).toBe('14ms ^!');
        expectSubscriptions(d3.subscriptions).toBe('35ms ^!');
        expectSubscriptions(d4.subscriptions).toBe('78ms ^!');
        expectSubscriptions(d5.subscriptions).toBe('149ms ^!');
      });
    });

    it('gives up with a ConnectError after maxAttempts failed dials, its cause the last failure', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable }) => {
        const policy = { ...RECONNECT, maxAttempts: 2 };
        const dials = [cold('-(c|)', { c: 'c1' }), cold<string>('-#', undefined, refused), cold<string>('-#', undefined, reset)];
        const loop$ = connectionLoop(scripted(ts, dials, [cold('-(l|)', { l: LOST })], { reconnect: policy }));
        expectObservable(loop$.pipe(map(seen))).toBe('a b r 10ms (fs) 17ms (gz|)', {
          a: V.connecting(1),
          b: V.connected('c1'),
          r: V.reconnecting(1, 10),
          f: V.failed(1, 20),
          s: V.reconnecting(2, 20),
          g: V.failed(2),
          z: V.ended('ConnectError(2) <- TransportError'),
        });
      });
    });

    it('gives up when maxAttempts connections in a row are lost before stableAfterMs, the cause the last loss', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable }) => {
        const policy = { ...RECONNECT, maxAttempts: 1 };
        const dials = [cold('-(c|)', { c: 'c1' }), cold('-(c|)', { c: 'c2' })];
        const timeout = { lost: true, error: new TransportError('vanished') };
        const runs = [cold('-(l|)', { l: LOST }), cold('-(l|)', { l: timeout })];
        const loop$ = connectionLoop(scripted(ts, dials, runs, { reconnect: policy }));
        expectObservable(loop$.pipe(map(seen))).toBe('a b r 10ms c (z|)', {
          a: V.connecting(1),
          b: V.connected('c1'),
          r: V.reconnecting(1, 10),
          c: V.connected('c2'),
          z: V.ended('ConnectError(1) <- TransportError'),
        });
      });
    });

    it('keeps trying with maxAttempts Infinity, delays capped at maxMs, full jitter from the random source', () => {
      const ts = testScheduler();
      ts.run(({ cold, flush }) => {
        const policy: ReconnectPolicy = { initialMs: 10, maxMs: 100, factor: 2, jitter: 1, maxAttempts: Infinity, stableAfterMs: 1000 };
        let dials = 0;
        const events: Seen[] = [];
        const sub = connectionLoop({
          ...scripted(ts, [], [cold('-(l|)', { l: LOST })], { reconnect: policy, random: () => 0.25 }),
          // The first dial connects, every later one fails.
          dial: () => (dials++ === 0 ? cold('-(c|)', { c: 'c1' }) : cold<string>('-#', undefined, refused)),
        })
          .pipe(map(seen))
          .subscribe((e) => events.push(e));
        ts.schedule(() => sub.unsubscribe(), 5000);
        flush();
        const delays = events.flatMap((e) => (e.type === 'reconnecting' ? [e.delayMs] : []));
        // Full jitter takes up to all of each delay; the source's 0.25 takes a quarter of it.
        expect(delays.slice(0, 6)).to.deep.equal([8, 15, 30, 60, 75, 75]);
        expect(delays.length).to.be.above(50);
        expect(new Set(delays.slice(4))).to.deep.equal(new Set([75]));
        const attempts = events.flatMap((e) => (e.type === 'reconnecting' ? [e.attempt] : []));
        expect(attempts).to.deep.equal(attempts.map((_, i) => i + 1));
        expect(events.some((e) => e.type === 'ended')).to.equal(false);
      });
    });

    it("ends with the connection's error, without reconnecting, when the connection ends without being lost or reconnect is 'none'", () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable }) => {
        const failure = { lost: true, error: new TransportError('reset') };
        const noPolicy = connectionLoop(scripted(ts, [cold('-(c|)', { c: 'c1' })], [cold('-(l|)', { l: failure })], {}));
        expectObservable(noPolicy.pipe(map(seen))).toBe('ab(z|)', { a: V.connecting(1), b: V.connected('c1'), z: V.ended('TransportError') });
        const done = connectionLoop(scripted(ts, [cold('-(c|)', { c: 'c1' })], [cold('-|')], { reconnect: RECONNECT }));
        expectObservable(done.pipe(map(seen))).toBe('ab(z|)', { a: V.connecting(1), b: V.connected('c1'), z: V.ended() });
        const broken = connectionLoop(scripted(ts, [cold('-(c|)', { c: 'c1' })], [cold<ConnectionEnd>('-#', undefined, reset)], { reconnect: RECONNECT }));
        expectObservable(broken.pipe(map(seen))).toBe('ab(z|)', { a: V.connecting(1), b: V.connected('c1'), z: V.ended('TransportError') });
      });
    });
  });

  describe('teardown', () => {
    it('unsubscribing during a reconnect wait cancels the wait: no further dial', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const d1 = cold('-(c|)', { c: 'c1' });
        const d2 = cold('-(c|)', { c: 'c2' });
        const r1 = cold('-(l|)', { l: LOST });
        const options = scripted(ts, [d1, d2], [r1], { reconnect: RECONNECT });
        let dials = 0;
        const loop$ = connectionLoop({ ...options, dial: () => (dials++, options.dial()) });
        expectObservable(loop$.pipe(map(seen)), '^ 5ms !').toBe('a b r', {
          a: V.connecting(1),
          b: V.connected('c1'),
          r: V.reconnecting(1, 10),
        });
        expectSubscriptions(d2.subscriptions).toBe([]);
        // The test's flush runs the whole schedule: the wait was cancelled, not merely ignored.
        ts.schedule(() => expect(dials).to.equal(1), 100);
      });
    });

    it('sources that call back synchronously: each step is torn down once, the next step runs, the loop ends once', () => {
      const ts = testScheduler();
      const teardowns: string[] = [];
      /** Emits `value` and completes (or fails) within subscribe, and records its teardown. */
      const sync = <T>(name: string, value: T | undefined, error?: RxmsgError): Observable<T> =>
        new Observable<T>((subscriber) => {
          if (error !== undefined) subscriber.error(error);
          else {
            subscriber.next(value as T);
            subscriber.complete();
          }
          return () => teardowns.push(name);
        });
      const events: Seen[] = [];
      const options = scripted(ts, [sync<string>('dial1', undefined, refused), sync('dial2', 'c2'), sync('dial3', 'c3')], [sync('run1', LOST), sync('run2', DONE)], {
        connectRetry: RETRY,
        reconnect: RECONNECT,
      });
      let completed = 0;
      connectionLoop(options).subscribe({ next: (e) => events.push(seen(e)), complete: () => completed++ });
      ts.flush();
      expect(events).to.deep.equal([
        V.connecting(1),
        V.failed(1, 10),
        V.connecting(2),
        V.connected('c2'),
        V.reconnecting(1, 10),
        V.connected('c3'),
        V.ended(),
      ]);
      expect(completed).to.equal(1);
      // Nested: a step that emits within subscribe is torn down after the steps it started (as before LoopLife).
      expect(teardowns).to.deep.equal(['dial1', 'run1', 'dial2', 'run2', 'dial3']);
    });

    it('unsubscribing while connected tears the connection down, and while dialling aborts the dial', () => {
      const ts = testScheduler();
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const run = cold<ConnectionEnd>('-');
        const connected = connectionLoop(scripted(ts, [cold('-(c|)', { c: 'c1' })], [run], {}));
        expectObservable(connected.pipe(map(seen)), '^ 9ms !').toBe('ab', { a: V.connecting(1), b: V.connected('c1') });
        expectSubscriptions(run.subscriptions).toBe('1ms ^ 8ms !');
        const dial = cold<string>('----(c|)', { c: 'c1' });
        const dialling = connectionLoop(scripted(ts, [dial], [], {}));
        expectObservable(dialling.pipe(map(seen)), '^-!').toBe('a', { a: V.connecting(1) });
        expectSubscriptions(dial.subscriptions).toBe('^-!');
      });
    });
  });
});
