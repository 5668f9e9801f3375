import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { from } from 'rxjs';
import {
  DEADLINE_PASSED,
  DEFAULT_MATCH_CONFIG,
  createMatchState,
  serverGoodbye,
  serverPreGame,
  withDeadline,
  type MatchState,
} from '@rxmsg-examples/ping-pong';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });

/** The processors under test read only `id` and `state` of their peer: a partial one stands for it. */
function peer<P>(state: MatchState): P {
  return { id: 7, state } as P;
}

describe('withDeadline', () => {
  it('mirrors the source, then emits DEADLINE_PASSED and completes at the deadline, unsubscribing the source', () => {
    const s = scheduler();
    s.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b------c-|');
      expectObservable(source.pipe(withDeadline(6, s))).toBe('-a-b--(D|)', { a: 'a', b: 'b', D: DEADLINE_PASSED });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('does not restart on each value: a busy source meets the same deadline', () => {
    const s = scheduler();
    s.run(({ hot, expectObservable }) => {
      expectObservable(hot('a-a-a-a-a-a|').pipe(withDeadline(5, s))).toBe('a-a-a(D|)', { a: 'a', D: DEADLINE_PASSED });
    });
  });

  it('ends with the source when it ends first, with no DEADLINE_PASSED', () => {
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|').pipe(withDeadline(6, s))).toBe('-a|');
      expectObservable(cold('-a#').pipe(withDeadline(6, s))).toBe('-a#');
    });
  });
});

describe('server stage deadlines, in virtual time', () => {
  it('pre-game: Welcome, then Error TIMEOUT at the deadline when no Config follows', () => {
    const s = scheduler();
    const state = createMatchState('server');
    s.run(({ hot, expectObservable }) => {
      const incoming = hot('--h', { h: { kind: 'Hello' as const, version: 1 } });
      const out = serverPreGame({ timeoutMs: 10, scheduler: s })(incoming, peer(state));
      expectObservable(from(out)).toBe('--w-------(e|)', {
        w: { kind: 'Welcome', version: 1 },
        e: { kind: 'Error', code: 'TIMEOUT', message: 'timeout: the pre-game did not end within 10 ms' },
      });
    });
    expect([state.outcome, state.game]).to.deep.equal(['rejected', undefined]);
  });

  it('pre-game: Start before the deadline ends the stage with no timeout', () => {
    const s = scheduler();
    const state = createMatchState('server');
    s.run(({ hot, expectObservable }) => {
      const incoming = hot('-h-c', { h: { kind: 'Hello' as const, version: 1 }, c: { kind: 'Config' as const, ...DEFAULT_MATCH_CONFIG } });
      const out = serverPreGame({ timeoutMs: 10, scheduler: s })(incoming, peer(state));
      expectObservable(from(out)).toBe('-w-(s|)', { w: { kind: 'Welcome', version: 1 }, s: { kind: 'Start', match: 7 } });
    });
    expect(state.outcome).to.equal(undefined);
  });

  it('goodbye: Error TIMEOUT at the deadline when no Endorse comes, leaving the match unendorsed', () => {
    const s = scheduler();
    const state = createMatchState('server');
    s.run(({ hot, expectObservable }) => {
      const out = serverGoodbye({ timeoutMs: 10, scheduler: s })(hot('-'), peer(state));
      expectObservable(from(out)).toBe('----------(e|)', { e: { kind: 'Error', code: 'TIMEOUT', message: 'timeout: no Endorse within 10 ms' } });
    });
    expect(state.endorsed).to.equal(undefined);
  });
});
