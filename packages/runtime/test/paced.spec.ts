import { expect } from 'chai';
import { of, type Observable } from 'rxjs';
import { ClosedError, FlowControlError } from '@rxmsg/core';
import { outputOf, paced } from '@rxmsg/runtime';
import { isPullable } from '../src/paced';
import { FakePeer, settle } from './support/fake-peer';

/** A source that counts how many items were pulled from it, and whether its `finally` ran. */
function counted(n: number) {
  const stats = { pulled: 0, finalized: 0 };
  function* sync(): Generator<number> {
    try {
      for (let i = 0; i < n; i++) {
        stats.pulled++;
        yield i;
      }
    } finally {
      stats.finalized++;
    }
  }
  async function* async(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        await Promise.resolve();
        stats.pulled++;
        yield i;
      }
    } finally {
      stats.finalized++;
    }
  }
  return { stats, sync, async };
}

/** Subscribe, collecting what is emitted; `onItem` runs after each item is recorded. */
function collect<T>(source: Observable<T>, onItem: (out: T[]) => void = () => {}) {
  const out: T[] = [];
  const end: { completed: boolean; error: unknown } = { completed: false, error: undefined };
  const sub = source.subscribe({
    next: (v) => {
      out.push(v);
      onItem(out);
    },
    error: (e: unknown) => (end.error = e),
    complete: () => (end.completed = true),
  });
  return { out, end, sub };
}

describe('paced', () => {
  for (const kind of ['sync', 'async'] as const) {
    describe(`over a ${kind} generator`, () => {
      it('pulls exactly while the peer is writable, stops when it is not, resumes on relief', async () => {
        const peer = new FakePeer();
        const src = counted(10);
        // The queue fills every third message.
        const { out, end } = collect(paced(peer, src[kind]()), (o) => {
          if (o.length % 3 === 0) peer.writable = false;
        });
        await settle();
        expect(out).to.deep.equal([0, 1, 2]);
        expect(src.stats.pulled).to.equal(3);
        expect(peer.waits).to.equal(1);
        peer.relieve();
        await settle();
        expect(out).to.deep.equal([0, 1, 2, 3, 4, 5]);
        expect(src.stats.pulled).to.equal(6);
        peer.relieve();
        await settle();
        peer.relieve();
        await settle();
        expect(out).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(src.stats.pulled).to.equal(10);
        expect(end.completed).to.equal(true);
        expect(src.stats.finalized).to.equal(1);
      });

      it('pulls nothing until the peer is writable', async () => {
        const peer = new FakePeer();
        peer.writable = false;
        const src = counted(3);
        const { out, end } = collect(paced(peer, src[kind]()));
        await settle();
        expect(src.stats.pulled).to.equal(0);
        peer.relieve();
        await settle();
        expect(out).to.deep.equal([0, 1, 2]);
        expect(end.completed).to.equal(true);
      });

      it('errors with ClosedError when the peer can no longer send while it waits', async () => {
        const peer = new FakePeer();
        const src = counted(10);
        const { out, end } = collect(paced(peer, src[kind]()), () => (peer.writable = false));
        await settle();
        peer.end();
        await settle();
        expect(out).to.deep.equal([0]);
        expect(end.error).to.be.instanceOf(ClosedError).with.property('code', 'CLOSED');
        expect(src.stats.pulled).to.equal(1);
      });

      it('unsubscribing calls return(): the generator finally runs, once, and nothing more is pulled', async () => {
        const peer = new FakePeer();
        const src = counted(10);
        const { out, sub } = collect(paced(peer, src[kind]()), () => (peer.writable = false));
        await settle();
        sub.unsubscribe();
        await settle();
        expect(src.stats.finalized).to.equal(1);
        peer.relieve();
        await settle();
        expect(out).to.deep.equal([0]);
        expect(src.stats.pulled).to.equal(1);
        expect(src.stats.finalized).to.equal(1);
      });
    });
  }

  it('errors with what a sync source throws, without calling return()', () => {
    const peer = new FakePeer();
    let returned = 0;
    const source: Iterable<number> = {
      [Symbol.iterator]: (): Iterator<number> => {
        let i = 0;
        return {
          next() {
            if (i === 2) throw new RangeError('boom');
            return { done: false, value: i++ };
          },
          return() {
            returned++;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const { out, end, sub } = collect(paced(peer, source));
    expect(out).to.deep.equal([0, 1]);
    expect(end.error).to.be.instanceOf(RangeError);
    sub.unsubscribe();
    expect(returned).to.equal(0);
  });

  it('errors with what an async source throws', async () => {
    const peer = new FakePeer();
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      await Promise.resolve();
      throw new RangeError('boom');
    }
    const { out, end } = collect(paced(peer, failing()));
    await settle();
    expect(out).to.deep.equal([1]);
    expect(end.error).to.be.instanceOf(RangeError);
  });

  it('errors with what a source throws when asked for its iterator', () => {
    const source: Iterable<number> = {
      [Symbol.iterator]: () => {
        throw new RangeError('no iterator');
      },
    };
    expect(collect(paced(new FakePeer(), source)).end.error).to.be.instanceOf(RangeError);
  });

  it('is cold: each subscription pulls its own iterator of an iterable', () => {
    const peer = new FakePeer();
    const rows = [1, 2, 3];
    expect(collect(paced(peer, rows)).out).to.deep.equal([1, 2, 3]);
    expect(collect(paced(peer, rows)).out).to.deep.equal([1, 2, 3]);
  });

  describe('with the stream option', () => {
    it('waits for credits and takes exactly one per item', async () => {
      const peer = new FakePeer();
      const src = counted(5);
      const { out, end } = collect(paced(peer, src.sync(), { stream: 7 }));
      await settle();
      expect(src.stats.pulled).to.equal(0);
      peer.ledger.granted(7, 2);
      await settle();
      expect(out).to.deep.equal([0, 1]);
      expect(src.stats.pulled).to.equal(2);
      peer.ledger.granted(7, 10);
      await settle();
      expect(out).to.deep.equal([0, 1, 2, 3, 4]);
      expect(end.completed).to.equal(true);
      expect(peer.noCredits).to.equal(0);
    });

    it('counts the grants that came before it opened the stream', async () => {
      const peer = new FakePeer();
      peer.ledger.granted(7, 3);
      const src = counted(5);
      const { out } = collect(paced(peer, src.async(), { stream: 7 }));
      await settle();
      expect(out).to.deep.equal([0, 1, 2]);
      expect(src.stats.pulled).to.equal(3);
    });

    it('still waits for room when it has credits', async () => {
      const peer = new FakePeer();
      peer.ledger.granted(7, 100);
      const src = counted(5);
      const { out } = collect(paced(peer, src.sync(), { stream: 7 }), () => (peer.writable = false));
      await settle();
      expect(out).to.deep.equal([0]);
      peer.relieve();
      await settle();
      expect(out).to.deep.equal([0, 1]);
    });

    it('closes the stream on teardown (it can be opened again) and on completion', async () => {
      const peer = new FakePeer();
      const { sub } = collect(paced(peer, counted(5).sync(), { stream: 7 }));
      expect(peer.ledger.openStreams).to.equal(1);
      expect(() => peer.openStream(7)).to.throw(FlowControlError);
      sub.unsubscribe();
      expect(peer.ledger.openStreams).to.equal(0);
      peer.ledger.granted(8, 5);
      const done = collect(paced(peer, [1, 2], { stream: 8 }));
      await settle();
      expect(done.end.completed).to.equal(true);
      expect(peer.ledger.openStreams).to.equal(0);
    });

    it('errors with ClosedError when the stream is closed under it', async () => {
      const peer = new FakePeer();
      const { end } = collect(paced(peer, counted(5).sync(), { stream: 7 }));
      peer.end();
      await settle();
      expect(end.error).to.be.instanceOf(ClosedError);
    });

    it('a stream id that is open already errors with FlowControlError on subscription', () => {
      const peer = new FakePeer();
      peer.openStream(7);
      const { out, end } = collect(paced(peer, [1], { stream: 7 }));
      expect(out).to.deep.equal([]);
      expect(end.error).to.be.instanceOf(FlowControlError);
    });
  });

  describe('outputOf', () => {
    it('passes an Observable through, paces an iterable, and refuses anything else with TypeError', () => {
      const peer = new FakePeer();
      const obs = of(1);
      expect(outputOf(obs, peer)).to.equal(obs);
      peer.writable = false;
      expect(collect(outputOf([1, 2], peer)).out).to.deep.equal([]);
      expect(() => outputOf(42 as unknown as Iterable<number>, peer)).to.throw(TypeError);
    });

    it('isPullable: iterables and async iterables, not strings, Observables or null', () => {
      expect(isPullable([1])).to.equal(true);
      expect(isPullable(new Set([1]))).to.equal(true);
      expect(isPullable(counted(1).async())).to.equal(true);
      expect(isPullable('abc')).to.equal(false);
      expect(isPullable(of(1))).to.equal(false);
      expect(isPullable(null)).to.equal(false);
      expect(isPullable({})).to.equal(false);
    });
  });
});
