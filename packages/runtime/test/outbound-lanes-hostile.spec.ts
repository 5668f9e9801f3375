import { expect } from 'chai';
import fc from 'fast-check';
import { textCodec, type LaneConfig, type SendQueuePolicy } from '@rxmsg/core';
import { FakeConnection } from '@rxmsg/test-utils';
import { LANE_STARVATION_LIMIT, type LaneSource } from '../src/outbound-lanes';
import { OutboundPolicy, type OutboundConfig, type OutboundHost } from '../src/outbound-policy';

const SOURCE: LaneSource = Object.freeze({
  tag: 'kind',
  lanes: Object.assign(Object.create(null) as Record<string, string>, { A: 'a', B: 'b', C: 'c' }),
});
const KINDS = ['Reply', 'A', 'B', 'C'] as const;
const LANE_OF = { Reply: 'default', A: 'a', B: 'b', C: 'c' } as const;
const POLICIES: SendQueuePolicy[] = ['backpressure', 'drop-oldest', 'drop-newest', 'disconnect'];

describe('OutboundLanes against a peer that reads when it likes', () => {
  it('per lane, sent + dropped + queued equals the messages it accepted or dropped, and bytes match the meter (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(...[0, 1, 2].map(() => fc.record({ policy: fc.constantFrom(...POLICIES), limit: fc.integer({ min: 1, max: 5 }), bytes: fc.integer({ min: 10, max: 200 }), priority: fc.integer({ min: -1, max: 1 }) }))),
        fc.array(fc.oneof(fc.record({ kind: fc.constantFrom(...KINDS), size: fc.integer({ min: 0, max: 120 }) }), fc.constant('drain' as const), fc.constant('block' as const), fc.constant('tick' as const)), { maxLength: 200 }),
        (configs, ops) => {
          let writable = false;
          let metered = 0;
          let closed = false;
          const host: OutboundHost = {
            holdInput: () => {},
            relieved: () => {},
            queueFull: () => {
              closed = true;
            },
            droppedOut: () => {},
          };
          const lanes: Record<string, LaneConfig> = { a: configs[0]!, b: configs[1]!, c: configs[2]! };
          const config: OutboundConfig = { maxFrameBytes: 1024, sendQueueLimit: 4, sendQueueBytes: 300, onSendQueueFull: 'drop-oldest', lanes };
          const connection = new FakeConnection(() => writable);
          const pending: (() => void)[] = [];
          const policy = new OutboundPolicy(host, connection, config, true, (w) => pending.push(w), { add: (d) => (metered += d) });
          const tick = (): void => {
            for (let round = 0; round < 100 && pending.length > 0; round++) for (const w of pending.splice(0)) w();
          };
          const counted: Record<string, number> = { default: 0, a: 0, b: 0, c: 0 };
          let n = 0;
          for (const op of ops) {
            if (closed) break;
            if (op === 'drain') {
              writable = true;
              policy.queue.drained();
            } else if (op === 'block') writable = false;
            else if (op === 'tick') tick();
            else {
              const lane = LANE_OF[op.kind];
              const before = policy.laneStats().lanes![lane]!;
              const ok = policy.send(textCodec, { kind: op.kind, n: n++, pad: 'x'.repeat(op.size) }, SOURCE);
              const after = policy.laneStats().lanes![lane]!;
              // Queued, or dropped by the lane's policy (drop-newest): either way the lane counts it.
              if (ok || after.dropped > before.dropped) counted[lane]!++;
            }
          }
          const stats = policy.laneStats().lanes!;
          let bytes = 0;
          for (const [name, s] of Object.entries(stats)) {
            expect(s.sent + s.dropped + s.queued, `lane ${name}`).to.equal(counted[name]);
            bytes += s.bytes;
          }
          expect(policy.bytes).to.equal(metered);
          expect(bytes).to.be.at.most(policy.bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('under a flood of the default lane, two lower lanes each wait at most LANE_STARVATION_LIMIT + 1 turns (one more per lane starving at once)', () => {
    const host: OutboundHost = { holdInput: () => {}, relieved: () => {}, queueFull: () => {}, droppedOut: () => {} };
    let writable = false;
    const connection = new FakeConnection(() => writable);
    const pending: (() => void)[] = [];
    const lanes: Record<string, LaneConfig> = { a: { policy: 'backpressure', limit: 1000, priority: 1 }, b: { policy: 'backpressure', limit: 1000, priority: 2 } };
    const config: OutboundConfig = { maxFrameBytes: 1024, sendQueueLimit: 1000, sendQueueBytes: 1 << 20, onSendQueueFull: 'backpressure', lanes };
    const policy = new OutboundPolicy(host, connection, config, true, (w) => pending.push(w), undefined);
    for (let n = 0; n < 200; n++) for (const kind of ['Reply', 'A', 'B']) policy.send(textCodec, { kind, n }, SOURCE);
    writable = true;
    for (let round = 0; round < 100 && pending.length > 0; round++) for (const w of pending.splice(0)) w();
    const order = connection
      .text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { kind: string }).kind)
      .slice(0, 300);
    const longestWait = (kind: string): number => {
      let run = 0;
      let most = 0;
      for (const k of order) {
        run = k === kind ? 0 : run + 1;
        most = Math.max(most, run);
      }
      return most;
    };
    expect(longestWait('A')).to.be.at.most(LANE_STARVATION_LIMIT + 1);
    expect(longestWait('B')).to.be.at.most(LANE_STARVATION_LIMIT + 1);
    expect(Math.max(longestWait('A'), longestWait('B'))).to.be.greaterThan(LANE_STARVATION_LIMIT);
  });
});
