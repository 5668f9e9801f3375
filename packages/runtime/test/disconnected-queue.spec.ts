import { expect } from 'chai';
import fc from 'fast-check';
import { DisconnectedQueue, type QueueTarget } from '@rxmsg/runtime/internal';

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

const CHAT = ['chat'];
const HELLO = ['hello'];

describe('DisconnectedQueue', () => {
  it('holds up to its limit, refuses more with queue-full, and hands them over in order', () => {
    const { q, drops } = queue(2);
    expect(q.offer(1, CHAT)).to.equal(true);
    expect(q.offer(2, CHAT)).to.equal(true);
    expect(q.offer(3, CHAT)).to.equal(false);
    expect(drops).to.deep.equal([['queue-full', 3]]);
    const t = target('chat');
    q.flush(t, () => true);
    expect(t.got).to.deep.equal([1, 2]);
    expect(q.length).to.equal(0);
  });

  it('hands each stage the messages meant for it, in order, and keeps the others in order; undefined matches any', () => {
    const { q } = queue(10);
    q.offer(1, CHAT);
    q.offer(2, HELLO);
    q.offer(3, ['hello', 'chat']);
    q.offer(4, CHAT);
    const hello = target('hello');
    q.flush(hello, () => true);
    expect(hello.got).to.deep.equal([2, 3]);
    expect(q.length).to.equal(2);
    const chat = target('chat');
    q.flush(chat, () => true);
    expect(chat.got).to.deep.equal([1, 4]);
    q.offer(5, undefined);
    q.flush(hello, () => true);
    expect(hello.got).to.deep.equal([2, 3, 5]);
  });

  it('counts the waiting messages of every stage against one limit', () => {
    const { q, drops } = queue(2);
    q.offer(1, CHAT);
    q.offer(2, HELLO);
    expect(q.offer(3, HELLO)).to.equal(false);
    q.flush(target('hello'), () => true);
    expect(q.offer(3, HELLO)).to.equal(true);
    expect(drops).to.deep.equal([['queue-full', 3]]);
  });

  it('drops the first message a target refuses and keeps the rest for the next one', () => {
    const { q, drops } = queue(10);
    for (const m of [1, 2, 3]) q.offer(m, CHAT);
    const refusing = target('chat', (m) => m !== 2);
    q.flush(refusing, () => true);
    expect(refusing.got).to.deep.equal([1]);
    expect(drops).to.deep.equal([['refused', 2]]);
    expect(q.length).to.equal(1);
    expect(q.clear()).to.deep.equal([3]);
  });

  it('stops when the target is no longer live, and sends what is offered during a flush in turn', () => {
    const { q } = queue(10);
    for (const m of [1, 2, 3]) q.offer(m, CHAT);
    let live = true;
    const t = target('chat', (m) => {
      if (m === 1) {
        expect(q.flushing).to.equal(true);
        q.offer(4, CHAT);
        q.offer(5, HELLO);
      }
      if (m === 2) live = false;
      return true;
    });
    q.flush(t, () => live);
    expect(t.got).to.deep.equal([1, 2]);
    live = true;
    q.flush(t, () => live);
    expect(t.got).to.deep.equal([1, 2, 3, 4]);
    expect(q.clear()).to.deep.equal([5]);
  });

  it('does not scan again for a target it has served, until a message for it is offered', () => {
    const { q } = queue(10);
    q.offer(1, CHAT);
    let looks = 0;
    const hello = target('hello', () => true);
    const live = () => {
      looks++;
      return true;
    };
    q.flush(hello, live);
    const after = looks;
    q.flush(hello, live);
    expect(looks).to.equal(after);
    q.offer(2, HELLO);
    q.flush(hello, live);
    expect(hello.got).to.deep.equal([2]);
  });

  it('property: every message is handed over once, in order per stage, or still waits', () => {
    const stageNames = ['a', 'b', 'c'];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ offer: fc.constantFrom(...stageNames) }), fc.record({ flush: fc.constantFrom(...stageNames) })), { maxLength: 60 }),
        (ops) => {
          const { q } = queue(1000);
          const got = new Map(stageNames.map((n) => [n, [] as number[]]));
          const offered = new Map(stageNames.map((n) => [n, [] as number[]]));
          let next = 0;
          for (const op of ops) {
            if ('offer' in op) {
              offered.get(op.offer)!.push(next);
              q.offer(next++, [op.offer]);
            } else q.flush(target(op.flush, (m) => got.get(op.flush)!.push(m) > 0), () => true);
          }
          const left = q.clear();
          for (const n of stageNames) {
            const o = offered.get(n)!;
            const g = got.get(n)!;
            expect(g).to.deep.equal(o.slice(0, g.length));
            expect(left.filter((m) => o.includes(m))).to.deep.equal(o.slice(g.length));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
