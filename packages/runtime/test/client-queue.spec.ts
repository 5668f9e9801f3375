import { expect } from 'chai';
import { ClientQueue, queueClientId } from '@rxmsg/runtime/internal';

describe('ClientQueue', () => {
  it('pops in order, reports full at its limit, and wakes the reader once a pop makes room', async () => {
    const q = new ClientQueue<number>('a', 1, 2);
    q.deliver(1);
    q.deliver(2);
    expect(q.full).to.equal(true);
    let woke = false;
    const room = q.room().then(() => (woke = true));
    expect(q.pop()).to.equal(1);
    await room;
    expect(woke).to.equal(true);
    expect(q.popAll()).to.deep.equal([2]);
    expect(q.pop()).to.equal(undefined);
    expect(q.length).to.equal(0);
  });

  it('wait: true at once with a message, true when one arrives, false on timeout, false on disconnect with nothing queued', async () => {
    const q = new ClientQueue<number>('a', 1, 4);
    const arriving = q.wait();
    q.deliver(7);
    expect(await arriving).to.equal(true);
    expect(await q.wait({ timeoutMs: 1 })).to.equal(true);
    q.pop();
    expect(await q.wait({ timeoutMs: 0 })).to.equal(false);
    expect(await q.wait({ timeoutMs: 5 })).to.equal(false);
    const gone = q.wait();
    q.disconnect();
    expect(await gone).to.equal(false);
    expect(await q.wait()).to.equal(false);
  });

  it('wait: what is queued stays readable after a disconnect', async () => {
    const q = new ClientQueue<number>('a', 1, 4);
    q.deliver(1);
    q.disconnect();
    expect(await q.wait()).to.equal(true);
    expect(q.pop()).to.equal(1);
  });

  it('wait: aborting rejects with the signal reason and removes its listener; an aborted signal rejects at once', async () => {
    const q = new ClientQueue<number>('a', 1, 4);
    const abort = new AbortController();
    const reason = new Error('enough');
    const waiting = q.wait({ signal: abort.signal, timeoutMs: 60_000 });
    abort.abort(reason);
    let caught: unknown;
    await waiting.catch((e: unknown) => (caught = e));
    expect(caught).to.equal(reason);
    await q.wait({ signal: abort.signal }).catch((e: unknown) => (caught = e));
    expect(caught).to.equal(reason);
    // The 60 s timer was cleared with the abort: the open-handle check would report it otherwise.
  });

  it('release lets a reader waiting for room go and lifts the bound', async () => {
    const q = new ClientQueue<number>('a', 1, 1);
    q.deliver(1);
    const room = q.room();
    q.release();
    await room;
    expect(q.full).to.equal(false);
  });

  it('keeps its order across compactions when it never empties', () => {
    const q = new ClientQueue<number>('a', 1, 10);
    let next = 0;
    let expected = 0;
    const popped: boolean[] = [];
    for (let i = 0; i < 3000; i++) {
      q.deliver(next++);
      q.deliver(next++);
      popped.push(q.pop() === expected++);
    }
    expect(popped.every(Boolean)).to.equal(true);
    expect(q.length).to.equal(3000);
    expect(q.popAll()[0]).to.equal(expected);
  });
});

describe('queueClientId', () => {
  const none = (): boolean => false;
  it('is ip:port for inet addresses and the peer id otherwise', () => {
    expect(queueClientId('tcp://127.0.0.1:5000', 3, none)).to.equal('127.0.0.1:5000');
    expect(queueClientId('ws://127.0.0.1:5000/play', 3, none)).to.equal('127.0.0.1:5000');
    expect(queueClientId('tls://[::1]:443', 3, none)).to.equal('[::1]:443');
    expect(queueClientId('unix:/tmp/a.sock', 3, none)).to.equal('3');
    expect(queueClientId('memory', 4, none)).to.equal('4');
  });

  it('is never one still in use', () => {
    expect(queueClientId('tcp://127.0.0.1:5000', 9, (id) => id === '127.0.0.1:5000')).to.equal('127.0.0.1:5000#9');
  });
});
