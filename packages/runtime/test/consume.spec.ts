import { expect } from 'chai';
import { Subject, of, type Subscription } from 'rxjs';
import { consume } from '@rxmsg/runtime';
import { InboundStream } from '../src/inbound-stream';
import { FakeInlet } from './support/fake-inlet';

function setup(concurrency: number): {
  inlet: FakeInlet;
  inners: Map<number, Subject<string>>;
  out: string[];
  state: { completed: boolean; error: unknown };
  sub: Subscription;
} {
  const inlet = new FakeInlet();
  const inners = new Map<number, Subject<string>>();
  const out: string[] = [];
  const state: { completed: boolean; error: unknown } = { completed: false, error: undefined };
  const sub = new InboundStream(inlet)
    .pipe(
      consume((n: number) => {
        const inner = new Subject<string>();
        inners.set(n, inner);
        return inner;
      }, concurrency),
    )
    .subscribe({ next: (v) => out.push(v), complete: () => (state.completed = true), error: (e: unknown) => (state.error = e) });
  return { inlet, inners, out, state, sub };
}

describe('consume', () => {
  it('subscribes with acknowledgement and works on at most `concurrency` messages at once', () => {
    const { inlet, inners } = setup(2);
    expect(inlet.subscribers.map((s) => s.acknowledged)).to.deep.equal([true]);
    for (const n of [1, 2, 3, 4]) inlet.next(n);
    expect([...inners.keys()]).to.deep.equal([1, 2]);
    inners.get(2)!.complete();
    expect([...inners.keys()]).to.deep.equal([1, 2, 3]);
    inners.get(1)!.complete();
    expect([...inners.keys()]).to.deep.equal([1, 2, 3, 4]);
  });

  it('starts messages in arrival order and passes on what the inner streams emit', () => {
    const { inlet, inners, out } = setup(1);
    inlet.next(1);
    inlet.next(2);
    inners.get(1)!.next('a1');
    inners.get(1)!.next('b1');
    inners.get(1)!.complete();
    inners.get(2)!.next('a2');
    expect(out).to.deep.equal(['a1', 'b1', 'a2']);
  });

  it('acknowledges each message once, when its inner stream completes', () => {
    const { inlet, inners } = setup(2);
    for (const n of [1, 2, 3]) inlet.next(n);
    expect(inlet.unacked).to.equal(3);
    inners.get(1)!.next('x');
    expect(inlet.unacked).to.equal(3);
    inners.get(1)!.complete();
    inners.get(1)!.complete();
    expect(inlet.unacked).to.equal(2);
    inners.get(2)!.complete();
    inners.get(3)!.complete();
    expect(inlet.unacked).to.equal(0);
  });

  it('acknowledges work that finishes while the source is still delivering synchronously on subscribe', () => {
    const inlet = new FakeInlet();
    const source = new InboundStream<number>({
      attach: (subscriber, acknowledged) => {
        const teardown = inlet.attach(subscriber, acknowledged);
        inlet.next(1);
        inlet.next(2);
        return teardown;
      },
      acknowledge: () => inlet.acknowledge(),
    });
    const out: number[] = [];
    source.pipe(consume((n: number) => of(n * 10))).subscribe((v) => out.push(v));
    expect(out).to.deep.equal([10, 20]);
    expect(inlet.delivered).to.equal(2);
    expect(inlet.acks).to.equal(2);
  });

  it('completes once the source has completed and every message is done', () => {
    const { inlet, inners, state } = setup(1);
    inlet.next(1);
    inlet.next(2);
    inlet.complete();
    expect(state.completed).to.equal(false);
    inners.get(1)!.complete();
    expect(state.completed).to.equal(false);
    inners.get(2)!.complete();
    expect(state.completed).to.equal(true);
  });

  it('fails with an inner stream error, and tears the source down', () => {
    const { inlet, inners, state } = setup(2);
    inlet.next(1);
    inlet.next(2);
    const boom = new Error('boom');
    inners.get(1)!.error(boom);
    expect(state.error).to.equal(boom);
    expect(inlet.detached).to.equal(1);
    expect(inners.get(2)!.observed).to.equal(false);
  });

  for (const [what, project] of [
    ['throws', (): never => { throw new RangeError('bad projection'); }],
    ['returns what is no ObservableInput', (): never => 42 as never],
  ] as const) {
    it(`fails, never throws out of the inlet's delivery, when the projection ${what}; acknowledges and detaches`, () => {
      const inlet = new FakeInlet();
      const state: { error: unknown } = { error: undefined };
      new InboundStream(inlet).pipe(consume(project, 2)).subscribe({ error: (e: unknown) => (state.error = e) });
      expect(() => inlet.next(1)).not.to.throw();
      expect(state.error).to.be.instanceOf(what === 'throws' ? RangeError : TypeError);
      expect(inlet.unacked).to.equal(0);
      expect(inlet.subscribers).to.have.length(0);
    });
  }

  it('fails with a source error', () => {
    const { inlet, state } = setup(1);
    const boom = new Error('source');
    inlet.error(boom);
    expect(state.error).to.equal(boom);
  });

  it('unsubscribing detaches from the inlet and unsubscribes the inner streams', () => {
    const { inlet, inners, sub } = setup(2);
    inlet.next(1);
    inlet.next(2);
    expect(inners.get(1)!.observed).to.equal(true);
    sub.unsubscribe();
    expect(inlet.detached).to.equal(1);
    expect(inlet.subscribers).to.have.length(0);
    expect(inners.get(1)!.observed).to.equal(false);
    expect(inners.get(2)!.observed).to.equal(false);
    sub.unsubscribe();
    expect(inlet.detached).to.equal(1);
  });

  it('is plain mergeMap on any other Observable', () => {
    const out: number[] = [];
    let completed = false;
    of(1, 2, 3)
      .pipe(consume((n: number) => of(n, n * 10), 1))
      .subscribe({ next: (v) => out.push(v), complete: () => (completed = true) });
    expect(out).to.deep.equal([1, 10, 2, 20, 3, 30]);
    expect(completed).to.equal(true);
  });
});
