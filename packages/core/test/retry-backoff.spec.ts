import { expect } from 'chai';
import { defer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { retryBackoff, type RetryPolicy } from '@rxmsg/core';
import { backoffDelay } from '@rxmsg/core/internal';

// 10, 20, 40 -> capped at 30; four attempts in all.
const POLICY: RetryPolicy = { initialMs: 10, factor: 2, maxMs: 30, jitter: 0, maxAttempts: 4 };

describe('backoffDelay', () => {
  it('grows by factor from initialMs, capped at maxMs', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(POLICY, n))).to.deep.equal([10, 20, 30, 30, 30]);
  });

  it('stays constant with factor 1', () => {
    const policy: RetryPolicy = { ...POLICY, factor: 1 };
    expect([1, 2, 3].map((n) => backoffDelay(policy, n))).to.deep.equal([10, 10, 10]);
  });

  it('ignores the random source without jitter', () => {
    expect(backoffDelay(POLICY, 2, () => 0.99)).to.equal(20);
  });

  describe('jitter removes a random share of the delay', () => {
    const policy: RetryPolicy = { initialMs: 100, factor: 2, maxMs: 1000, jitter: 1, maxAttempts: 10 };
    const cases: [string, RetryPolicy, number, number, number][] = [
      ['full jitter, random 0: the whole delay', policy, 1, 0, 100],
      ['full jitter, random 0.5: half', policy, 3, 0.5, 200],
      ['full jitter, random 0.5, capped: half of maxMs', policy, 5, 0.5, 500],
      ['full jitter, random close to 1: almost nothing', policy, 2, 0.999, 0],
      ['jitter 0.5, random 0.5: a quarter off', { ...policy, jitter: 0.5 }, 1, 0.5, 75],
      ['rounded to whole milliseconds', { ...policy, initialMs: 3 }, 1, 0.5, 2],
    ];
    for (const [name, p, retry, random, delay] of cases) {
      it(name, () => expect(backoffDelay(p, retry, () => random)).to.equal(delay));
    }

    it('stays within [0, delay] for any random value in [0, 1)', () => {
      for (let i = 0; i <= 100; i++) {
        const ms = backoffDelay(policy, 4, () => i / 101);
        expect(ms).to.be.within(0, 800);
      }
    });
  });
});

describe('retryBackoff', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  it('resubscribes after 10, 20 and 30 ms, then lets the last error through', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#', undefined, new Error('refused'));
      // Errors at 2, 14, 36 and 68; waits of 10, 20 and 30 in between.
      expectObservable(source.pipe(retryBackoff(POLICY, { scheduler: testScheduler }))).toBe('68ms #', undefined, new Error('refused'));
      expectSubscriptions(source.subscriptions).toBe(['^-!', '12ms ^-!', '34ms ^-!', '66ms ^-!']);
    });
  });

  it('uses virtual time without an explicit scheduler inside run()', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#');
      expectObservable(source.pipe(retryBackoff(POLICY))).toBe('60ms #');
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '10ms (^!)', '30ms (^!)', '60ms (^!)']);
    });
  });

  it('passes values through and stops retrying once an attempt succeeds', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      let attempt = 0;
      const source = defer(() => (++attempt < 3 ? cold('a#') : cold('-b|')));
      // a at 0, error at 1; retry at 11: a, error at 12; retry at 32: b at 33, complete at 34.
      expectObservable(source.pipe(retryBackoff(POLICY))).toBe('a 10ms a 20ms -b|');
    });
  });

  it('does not retry with maxAttempts 1', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('---#');
      expectObservable(source.pipe(retryBackoff({ ...POLICY, maxAttempts: 1 }))).toBe('---#');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('applies jitter from the given random source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#');
      const policy: RetryPolicy = { ...POLICY, jitter: 1 };
      expectObservable(source.pipe(retryBackoff(policy, { random: () => 0.5 }))).toBe('30ms #');
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '5ms (^!)', '15ms (^!)', '30ms (^!)']);
    });
  });

  it('reports each retry before waiting', () => {
    const calls: [number, number, unknown][] = [];
    const failure = new Error('refused');
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('#', undefined, failure);
      const retried = source.pipe(retryBackoff(POLICY, { onRetry: (n, ms, error) => calls.push([n, ms, error]) }));
      expectObservable(retried).toBe('60ms #', undefined, failure);
    });
    expect(calls).to.deep.equal([
      [1, 10, failure],
      [2, 20, failure],
      [3, 30, failure],
    ]);
  });

  it('unsubscribes from the source and cancels the wait when unsubscribed', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#');
      // The second attempt fails at 14; unsubscribing at 20, inside the 20 ms wait, prevents a third.
      expectObservable(source.pipe(retryBackoff(POLICY)), '20ms !').toBe('');
      expectSubscriptions(source.subscriptions).toBe(['^-!', '12ms ^-!']);
    });
  });
});

describe('backoffDelay at extreme retry counts', () => {
  it('stays finite: 0 ms initial delays stay 0, others are capped at maxMs', () => {
    const policy = { initialMs: 0, maxMs: 1000, factor: 2, jitter: 0, maxAttempts: Infinity };
    expect(backoffDelay(policy, 5000)).to.equal(0);
    expect(backoffDelay({ ...policy, initialMs: 10 }, 5000)).to.equal(1000);
  });
});
