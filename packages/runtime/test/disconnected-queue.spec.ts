import { expect } from 'chai';
import { DisconnectedQueue, type QueueTarget } from '@rxmsg/runtime';

function target(protocol: string, accept: (m: number) => boolean = () => true): QueueTarget<number> & { got: number[] } {
  const got: number[] = [];
  return {
    protocol,
    got,
    send: (m) => {
      if (!accept(m)) return false;
      got.push(m);
      return true;
    },
  };
}

function queue(limit: number) {
  const drops: [string, number][] = [];
  return { q: new DisconnectedQueue<number>(limit, (cause, m) => drops.push([cause, m])), drops };
}

describe('DisconnectedQueue', () => {
  it('holds up to its limit, refuses more with queue-full, and hands them over in order', () => {
    const { q, drops } = queue(2);
    expect(q.offer(1, 'chat')).to.equal(true);
    expect(q.offer(2, 'chat')).to.equal(true);
    expect(q.offer(3, 'chat')).to.equal(false);
    expect(drops).to.deep.equal([['queue-full', 3]]);
    const t = target('chat');
    q.flush(t, () => true);
    expect(t.got).to.deep.equal([1, 2]);
    expect(q.length).to.equal(0);
  });

  it('waits for a target speaking the protocol of its first message; undefined matches any', () => {
    const { q } = queue(10);
    q.offer(1, 'chat');
    q.offer(2, 'hello');
    const hello = target('hello');
    q.flush(hello, () => true);
    expect(hello.got).to.deep.equal([]);
    const chat = target('chat');
    q.flush(chat, () => true);
    expect(chat.got).to.deep.equal([1, 2]);
    q.offer(3, undefined);
    q.flush(hello, () => true);
    expect(hello.got).to.deep.equal([3]);
  });

  it('drops the first message a target refuses and keeps the rest for the next one', () => {
    const { q, drops } = queue(10);
    for (const m of [1, 2, 3]) q.offer(m, 'chat');
    const refusing = target('chat', (m) => m !== 2);
    q.flush(refusing, () => true);
    expect(refusing.got).to.deep.equal([1]);
    expect(drops).to.deep.equal([['refused', 2]]);
    expect(q.clear()).to.deep.equal([3]);
  });

  it('stops when the target is no longer live, and sends what is offered during a flush in turn', () => {
    const { q } = queue(10);
    for (const m of [1, 2, 3]) q.offer(m, 'chat');
    let live = true;
    const t = target('chat', (m) => {
      if (m === 1) {
        expect(q.flushing).to.equal(true);
        q.offer(4, 'chat');
      }
      if (m === 2) live = false;
      return true;
    });
    q.flush(t, () => live);
    expect(t.got).to.deep.equal([1, 2]);
    live = true;
    q.flush(t, () => live);
    expect(t.got).to.deep.equal([1, 2, 3, 4]);
  });
});
