import { expect } from 'chai';
import { ConfigError } from '@rxmsg/core';
import type { ChannelPacket } from '../src/channel-packet';
import { ReliableChannel } from '../src/reliable-channel';
import { RtoEstimator } from '../src/reliable-rto';
import { sequenceAdd, sequenceDiff } from '../src/reliable-sequence';

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);
const data = (sequence: number, payload = bytes(1)): ChannelPacket => ({ kind: 'data', sequence, payload });
const kinds = (packets: readonly ChannelPacket[]): string[] => packets.map((p) => `${p.kind}:${p.sequence}`);

describe('reliable sequences', function () {
  it('compare and add across the 16-bit wrap', function () {
    expect(sequenceDiff(0, 65535)).to.equal(1);
    expect(sequenceDiff(65535, 0)).to.equal(-1);
    expect(sequenceDiff(10, 65530)).to.equal(16);
    expect(sequenceDiff(32767, 0)).to.equal(32767);
    expect(sequenceDiff(32768, 0)).to.equal(-32768);
    expect(sequenceAdd(65535, 1)).to.equal(0);
    expect(sequenceAdd(0, -1)).to.equal(65535);
  });
});

describe('RtoEstimator (RFC 6298)', function () {
  const params = { initialRtoMs: 1000, minRtoMs: 100, maxRtoMs: 8000, clockGranularityMs: 1 };

  it('gives exact values for a scripted sequence of samples and backoffs', function () {
    const rto = new RtoEstimator(params);
    expect(rto.rto).to.equal(1000);
    expect(rto.srtt).to.equal(undefined);
    rto.sample(200);
    expect([rto.srtt, rto.rttvar, rto.rto]).to.deep.equal([200, 100, 600]);
    rto.sample(300);
    expect([rto.srtt, rto.rttvar, rto.rto]).to.deep.equal([212.5, 100, 612.5]);
    const backed: number[] = [];
    for (let i = 0; i < 5; i++) {
      rto.backoff();
      backed.push(rto.rto);
    }
    expect(backed).to.deep.equal([1225, 2450, 4900, 8000, 8000]);
    rto.sample(100);
    expect([rto.srtt, rto.rttvar, rto.rto]).to.deep.equal([198.4375, 103.125, 610.9375]);
  });

  it('clamps to the minimum and uses the clock granularity when RTTVAR vanishes', function () {
    const rto = new RtoEstimator({ ...params, minRtoMs: 1 });
    for (let i = 0; i < 200; i++) rto.sample(10);
    expect(rto.rto).to.be.closeTo(11, 1e-6);
    const clamped = new RtoEstimator(params);
    clamped.sample(1);
    expect(clamped.rto).to.equal(100);
  });
});

describe('ReliableChannel', function () {
  it('refuses out-of-range options with a ConfigError', function () {
    expect(() => new ReliableChannel({ maxDataBytes: 4 })).to.throw(ConfigError);
    expect(() => new ReliableChannel({ maxDataBytes: 100, sendWindowPackets: 40000 })).to.throw(ConfigError);
    expect(() => new ReliableChannel({ maxDataBytes: 100, initialSendSequence: 65536 })).to.throw(ConfigError);
  });

  describe('fragmentation', function () {
    it('sends a payload of exactly maxDataBytes as one data packet, one byte more as two fragments', function () {
      const ch = new ReliableChannel({ maxDataBytes: 10 });
      ch.send(bytes(10));
      ch.send(bytes(11));
      const out = ch.poll(0);
      expect(out.map((p) => p.kind)).to.deep.equal(['data', 'fragment', 'fragment']);
      const [, first, second] = out as [ChannelPacket, Extract<ChannelPacket, { kind: 'fragment' }>, Extract<ChannelPacket, { kind: 'fragment' }>];
      expect(first.totalLength).to.equal(11);
      expect(first.payload.length).to.equal(6);
      expect(second.totalLength).to.equal(undefined);
      expect(second.payload.length).to.equal(5);
    });

    it('reassembles fragments, delivered even when they arrive in reverse', function () {
      const tx = new ReliableChannel({ maxDataBytes: 10 });
      const rx = new ReliableChannel({ maxDataBytes: 10 });
      const payload = Uint8Array.from({ length: 46 }, (_, i) => i);
      tx.send(payload);
      const packets = tx.poll(0);
      expect(packets).to.have.length(5);
      const delivered = packets.reverse().flatMap((p) => rx.receive(p, 1));
      expect(delivered).to.have.length(1);
      expect(delivered[0]).to.deep.equal(payload);
      expect(rx.stats().outOfOrder).to.equal(4);
    });

    it('refuses a declared length over maxPayloadBytes without allocating it', function () {
      const rx = new ReliableChannel({ maxDataBytes: 10, maxPayloadBytes: 1000 });
      rx.receive({ kind: 'fragment', sequence: 0, totalLength: 0xffff_ffff, payload: bytes(6) }, 0);
      expect(rx.ended?.reason).to.equal('payload-too-large');
      expect(rx.ended?.error.code).to.equal('FRAME_TOO_LARGE');
      expect(rx.poll(1)).to.deep.equal([]);
      expect(rx.nextDeadline()).to.equal(undefined);
    });

    it('ends on fragments that do not add up', function () {
      const rx = new ReliableChannel({ maxDataBytes: 10 });
      rx.receive({ kind: 'fragment', sequence: 0, payload: bytes(6) }, 0);
      expect(rx.ended?.reason).to.equal('malformed-fragment');
      const over = new ReliableChannel({ maxDataBytes: 10 });
      over.receive({ kind: 'fragment', sequence: 0, totalLength: 8, payload: bytes(6) }, 0);
      over.receive({ kind: 'fragment', sequence: 1, payload: bytes(6) }, 0);
      expect(over.ended?.reason).to.equal('malformed-fragment');
      expect(over.ended?.error.code).to.equal('TRANSPORT_FAILED');
    });
  });

  describe('receiving', function () {
    it('drops duplicates and stale packets and acknowledges them at once', function () {
      const rx = new ReliableChannel({ maxDataBytes: 10, ackEveryPackets: 100, ackDelayMs: 50 });
      expect(rx.receive(data(0), 0)).to.have.length(1);
      expect(rx.receive(data(0), 1)).to.have.length(0);
      expect(rx.stats().duplicates).to.equal(1);
      expect(rx.nextDeadline()).to.equal(1);
      expect(kinds(rx.poll(1))).to.deep.equal(['ack:0']);
      rx.receive(data(2), 2);
      rx.receive(data(2), 2);
      expect(rx.stats().duplicates).to.equal(2);
      expect(rx.stats().delivered).to.equal(1);
    });

    it('stashes packets ahead of a gap, tells the sender, and delivers in order once the gap fills', function () {
      const rx = new ReliableChannel({ maxDataBytes: 10, ackEveryPackets: 1 });
      rx.receive(data(2, bytes(1, 2)), 0);
      rx.receive(data(1, bytes(1, 1)), 0);
      expect(kinds(rx.poll(0))).to.deep.equal(['out-of-order:2']);
      const delivered = rx.receive(data(0, bytes(1, 0)), 1);
      expect(delivered.map((p) => p[0])).to.deep.equal([0, 1, 2]);
      expect(kinds(rx.poll(1))).to.deep.equal(['ack:2']);
    });

    it('keeps memory bounded under a flood of far-ahead sequences', function () {
      const rx = new ReliableChannel({ maxDataBytes: 10, receiveWindowPackets: 16 });
      for (let i = 0; i < 100_000; i++) rx.receive(data((i * 7919) % 65536, bytes(10)), i);
      const s = rx.stats();
      expect(s.stashed).to.be.at.most(15);
      expect(s.droppedBeyondWindow).to.be.above(40_000);
      expect(rx.ended).to.equal(undefined);
    });

    it('delays acks: after ackDelayMs, or at once after ackEveryPackets in-order packets', function () {
      const rx = new ReliableChannel({ maxDataBytes: 10, ackEveryPackets: 3, ackDelayMs: 20 });
      rx.receive(data(0), 100);
      expect(rx.nextDeadline()).to.equal(120);
      expect(rx.poll(110)).to.deep.equal([]);
      expect(kinds(rx.poll(120))).to.deep.equal(['ack:0']);
      rx.receive(data(1), 130);
      rx.receive(data(2), 131);
      expect(rx.nextDeadline()).to.equal(150);
      rx.receive(data(3), 132);
      expect(rx.nextDeadline()).to.equal(132);
      expect(kinds(rx.poll(132))).to.deep.equal(['ack:3']);
      expect(rx.nextDeadline()).to.equal(undefined);
    });
  });

  describe('sending', function () {
    it('bounds the in-flight window and the send queue, reporting backpressure', function () {
      const tx = new ReliableChannel({ maxDataBytes: 10, sendWindowPackets: 2, sendQueuePayloads: 3 });
      const accepted = Array.from({ length: 6 }, () => tx.send(bytes(1)));
      expect(accepted).to.deep.equal([true, true, true, true, true, false]);
      expect(tx.writable).to.equal(false);
      expect(kinds(tx.poll(0))).to.deep.equal(['data:0', 'data:1']);
      tx.receive({ kind: 'ack', sequence: 0 }, 10);
      expect(tx.writable).to.equal(true);
      expect(kinds(tx.poll(10))).to.deep.equal(['data:2']);
    });

    it('retransmits from the first unacknowledged sequence with exponential backoff up to the cap', function () {
      const tx = new ReliableChannel({ maxDataBytes: 10, initialRtoMs: 1000, maxRtoMs: 3000, maxRetransmissions: 100, unacknowledgedTimeoutMs: 1e9 });
      tx.send(bytes(1));
      tx.send(bytes(1));
      tx.poll(0);
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const at = tx.nextDeadline() as number;
        times.push(at);
        expect(kinds(tx.poll(at))).to.deep.equal(['data:0', 'data:1']);
      }
      expect(times).to.deep.equal([1000, 3000, 6000, 9000]);
      expect(tx.stats().timeouts).to.equal(4);
    });

    it("applies Karn's rule: no RTT sample from a retransmitted packet", function () {
      const tx = new ReliableChannel({ maxDataBytes: 10, initialRtoMs: 1000 });
      tx.send(bytes(1));
      tx.poll(0);
      tx.poll(1000);
      tx.receive({ kind: 'ack', sequence: 0 }, 1100);
      expect(tx.stats().srttMs).to.equal(undefined);
      expect(tx.stats().rtoMs).to.equal(2000);
      tx.send(bytes(1));
      tx.poll(1100);
      tx.receive({ kind: 'ack', sequence: 1 }, 1150);
      expect(tx.stats().srttMs).to.equal(50);
      expect(tx.stats().rtoMs).to.equal(150); // 50 + 4 × 25
    });

    it('fast-resends a packet once a packet sent three transmissions after it is reported arrived, and never resends what was reported arrived', function () {
      const tx = new ReliableChannel({ maxDataBytes: 10, initialRtoMs: 1000 });
      tx.send(bytes(1));
      tx.poll(0);
      tx.receive({ kind: 'ack', sequence: 0 }, 40);
      for (let i = 0; i < 8; i++) tx.send(bytes(1));
      expect(kinds(tx.poll(40))).to.deep.equal(['data:1', 'data:2', 'data:3', 'data:4', 'data:5', 'data:6', 'data:7', 'data:8']);
      // 5 arrived ahead of a gap: 1 and 2 were sent three or more transmissions before it.
      tx.receive({ kind: 'out-of-order', sequence: 5 }, 50);
      expect(kinds(tx.poll(50))).to.deep.equal(['data:1', 'data:2']);
      // The same report again: 1 and 2 were resent after 5, so they wait for a later report.
      tx.receive({ kind: 'out-of-order', sequence: 5 }, 51);
      expect(tx.poll(51)).to.deep.equal([]);
      tx.receive({ kind: 'out-of-order', sequence: 6 }, 52);
      expect(kinds(tx.poll(52))).to.deep.equal(['data:3']);
      tx.receive({ kind: 'out-of-order', sequence: 7 }, 53);
      expect(kinds(tx.poll(53))).to.deep.equal(['data:4']);
      expect(tx.stats().fastResends).to.equal(4);
      // No ack: first the tail-loss probe resends the last packet not reported arrived...
      expect(kinds(tx.poll(tx.nextDeadline() as number))).to.deep.equal(['data:8']);
      expect(tx.stats().probes).to.equal(1);
      // ...then the timeout resends what is in flight, except what the receiver reported it holds.
      expect(kinds(tx.poll(tx.nextDeadline() as number))).to.deep.equal(['data:1', 'data:2', 'data:3', 'data:4', 'data:8']);
      expect(tx.stats().timeouts).to.equal(1);
    });

    it('probes a lone unacknowledged packet after two smoothed RTTs plus the ack delay, without backing off the timer', function () {
      const tx = new ReliableChannel({ maxDataBytes: 10 });
      tx.send(bytes(1));
      tx.poll(0);
      tx.receive({ kind: 'ack', sequence: 0 }, 4); // SRTT 4 ms, RTO at its 100 ms floor
      tx.send(bytes(1));
      expect(kinds(tx.poll(10))).to.deep.equal(['data:1']);
      // PTO = 2 × 4 + 10 (ack delay, one packet in flight) = 18 ms after sending.
      expect(tx.nextDeadline()).to.equal(28);
      expect(kinds(tx.poll(28))).to.deep.equal(['data:1']);
      expect(tx.stats()).to.include({ probes: 1, timeouts: 0, rtoMs: 100 });
      // One probe per flight: the next deadline is the timeout.
      expect(tx.nextDeadline()).to.equal(110);
    });

    it('sends a pending ack along with data sent before the ack delay ends', function () {
      const ch = new ReliableChannel({ maxDataBytes: 10 });
      ch.receive({ kind: 'data', sequence: 0, payload: bytes(1) }, 0);
      expect(ch.poll(1)).to.deep.equal([]); // one arrival: the ack waits for ackDelayMs
      ch.send(bytes(1));
      expect(kinds(ch.poll(2))).to.deep.equal(['ack:0', 'data:0']);
      expect(ch.stats().acksSent).to.equal(1);
    });

    it('takes an RTT measured outside (the handshake) as its first sample, and only before it has one', function () {
      const ch = new ReliableChannel({ maxDataBytes: 10 });
      ch.sampleRtt(2);
      expect(ch.stats()).to.include({ srttMs: 2, rtoMs: 100 });
      ch.sampleRtt(50);
      expect(ch.stats().srttMs).to.equal(2);
    });

    it('ends with unacknowledged-timeout after maxRetransmissions expiries', function () {
      const tx = new ReliableChannel({ maxDataBytes: 10, initialRtoMs: 100, maxRetransmissions: 2 });
      tx.send(bytes(1));
      tx.poll(0);
      const deadlines: number[] = [];
      while (tx.ended === undefined) {
        const at = tx.nextDeadline() as number;
        deadlines.push(at);
        tx.poll(at);
      }
      expect(deadlines).to.deep.equal([100, 300, 700]);
      expect(tx.ended).to.include({ reason: 'unacknowledged-timeout', at: 700 });
      expect(tx.ended?.error.code).to.equal('TIMEOUT');
      expect(tx.send(bytes(1))).to.equal(false);
    });

    it('ends with unacknowledged-timeout when data waits past unacknowledgedTimeoutMs', function () {
      const tx = new ReliableChannel({ maxDataBytes: 10, initialRtoMs: 1000, maxRtoMs: 1000, unacknowledgedTimeoutMs: 2500 });
      tx.send(bytes(1));
      tx.poll(0);
      tx.poll(1000);
      tx.poll(2000);
      expect(tx.nextDeadline()).to.equal(2500);
      expect(tx.poll(2500)).to.deep.equal([]);
      expect(tx.ended?.reason).to.equal('unacknowledged-timeout');
    });
  });
});
