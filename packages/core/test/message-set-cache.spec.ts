import { expect } from 'chai';
import fc from 'fast-check';
import { z } from 'zod';
import { MessageSet } from '@rxmsg/core';

// MessageSet remembers the last message name
// found. Any sequence of tags (names of the set, inherited member names, near misses, non-strings)
// must give, message by message, what a set without that memory (a fresh one per message) gives.

const schemas = {
  Ping: z.object({ n: z.number() }),
  Pin: z.object({ s: z.string() }),
  constructor: z.object({ n: z.number() }),
  toString: z.object({}),
};

function outcome(r: unknown): unknown {
  return r instanceof Error ? { error: r.constructor.name, code: (r as { code?: string }).code } : r;
}

describe('MessageSet last-name cache (property)', () => {
  it('parse and parseTag give what a fresh set gives, for any sequence of tags', () => {
    const cached = new MessageSet('kind', schemas);
    const tag = fc.constantFrom<unknown>('Ping', 'Pin', 'Pingg', 'ping', 'constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '', undefined, 1, null, 'Ping\u0000');
    const body = fc.constantFrom<Record<string, unknown>>({ n: 1 }, { s: 'x' }, {}, { n: 'no' });
    fc.assert(
      fc.property(fc.array(fc.tuple(tag, body, fc.boolean()), { maxLength: 30 }), (seq) => {
        for (const [kind, rest, full] of seq) {
          // A decoded tag is a new string each time: build it so.
          const k = typeof kind === 'string' ? [...kind].join('') : kind;
          const value = { ...rest, kind: k };
          const fresh = new MessageSet('kind', schemas);
          const got = full ? cached.parse(value) : cached.parseTag(value);
          const want = full ? fresh.parse(value) : fresh.parseTag(value);
          expect(outcome(got)).to.deep.equal(outcome(want));
        }
      }),
      { numRuns: 300 },
    );
  });
});
