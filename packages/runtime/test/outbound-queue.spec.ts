import { expect } from 'chai';
import type { Connection } from '@rxmsg/core';
import { OutboundQueue } from '@rxmsg/runtime';

function fakeConnection(accept: () => boolean): Connection & { writes: (string | Uint8Array)[] } {
  const writes: (string | Uint8Array)[] = [];
  return {
    writes,
    framing: 'stream',
    localAddress: 'l',
    remoteAddress: 'r',
    bytesRead: 0,
    bytesWritten: 0,
    start: () => {},
    write: (c) => {
      writes.push(c);
      return accept();
    },
    pause: () => {},
    resume: () => {},
    end: () => {},
    destroy: () => {},
  };
}

describe('OutboundQueue', () => {
  it('coalesces chunks queued in one tick into one write per type run', async () => {
    const c = fakeConnection(() => true);
    const q = new OutboundQueue(c, { messages: 100, bytes: 1 << 20 });
    q.push('a\n');
    q.push('b\n');
    q.push(Uint8Array.of(1, 2));
    q.push(Uint8Array.of(3));
    q.push('c\n');
    expect(c.writes).to.deep.equal([]);
    await Promise.resolve();
    expect(c.writes).to.deep.equal(['a\nb\n', Uint8Array.of(1, 2, 3), 'c\n']);
  });

  it('stops at backpressure, bounds the queue, resumes on drain', async () => {
    let ok = false;
    const c = fakeConnection(() => ok);
    const q = new OutboundQueue(c, { messages: 2, bytes: 1 << 20 });
    expect(q.push('a')).to.equal(true);
    await Promise.resolve();
    expect(c.writes).to.deep.equal(['a']);
    expect(q.push('b')).to.equal(true);
    expect(q.push('c')).to.equal(true);
    expect(q.push('d')).to.equal(false);
    await Promise.resolve();
    expect(c.writes).to.deep.equal(['a']);
    let idle = false;
    q.whenIdle(() => (idle = true));
    ok = true;
    q.drained();
    expect(c.writes).to.deep.equal(['a', 'bc']);
    expect(idle).to.equal(true);
  });
});
