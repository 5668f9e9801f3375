import { expect } from 'chai';
import fc from 'fast-check';
import type { ConnectionSnapshot, SessionStats } from '@rxmsg/runtime';
import { TRAFFIC_FIELDS, TrafficTotals } from '../src/traffic-totals';

const stats = (n: number): SessionStats => ({ messagesIn: n, messagesOut: 2 * n, bytesIn: 10 * n, bytesOut: 20 * n, messagesDropped: 0, rateLimited: n % 3, pauses: n % 5 });
const live = (id: number, listener: string, n: number): ConnectionSnapshot => ({
  ...stats(n),
  id,
  listener,
  remoteAddress: 'memory',
  listenerContext: undefined,
  protocol: 'p',
  since: 0,
  queued: 0,
  inputPaused: false,
  heldBytes: 0,
});

describe('TrafficTotals', () => {
  it('sums closed connections and live ones per listener label', () => {
    const t = new TrafficTotals();
    t.opened(1, 'a');
    t.opened(2, 'b');
    t.closed(1, stats(3), 'unknown');
    const sums = t.read([live(2, 'b', 4), live(3, 'a', 1)], (l) => l);
    expect(sums.get('a')?.messagesIn).to.equal(3 + 1);
    expect(sums.get('b')?.bytesOut).to.equal(80);
  });

  it('counts a connection never seen opening under the fallback label', () => {
    const t = new TrafficTotals();
    t.closed(9, stats(2), 'unknown');
    expect(t.read([], (l) => l).get('unknown')?.messagesIn).to.equal(2);
  });

  it('never reports a total lower than before, whatever the order of counters and closes (property)', () => {
    // Each connection's counters grow; it closes with its last counters (or more). Reads come at any point.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('grow' as const), id: fc.integer({ min: 0, max: 4 }), by: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('close' as const), id: fc.integer({ min: 0, max: 4 }), extra: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('read' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        const t = new TrafficTotals();
        const open = new Map<number, number>();
        let nextId = 100;
        const idOf = new Map<number, number>();
        const last: Record<string, number> = {};
        let closedSum = 0;
        for (const s of steps) {
          if (s.kind === 'grow') {
            if (!idOf.has(s.id)) {
              idOf.set(s.id, nextId);
              t.opened(nextId++, 'l');
            }
            const id = idOf.get(s.id)!;
            open.set(id, (open.get(id) ?? 0) + s.by);
          } else if (s.kind === 'close') {
            const id = idOf.get(s.id);
            if (id === undefined) continue;
            const n = (open.get(id) ?? 0) + s.extra;
            closedSum += n;
            open.delete(id);
            idOf.delete(s.id);
            t.closed(id, stats(n), 'unknown');
          } else {
            const sums = t.read([...open].map(([id, n]) => live(id, 'l', n)), (l) => l).get('l');
            const liveSum = [...open.values()].reduce((a, b) => a + b, 0);
            if (sums !== undefined) {
              expect(sums.messagesIn).to.equal(closedSum + liveSum);
              for (const f of TRAFFIC_FIELDS) {
                expect(sums[f]).to.be.at.least(last[f] ?? 0);
                last[f] = sums[f];
              }
            }
          }
        }
      }),
    );
  });
});
