import { expect } from 'chai';
import fc from 'fast-check';
import { Subject, type Subscription } from 'rxjs';
import { FlowControlError } from '@rxmsg/core';
import { ClientQueue } from '@rxmsg/runtime/internal';
import { InboundStream } from '../src/inbound-stream';
import { FakeInlet } from './support/fake-inlet';
import { feedQueue } from '../src/queue-feed';

function feed(inboundLimit: number, backlogLimit: number) {
  const inlet = new FakeInlet();
  const queue = new ClientQueue<number>('a', 1, inboundLimit);
  const state: { completed: boolean; error: unknown } = { completed: false, error: undefined };
  const sub: Subscription = feedQueue(new InboundStream(inlet), queue, backlogLimit).subscribe({
    complete: () => (state.completed = true),
    error: (e: unknown) => (state.error = e),
  });
  return { inlet, queue, state, sub };
}

describe('feedQueue', () => {
  it('acknowledges each message as it enters the queue; a full queue keeps the rest unacknowledged until pops make room', () => {
    const { inlet, queue, sub } = feed(2, 8);
    for (let i = 0; i < 5; i++) inlet.next(i);
    expect(queue.length).to.equal(2);
    expect(inlet.unacked).to.equal(3);
    expect(queue.pop()).to.equal(0);
    expect(queue.length).to.equal(2);
    expect(inlet.unacked).to.equal(2);
    inlet.next(5);
    expect(queue.popAll()).to.deep.equal([1, 2]);
    // popAll made room for two: the next two waiting moved in, in order.
    expect(queue.popAll()).to.deep.equal([3, 4]);
    expect(queue.popAll()).to.deep.equal([5]);
    expect(inlet.unacked).to.equal(0);
    sub.unsubscribe();
  });

  it('completes once its input did and everything waiting entered the queue', () => {
    const { inlet, queue, state, sub } = feed(1, 8);
    inlet.next(1);
    inlet.next(2);
    inlet.complete();
    expect(state.completed).to.equal(false);
    expect(queue.pop()).to.equal(1);
    expect(state.completed).to.equal(true);
    expect(queue.pop()).to.equal(2);
    sub.unsubscribe();
  });

  it('fails with its input only after what was waiting entered the queue', () => {
    const { inlet, queue, state, sub } = feed(1, 8);
    const boom = new Error('boom');
    inlet.next(1);
    inlet.next(2);
    inlet.error(boom);
    expect(state.error).to.equal(undefined);
    expect(queue.pop()).to.equal(1);
    expect(state.error).to.equal(boom);
    expect(queue.pop()).to.equal(2);
    sub.unsubscribe();
  });

  it('unsubscribed (the connection ended), hands what was waiting to the queue past its bound, acknowledged', () => {
    const { inlet, queue, sub } = feed(2, 8);
    for (let i = 0; i < 6; i++) inlet.next(i);
    expect(inlet.unacked).to.equal(4);
    sub.unsubscribe();
    expect(inlet.unacked).to.equal(0);
    expect(inlet.attached).to.equal(0);
    expect(queue.popAll()).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it('waits again when woken with the queue still full (a disconnect), and stops waiting once unsubscribed', () => {
    const { inlet, queue, sub } = feed(1, 8);
    inlet.next(1);
    inlet.next(2);
    queue.disconnect();
    expect(queue.length).to.equal(1);
    expect(queue.pop()).to.equal(1);
    expect(queue.pop()).to.equal(2);
    inlet.next(3);
    inlet.next(4);
    sub.unsubscribe();
    expect(queue.popAll()).to.deep.equal([3, 4]);
    expect(inlet.unacked).to.equal(0);
  });

  it('over an Observable that cannot be held back, fails with a FlowControlError past backlogLimit, keeping what came before', () => {
    const source = new Subject<number>();
    const queue = new ClientQueue<number>('a', 1, 2);
    let error: unknown;
    feedQueue(source, queue, 3).subscribe({ error: (e: unknown) => (error = e) });
    for (let i = 0; i < 5; i++) source.next(i);
    expect(error).to.equal(undefined);
    source.next(5);
    expect(error).to.be.instanceOf(FlowControlError).with.property('code', 'FLOW_CONTROL');
    expect(source.observed).to.equal(false);
    expect(queue.popAll()).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('property: in order, nothing lost, the queue within inboundLimit, at most backlogLimit unacknowledged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.constantFrom<'deliver' | 'pop' | 'popAll'>('deliver', 'deliver', 'pop', 'popAll'), { maxLength: 60 }),
        (inboundLimit, backlogLimit, steps) => {
          const { inlet, queue, state, sub } = feed(inboundLimit, backlogLimit);
          const got: number[] = [];
          let sent = 0;
          for (const step of steps) {
            // The connection delivers only while fewer than receiveQueueLimit messages are unacknowledged.
            if (step === 'deliver') {
              if (inlet.unacked < backlogLimit) inlet.next(sent++);
            } else if (step === 'pop') {
              const m = queue.pop();
              if (m !== undefined) got.push(m);
            } else got.push(...queue.popAll());
            if (queue.length > inboundLimit || inlet.unacked > backlogLimit || state.error !== undefined) return false;
          }
          inlet.complete();
          while (queue.length > 0) got.push(...queue.popAll());
          sub.unsubscribe();
          return state.completed && inlet.unacked === 0 && got.length === sent && got.every((v, i) => v === i);
        },
      ),
    );
  });
});
