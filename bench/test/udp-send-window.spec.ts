import { expect } from 'chai';
import { portOf, withPort } from '../src/adapters/fault-proxied';
import { UdpSendWindow, ackDue, lastAck } from '../src/adapters/udp-send-window';

/** Everything `window` lets out now, in order. */
function drain(window: UdpSendWindow): number[] {
  const out: number[] = [];
  for (let n = window.next(), i = 0; n !== undefined && i < 10_000; n = window.next(), i++) out.push(n);
  return out;
}

describe('bench: raw UDP one-way flow control', () => {
  it('sends at most `window` beyond the last acknowledgement, then what each acknowledgement opens', () => {
    const w = new UdpSendWindow({ total: 10, window: 4, ackEvery: 2 });
    expect(drain(w)).to.deep.equal([0, 1, 2, 3]);
    w.onAck(2);
    expect(drain(w)).to.deep.equal([4, 5]);
    w.onAck(1); // late and out of order: changes nothing
    expect(drain(w)).to.deep.equal([]);
    w.onAck(6);
    expect(drain(w)).to.deep.equal([6, 7, 8, 9]);
    expect(w.sentCount).to.equal(10);
  });

  it('is done once everything was sent and the last acknowledgement the receiver sends arrived', () => {
    const w = new UdpSendWindow({ total: 9, window: 4, ackEvery: 2 });
    expect(lastAck({ total: 9, window: 4, ackEvery: 2 })).to.equal(8);
    drain(w);
    w.onAck(4);
    drain(w);
    expect(w.done).to.equal(false);
    w.onAck(8);
    expect(drain(w)).to.deep.equal([8]);
    expect(w.done).to.equal(true);
  });

  it('is done after sending when the receiver acknowledges nothing (fewer than ackEvery messages)', () => {
    const w = new UdpSendWindow({ total: 3, window: 8, ackEvery: 4 });
    expect(drain(w)).to.deep.equal([0, 1, 2]);
    expect(w.done).to.equal(true);
  });

  it('never counts more acknowledged than sent', () => {
    const w = new UdpSendWindow({ total: 10, window: 4, ackEvery: 2 });
    drain(w);
    w.onAck(100);
    expect(w.ackedCount).to.equal(4);
  });

  it('refuses an acknowledgement interval the window cannot reach', () => {
    expect(() => new UdpSendWindow({ total: 10, window: 4, ackEvery: 5 })).to.throw(RangeError);
    expect(() => new UdpSendWindow({ total: 10, window: 4, ackEvery: 0 })).to.throw(RangeError);
  });

  it('the receiver acknowledges every ackEvery-th message with its count', () => {
    expect([1, 2, 3, 4, 5, 6].map((r) => ackDue(r, 3))).to.deep.equal([undefined, undefined, 3, undefined, undefined, 6]);
    expect(ackDue(0, 3)).to.equal(undefined);
  });
});

describe('bench: fault proxy addresses', () => {
  it('swaps the port of a soe:// address, keeping host and path', () => {
    expect(withPort('soe://127.0.0.1:4000', 5000)).to.equal('soe://127.0.0.1:5000');
    expect(withPort('soe://127.0.0.1:4000/rxmsg', 5000)).to.equal('soe://127.0.0.1:5000/rxmsg');
    expect(portOf('soe://127.0.0.1:4000/rxmsg')).to.equal(4000);
  });

  it('refuses an address without a port', () => {
    expect(() => portOf('soe://127.0.0.1')).to.throw(/no port/);
    expect(() => withPort('soe://127.0.0.1/x', 1)).to.throw(/no port/);
  });
});
