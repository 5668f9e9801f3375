import { expect } from 'chai';
import { FlowControlError, MAX_CREDIT, MAX_STREAM_ID } from '@rxmsg/core';
import { CreditLedger, MAX_EARLY_GRANTS } from '../src/credit-ledger';
import type { CreditStreamHost } from '../src/credit-stream';

/** A stage driven by the test: whether it has room, whether it can send, what it sent. */
class FakeHost implements CreditStreamHost {
  writable = true;
  canSend = true;
  readonly sent: unknown[] = [];
  awaited = 0;
  noCredits = 0;
  send(message: unknown): boolean {
    this.sent.push(message);
    return true;
  }
  awaitRoom(): void {
    this.awaited++;
  }
  noCredit(): void {
    this.noCredits++;
  }
}

/** Let every pending promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The settled value of a promise so far: `'pending'` until it settles. */
function track<T>(p: Promise<T>): { value: T | 'pending' } {
  const box: { value: T | 'pending' } = { value: 'pending' };
  void p.then((v) => (box.value = v));
  return box;
}

describe('CreditLedger', () => {
  it('a stream opens with the grants it received before, and they are kept no longer', () => {
    const ledger = new CreditLedger(new FakeHost());
    ledger.granted(5, 3);
    ledger.granted(5, 4);
    expect(ledger.earlyGrants).to.equal(1);
    const s = ledger.openStream(5);
    expect(s.credits).to.equal(7);
    expect(ledger.earlyGrants).to.equal(0);
    expect(ledger.openStreams).to.equal(1);
  });

  it('grants for an open stream go to it, and saturate at MAX_CREDIT', () => {
    const ledger = new CreditLedger(new FakeHost());
    const s = ledger.openStream(1);
    ledger.granted(1, 10);
    expect(s.credits).to.equal(10);
    ledger.granted(1, MAX_CREDIT);
    expect(s.credits).to.equal(MAX_CREDIT);
    ledger.granted(2, MAX_CREDIT);
    ledger.granted(2, MAX_CREDIT);
    expect(ledger.openStream(2).credits).to.equal(MAX_CREDIT);
  });

  it(`keeps at most MAX_EARLY_GRANTS (${MAX_EARLY_GRANTS}) early grants, the most recently granted`, () => {
    const ledger = new CreditLedger(new FakeHost());
    for (let stream = 0; stream < 1000; stream++) ledger.granted(stream, 1);
    expect(ledger.earlyGrants).to.equal(MAX_EARLY_GRANTS);
    expect(ledger.openStream(999).credits).to.equal(1);
    expect(ledger.openStream(1000 - MAX_EARLY_GRANTS).credits).to.equal(1);
    expect(ledger.openStream(1000 - MAX_EARLY_GRANTS - 1).credits).to.equal(0);
    expect(ledger.openStream(0).credits).to.equal(0);
  });

  it('granting again to an early stream makes it the most recent, so it outlives older ones', () => {
    const ledger = new CreditLedger(new FakeHost());
    for (let stream = 0; stream < MAX_EARLY_GRANTS; stream++) ledger.granted(stream, 1);
    ledger.granted(0, 1);
    ledger.granted(MAX_EARLY_GRANTS, 1);
    expect(ledger.earlyGrants).to.equal(MAX_EARLY_GRANTS);
    expect(ledger.openStream(0).credits).to.equal(2);
    expect(ledger.openStream(1).credits).to.equal(0);
  });

  it('opening a stream that is open throws FlowControlError; once closed it may be opened again', () => {
    const ledger = new CreditLedger(new FakeHost());
    const s = ledger.openStream(3);
    expect(() => ledger.openStream(3)).to.throw(FlowControlError).with.property('code', 'FLOW_CONTROL');
    s.close();
    expect(ledger.openStreams).to.equal(0);
    expect(ledger.openStream(3).credits).to.equal(0);
  });

  for (const stream of [-1, 1.5, MAX_STREAM_ID + 1, Number.NaN]) {
    it(`refuses stream id ${stream} with FlowControlError`, () => {
      expect(() => new CreditLedger(new FakeHost()).openStream(stream)).to.throw(FlowControlError);
    });
  }

  it('take() takes one credit per message; without one it refuses and reports no-credit', () => {
    const host = new FakeHost();
    const ledger = new CreditLedger(host);
    ledger.granted(1, 2);
    const s = ledger.openStream(1);
    expect(s.take()).to.equal(true);
    expect(s.send('a')).to.equal(true);
    expect(s.credits).to.equal(0);
    expect(host.sent).to.deep.equal(['a']);
    expect(s.send('b')).to.equal(false);
    expect(s.take()).to.equal(false);
    expect(host.sent).to.deep.equal(['a']);
    expect(host.noCredits).to.equal(2);
  });

  it('a closed stream sends nothing and reports nothing', () => {
    const host = new FakeHost();
    const ledger = new CreditLedger(host);
    ledger.granted(1, 5);
    const s = ledger.openStream(1);
    s.close();
    expect(s.send('a')).to.equal(false);
    expect(host.sent).to.deep.equal([]);
    expect(host.noCredits).to.equal(0);
  });

  it('ready() waits for a grant, then for room, and resolves true', async () => {
    const host = new FakeHost();
    const ledger = new CreditLedger(host);
    const s = ledger.openStream(1);
    const ready = track(s.ready());
    host.writable = false;
    ledger.granted(1, 1);
    await settle();
    // A credit but no room: it waits for the queue's relief, which it asked to be told of.
    expect(ready.value).to.equal('pending');
    expect(host.awaited).to.be.greaterThan(0);
    host.writable = true;
    ledger.relieved();
    await settle();
    expect(ready.value).to.equal(true);
  });

  it('ready() resolves at once with a credit and room, and false once closed or unable to send', async () => {
    const host = new FakeHost();
    const ledger = new CreditLedger(host);
    ledger.granted(1, 1);
    const s = ledger.openStream(1);
    expect(await s.ready()).to.equal(true);
    host.canSend = false;
    expect(await s.ready()).to.equal(false);
    host.canSend = true;
    s.close();
    expect(await s.ready()).to.equal(false);
  });

  it('closeAll() resolves every waiter false, closes every stream and forgets every grant', async () => {
    const host = new FakeHost();
    const ledger = new CreditLedger(host);
    const a = track(ledger.openStream(1).ready());
    const b = track(ledger.openStream(2).ready());
    ledger.granted(3, 9);
    ledger.closeAll();
    await settle();
    expect([a.value, b.value]).to.deep.equal([false, false]);
    expect(ledger.openStreams).to.equal(0);
    expect(ledger.earlyGrants).to.equal(0);
    expect(ledger.openStream(3).credits).to.equal(0);
  });
});
