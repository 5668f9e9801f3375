import { expect } from 'chai';
import { Subject } from 'rxjs';
import { FlowControlError, MAX_CREDIT } from '@rxmsg/core';
import { CREDIT_WINDOW, credited } from '@rxmsg/runtime';
import { FakePeer } from './support/fake-peer';

/** The rejection of a promise, or `undefined` if it fulfils. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Credits granted for `stream` so far. */
const granted = (peer: FakePeer, stream: number): number => peer.grants.filter(([s]) => s === stream).reduce((n, [, k]) => n + k, 0);

describe('credited', () => {
  it(`grants the window (default ${CREDIT_WINDOW}) when the loop starts, not before`, async () => {
    const peer = new FakePeer();
    const source = new Subject<number>();
    const it = credited(peer, 9, source);
    expect(peer.grants).to.deep.equal([]);
    expect(source.observed).to.equal(false);
    const first = it.next();
    expect(peer.grants).to.deep.equal([[9, CREDIT_WINDOW]]);
    source.next(1);
    expect(await first).to.deep.equal({ done: false, value: 1 });
    await it.return?.();
  });

  it('grants again in batches of half the window as the loop takes messages', async () => {
    const peer = new FakePeer();
    const source = new Subject<number>();
    const it = credited(peer, 3, source, { window: 8 });
    const first = it.next();
    for (let i = 0; i < 8; i++) source.next(i);
    await first;
    expect(peer.grants).to.deep.equal([[3, 8]]);
    for (let k = 1; k < 4; k++) await it.next();
    expect(peer.grants).to.deep.equal([[3, 8], [3, 4]]);
    for (let k = 4; k < 8; k++) await it.next();
    expect(peer.grants).to.deep.equal([[3, 8], [3, 4], [3, 4]]);
    await it.return?.();
  });

  it('a window of 1 grants again after every message', async () => {
    const peer = new FakePeer();
    const source = new Subject<number>();
    const it = credited(peer, 3, source, { window: 1 });
    const first = it.next();
    source.next(0);
    await first;
    const second = it.next();
    source.next(1);
    await second;
    expect(peer.grants).to.deep.equal([[3, 1], [3, 1], [3, 1]]);
    await it.return?.();
  });

  it('a producer that sends exactly what it was granted never makes the loop throw', async () => {
    const peer = new FakePeer();
    const source = new Subject<number>();
    const window = 6;
    const it = credited(peer, 1, source, { window });
    let sent = 0;
    const total = 1000;
    /** The producer: sends while it holds credits (all grants so far minus what it sent). */
    const produce = (): void => {
      while (sent < total && granted(peer, 1) - sent > 0) source.next(sent++);
      if (sent === total) source.complete();
    };
    const seen: number[] = [];
    const first = it.next();
    produce();
    for (let r = await first; r.done !== true; ) {
      seen.push(r.value);
      const next = it.next();
      produce();
      r = await next;
    }
    expect(seen).to.have.length(total);
    expect(seen[total - 1]).to.equal(total - 1);
  });

  it('throws FlowControlError once the producer sends more than the window, and unsubscribes', async () => {
    const peer = new FakePeer();
    const source = new Subject<number>();
    const it2 = credited(peer, 2, source, { window: 4 });
    const first = it2.next();
    // Nothing taken by the loop but the first: 4 credits, and 6 messages.
    for (let i = 0; i < 6; i++) source.next(i);
    expect(source.observed).to.equal(false);
    expect((await first).value).to.equal(0);
    const values: number[] = [];
    let error: unknown;
    for (;;) {
      try {
        const r = await it2.next();
        if (r.done === true) break;
        values.push(r.value);
      } catch (e) {
        error = e;
        break;
      }
    }
    expect(error).to.be.instanceOf(FlowControlError).with.property('code', 'FLOW_CONTROL');
    expect(values).to.deep.equal([1, 2, 3]);
  });

  it('counts messages taken but not yet granted again: the first message past the grants is an overrun', async () => {
    const peer = new FakePeer();
    const source = new Subject<number>();
    const it = credited(peer, 1, source, { window: 4 });
    const first = it.next();
    // 4 granted, none granted again yet (the batch is 2): messages 0-3 are allowed, 4 is not.
    for (let i = 0; i < 5; i++) source.next(i);
    expect(await first).to.deep.equal({ done: false, value: 0 });
    expect(granted(peer, 1)).to.equal(4);
    const values: number[] = [];
    let error: unknown;
    for (;;) {
      try {
        const r = await it.next();
        if (r.done === true) break;
        values.push(r.value);
      } catch (e) {
        error = e;
        break;
      }
    }
    expect(error).to.be.instanceOf(FlowControlError);
    expect(values).to.deep.equal([1, 2, 3]);
    expect(source.observed).to.equal(false);
  });

  it('return() unsubscribes, settles a pending next() as done and grants nothing more', async () => {
    const peer = new FakePeer();
    const source = new Subject<number>();
    const it = credited(peer, 5, source, { window: 2 });
    const pending = it.next();
    expect(source.observed).to.equal(true);
    await it.return?.();
    expect(source.observed).to.equal(false);
    expect(await pending).to.deep.equal({ done: true, value: undefined });
    expect(peer.grants).to.deep.equal([[5, 2]]);
    expect(await it.next()).to.deep.equal({ done: true, value: undefined });
  });

  it('ends the loop when the source completes, and passes its error on', async () => {
    const peer = new FakePeer();
    const done = new Subject<number>();
    const a = credited(peer, 1, done);
    const p = a.next();
    done.complete();
    expect(await p).to.deep.equal({ done: true, value: undefined });
    const failing = new Subject<number>();
    const b = credited(peer, 2, failing);
    const q = b.next();
    failing.error(new RangeError('boom'));
    expect(await rejection(q)).to.be.instanceOf(RangeError);
  });

  for (const window of [0, -1, 1.5, MAX_CREDIT + 1]) {
    it(`refuses a window of ${window} with FlowControlError`, () => {
      expect(() => credited(new FakePeer(), 1, new Subject<number>(), { window })).to.throw(FlowControlError);
    });
  }
});
