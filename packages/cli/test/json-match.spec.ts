import { expect } from 'chai';
import fc from 'fast-check';
import { jsonMatches } from '../src/json-match';
import { jsonLine, parseJson } from '../src/json-line';

describe('jsonMatches (--expect)', () => {
  const cases: [unknown, unknown, boolean][] = [
    [{ kind: 'World', greeting: 'hi' }, { kind: 'World' }, true],
    [{ kind: 'World' }, { kind: 'World', greeting: 'hi' }, false],
    [{ a: { b: 1, c: 2 } }, { a: { b: 1 } }, true],
    [{ a: [1, 2] }, { a: [1] }, false],
    [{ a: [1, { b: 2, c: 3 }] }, { a: [1, { b: 2 }] }, true],
    [{ a: null }, { a: null }, true],
    [{}, { a: null }, false],
    [[1], { 0: 1 }, false],
    ['x', 'x', true],
    [1, 1.0, true],
  ];
  for (const [actual, expected, result] of cases) {
    it(`${JSON.stringify(actual)} ${result ? 'matches' : 'does not match'} ${JSON.stringify(expected)}`, () => {
      expect(jsonMatches(actual, expected)).to.equal(result);
    });
  }

  it('every JSON value matches itself and each of its object subsets (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const v: unknown = JSON.parse(JSON.stringify(value));
        expect(jsonMatches(v, v)).to.equal(true);
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          const [first] = Object.entries(v);
          if (first !== undefined) expect(jsonMatches(v, { [first[0]]: first[1] })).to.equal(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parseJson never throws on arbitrary input (property)', () => {
    fc.assert(fc.property(fc.string(), (text) => void parseJson(text)), { numRuns: 300 });
  });

  it('jsonLine prints bytes as base64 and big integers as strings', () => {
    expect(jsonLine({ b: new Uint8Array([1, 2, 255]), n: 2n ** 70n })).to.equal('{"b":{"$bytes":"AQL/"},"n":"1180591620717411303424"}');
  });
});
