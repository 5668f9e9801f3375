import { expect } from 'chai';
import type { Framer } from '@rxmsg/core';
import { drain, hex, seen, type Seen } from './bytes';

/** One `push` and what draining `next()` must give right after it. */
export interface FramerStep {
  /** Hex bytes pushed. */
  readonly push: string;
  /** Results of draining `next()` after the push. */
  readonly yields: readonly Seen[];
  /** `bufferedBytes` after draining, when the case is about buffering. */
  readonly buffered?: number;
}

/** One table row: pushes in order, then what `end()` returns. */
export interface FramerCase {
  readonly name: string;
  readonly steps: readonly FramerStep[];
  /** What `end()` returns after the last step. */
  readonly end?: Seen;
}

/** One `it` per case: a fresh framer from `make`, each step's results and buffering, then `end()`. */
export function runFramerTable(cases: readonly FramerCase[], make: () => Framer): void {
  for (const c of cases) {
    it(c.name, () => {
      const framer = make();
      c.steps.forEach((step, i) => {
        framer.push(hex(step.push));
        expect(drain(framer), `results after push #${i + 1}`).to.deep.equal(step.yields);
        if (step.buffered !== undefined) expect(framer.bufferedBytes, `bufferedBytes after push #${i + 1}`).to.equal(step.buffered);
      });
      const end = framer.end();
      expect(end === undefined ? undefined : seen(end)).to.deep.equal(c.end);
      expect(framer.bufferedBytes).to.equal(0);
    });
  }
}
