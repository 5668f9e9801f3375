import { expect } from 'chai';
import fc from 'fast-check';
import { LabelGuard, OTHER_LABEL } from '@rxmsg/metrics';

describe('LabelGuard', () => {
  it('lets the first `limit` distinct values through and maps later new ones to `other`', () => {
    const guard = new LabelGuard(2);
    expect([guard.value('a'), guard.value('b'), guard.value('c'), guard.value('a'), guard.value('b')]).to.deep.equal(['a', 'b', OTHER_LABEL, 'a', 'b']);
  });

  it('never yields more than limit + 1 distinct values, and maps each input to one value for good (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.string({ maxLength: 3 }), { maxLength: 200 }), (limit, inputs) => {
        const guard = new LabelGuard(limit);
        const first = new Map<string, string>();
        const outputs = new Set<string>();
        for (const input of inputs) {
          const out = guard.value(input);
          outputs.add(out);
          if (!first.has(input)) first.set(input, out);
          expect(out).to.equal(first.get(input));
          expect(out === input || out === OTHER_LABEL).to.equal(true);
        }
        expect(outputs.size).to.be.at.most(limit + 1);
        // The values let through are the first `limit` distinct ones.
        const distinct = [...new Set(inputs)];
        for (const v of distinct.slice(0, limit)) expect(first.get(v)).to.equal(v);
      }),
    );
  });
});
