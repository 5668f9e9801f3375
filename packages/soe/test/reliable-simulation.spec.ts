import { expect } from 'chai';
import fc from 'fast-check';
import { ReliableChannel } from '../src/reliable-channel';
import type { ReliableChannelOptions } from '../src/reliable-options';
import { prng, simulate, type LinkFaults } from './support/virtual-network';

const link = (maxDataBytes: number): fc.Arbitrary<LinkFaults> =>
  fc.record({
    loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
    duplicate: fc.double({ min: 0, max: 0.1, noNaN: true }),
    reorder: fc.double({ min: 0, max: 0.2, noNaN: true }),
    corrupt: fc.double({ min: 0, max: 0.05, noNaN: true }),
    delayMs: fc.integer({ min: 0, max: 50 }),
    jitterMs: fc.integer({ min: 0, max: 30 }),
    maxDataBytes: fc.constant(maxDataBytes),
  });

/** Payloads numbered in their first 4 bytes, of random sizes up to `maxBytes`. */
function payloads(count: number, maxBytes: number, seed: number): Uint8Array[] {
  const random = prng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const p = new Uint8Array(4 + Math.floor(random() * maxBytes));
    new DataView(p.buffer).setUint32(0, i);
    for (let j = 4; j < p.length; j++) p[j] = (i + j) & 0xff;
    out.push(p);
  }
  return out;
}

function expectPrefix(delivered: readonly Uint8Array[], sent: readonly Uint8Array[], whole: boolean): void {
  if (whole) expect(delivered.length).to.equal(sent.length);
  expect(delivered.length).to.be.at.most(sent.length);
  for (let i = 0; i < delivered.length; i++) expect(delivered[i]).to.deep.equal(sent[i], `payload ${i}`);
}

describe('ReliableChannel over a seeded lossy network', function () {
  it('never asks to be polled at once for ever: the unacknowledged deadline is checked as it is computed (floating point)', () => {
    // A case fast-check found: at now = waitingSince + 30000, `now - waitingSince` was just under 30000.
    const options: ReliableChannelOptions = {
      maxDataBytes: 153,
      sendWindowPackets: 1,
      receiveWindowPackets: 1,
      ackEveryPackets: 2,
      sendQueuePayloads: 32,
      initialSendSequence: 65400,
      initialReceiveSequence: 65400,
    };
    const a = new ReliableChannel(options);
    const b = new ReliableChannel(options);
    const links: [LinkFaults, LinkFaults] = [
      { loss: 0, duplicate: 0, reorder: 0, corrupt: 0, delayMs: 23, jitterMs: 13, maxDataBytes: 153 },
      { loss: 0.25638023903593427, duplicate: 0, reorder: 0, corrupt: 0, delayMs: 0, jitterMs: 25, maxDataBytes: 153 },
    ];
    const seed = 2147483634;
    const outbox: [Uint8Array[], Uint8Array[]] = [payloads(19, 1927, seed), payloads(1, 1927, seed + 1)];
    const result = simulate([a, b], links, outbox, seed, 200_000);
    expect(result.finished, `unfinished after ${result.steps} steps at ${result.now} ms`).to.equal(true);
    const ended = a.ended ?? b.ended;
    if (ended !== undefined) expect(ended.reason).to.equal('unacknowledged-timeout');
    expectPrefix(result.delivered[1], outbox[0], ended === undefined);
  });

  it('delivers every payload exactly once and in order, or ends with the documented reason', function () {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 600 }).chain((maxDataBytes) =>
          fc.record({
            maxDataBytes: fc.constant(maxDataBytes),
            links: fc.tuple(link(maxDataBytes), link(maxDataBytes)),
            seed: fc.integer({ min: 0, max: 0x7fffffff }),
            counts: fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 })),
            maxPayload: fc.integer({ min: 0, max: 2000 }),
            start: fc.oneof(fc.constant(0), fc.integer({ min: 65400, max: 65535 }), fc.integer({ min: 0, max: 65535 })),
            window: fc.integer({ min: 1, max: 80 }),
            // The receiver's window at least the sender's, as both ends' defaults are: with a smaller one every
            // reordered packet beyond it is dropped, and progress rests on timeouts alone (correct, but too slow
            // for the step budget under jitter).
            receiveExtra: fc.integer({ min: 0, max: 40 }),
            ackEveryPackets: fc.integer({ min: 1, max: 8 }),
          }),
        ),
        (p) => {
          const options = (start: number): ReliableChannelOptions => ({
            maxDataBytes: p.maxDataBytes,
            sendWindowPackets: p.window,
            receiveWindowPackets: p.window + p.receiveExtra,
            ackEveryPackets: p.ackEveryPackets,
            sendQueuePayloads: 32,
            initialSendSequence: start,
            initialReceiveSequence: start,
          });
          const a = new ReliableChannel(options(p.start));
          const b = new ReliableChannel(options(p.start));
          const outbox: [Uint8Array[], Uint8Array[]] = [
            payloads(p.counts[0], p.maxPayload, p.seed),
            payloads(p.counts[1], p.maxPayload, p.seed + 1),
          ];
          const result = simulate([a, b], p.links, outbox, p.seed, 200_000);
          expect(result.finished, `unfinished after ${result.steps} steps at ${result.now} ms`).to.equal(true);
          const ended = a.ended ?? b.ended;
          if (ended !== undefined) expect(ended.reason).to.equal('unacknowledged-timeout');
          expectPrefix(result.delivered[1], outbox[0], ended === undefined);
          expectPrefix(result.delivered[0], outbox[1], ended === undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('carries more than 65536 packets across the sequence wrap, with loss', function () {
    const options: ReliableChannelOptions = { maxDataBytes: 64, sendWindowPackets: 128, receiveWindowPackets: 128, initialSendSequence: 65000, initialReceiveSequence: 65000 };
    const a = new ReliableChannel(options);
    const b = new ReliableChannel(options);
    const sent = payloads(70_000, 40, 7);
    const faults: LinkFaults = { loss: 0.02, duplicate: 0.01, reorder: 0.02, corrupt: 0, delayMs: 5, jitterMs: 5, maxDataBytes: 64 };
    const result = simulate([a, b], [faults, faults], [sent, []], 42, 2_000_000);
    expect(a.ended).to.equal(undefined);
    expect(result.finished).to.equal(true);
    expect(a.stats().sent).to.be.above(65_536);
    expectPrefix(result.delivered[1], sent, true);
  });

  it('ends with unacknowledged-timeout when the peer goes silent, after delivering a prefix', function () {
    const a = new ReliableChannel({ maxDataBytes: 100, unacknowledgedTimeoutMs: 5000 });
    const b = new ReliableChannel({ maxDataBytes: 100 });
    const sent = payloads(50, 300, 3);
    const cut: LinkFaults = { loss: 1, duplicate: 0, reorder: 0, corrupt: 0, delayMs: 10, jitterMs: 0, maxDataBytes: 100 };
    const result = simulate([a, b], [cut, cut], [sent, []], 1, 100_000);
    expect(result.finished).to.equal(true);
    expect(a.ended?.reason).to.equal('unacknowledged-timeout');
    expect(a.ended?.error.code).to.equal('TIMEOUT');
    expect(result.delivered[1]).to.have.length(0);
  });
});
