import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_RING_BYTES, MIN_RING_BYTES, RING_HEADER_BYTES, SharedRing } from '../src/shared-ring';
import { ringProblem } from '../src/shared-ring';

/** One step of a writer and reader taking turns on a ring: push `n` bytes, or take at most `n`. */
type Step = { readonly op: 'push' | 'take'; readonly n: number };

describe('SharedRing', () => {
  it('carries any sequence of pushes and takes intact, from every start offset, across the wrap-around', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_RING_BYTES, max: 200 }).chain((capacity) =>
          fc.record({
            capacity: fc.constant(capacity),
            offset: fc.integer({ min: 0, max: capacity - 1 }),
            steps: fc.array(fc.record({ op: fc.constantFrom<'push' | 'take'>('push', 'take'), n: fc.integer({ min: 1, max: capacity * 2 }) }), { maxLength: 60 }),
          }),
        ),
        ({ capacity, offset, steps }: { capacity: number; offset: number; steps: readonly Step[] }) => {
          const ring = new SharedRing(SharedRing.allocate(capacity));
          // Move both positions to `offset`: the data then starts there.
          if (offset > 0) {
            expect(ring.push(new Uint8Array(offset))).to.equal(offset);
            expect(ring.take()?.length).to.equal(offset);
          }
          const sent: number[] = [];
          const received: number[] = [];
          let next = 0;
          for (const step of steps) {
            if (step.op === 'push') {
              const from = step.n % 3; // also push from inside a chunk
              const chunk = Uint8Array.from({ length: step.n + from }, (_, i) => (next + i - from) & 0xff);
              const free = capacity - ring.used;
              const n = ring.push(chunk, from);
              expect(n).to.equal(Math.min(free, step.n));
              for (let i = 0; i < n; i++) sent.push(chunk[from + i]!);
              next += n;
            } else {
              const had = ring.used;
              const out = ring.take(step.n);
              expect(out?.length ?? 0).to.equal(Math.min(had, step.n));
              if (out !== undefined) received.push(...out);
            }
            expect(ring.used).to.equal(sent.length - received.length);
          }
          const rest = ring.take();
          if (rest !== undefined) received.push(...rest);
          expect(received).to.deep.equal(sent);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pushes nothing when full and takes nothing when empty', () => {
    const ring = new SharedRing(SharedRing.allocate(MIN_RING_BYTES));
    expect(ring.take()).to.equal(undefined);
    expect(ring.push(new Uint8Array(MIN_RING_BYTES + 10).fill(7))).to.equal(MIN_RING_BYTES);
    expect(ring.push(new Uint8Array(1))).to.equal(0);
    expect(ring.take(5)).to.deep.equal(new Uint8Array(5).fill(7));
    expect(ring.push(new Uint8Array(9))).to.equal(5);
  });

  it('is seen by a second view of the same buffer, as another thread sees it', () => {
    const buffer = SharedRing.allocate(100);
    new SharedRing(buffer).push(Uint8Array.of(1, 2, 3));
    expect(new SharedRing(buffer).take()).to.deep.equal(Uint8Array.of(1, 2, 3));
  });

  it('refuses capacities out of range', () => {
    for (const bad of [MIN_RING_BYTES - 1, MAX_RING_BYTES + 1, 100.5, Number.NaN]) {
      expect(() => SharedRing.allocate(bad), String(bad)).to.throw(RangeError);
    }
  });

  it('names what is wrong with a buffer that is not a ring', () => {
    expect(ringProblem(new ArrayBuffer(512))).to.match(/SharedArrayBuffer/);
    expect(ringProblem(new SharedArrayBuffer(RING_HEADER_BYTES))).to.match(/too small/);
    expect(ringProblem(new SharedArrayBuffer(RING_HEADER_BYTES + 100))).to.match(/magic/);
    const buffer = SharedRing.allocate(100);
    expect(ringProblem(buffer)).to.equal(undefined);
    expect(() => new SharedRing(new SharedArrayBuffer(1024))).to.throw(TypeError);
  });
});
