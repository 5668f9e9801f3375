import { expect } from 'chai';
import fc from 'fast-check';
import { LineFramer, type Framer } from '@rxmsg/core';
import { concatBytes } from '@rxmsg/core/internal';
import { seen, splitAt, type Seen } from './support/bytes';

/**
 * The text fast path of the line framer (`decodeText`: a chunk's complete lines decoded at once, lines
 * cut from that string) against the byte framer it replaces: for any input in any split, the same
 * frames (a string compared as its UTF-8 bytes), the same errors in the same places, the same bytes
 * held after every step, the same remainder wherever reading stops, the same end.
 */
const RUNS = { numRuns: 400 };
const encoder = new TextEncoder();

const concat = (parts: readonly Uint8Array[]): Uint8Array => concatBytes(parts, parts.reduce((n, p) => n + p.length, 0));

/** Pieces of a text stream: JSON-ish lines with multi-byte characters, terminators, blank lines, control lines, invalid UTF-8. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme' }).map((v) => encoder.encode(JSON.stringify({ kind: 'M', v }) + '\n')) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => encoder.encode(s)) },
  { weight: 2, arbitrary: fc.constantFrom('\n', '\r\n', '\r', '\n\n', '#ping\n', '#credit 1 5\n', 'é', '€', '😀').map((s) => encoder.encode(s)) },
  // Invalid UTF-8: a lone continuation byte, a cut sequence, an overlong encoding, a surrogate.
  { weight: 1, arbitrary: fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff]).map((b) => Uint8Array.from(b)) },
  // A long line, to cross small limits.
  { weight: 1, arbitrary: fc.nat({ max: 80 }).map((n) => encoder.encode('x'.repeat(n) + '\n')) },
);
const stream = fc.array(piece, { maxLength: 16 }).map(concat);
const cuts = fc.array(fc.nat({ max: 600 }), { maxLength: 12 });
const limit = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(1 << 20));

/** Everything observable of a framer fed `chunks`: results and held bytes after each chunk, then the end. */
function run(framer: Framer, chunks: readonly Uint8Array[]): { readonly steps: (readonly [Seen[], number])[]; readonly end: Seen | undefined } {
  const steps: (readonly [Seen[], number])[] = [];
  for (const chunk of chunks) {
    framer.push(chunk);
    const got: Seen[] = [];
    // Bounded: a framer returns undefined once it needs more bytes; the input is finite.
    for (let r = framer.next(); r !== undefined; r = framer.next()) got.push(seen(r));
    steps.push([got, framer.bufferedBytes]);
  }
  const end = framer.end();
  return { steps, end: end === undefined ? undefined : seen(end) };
}

/** The results of the first `take` frames or errors, then the bytes left (as one array) and the held count before taking them. */
function stopAfter(framer: Framer, chunks: readonly Uint8Array[], take: number): { readonly got: Seen[]; readonly held: number; readonly rest: number[] } {
  for (const chunk of chunks) framer.push(chunk);
  const got: Seen[] = [];
  for (let r = framer.next(); r !== undefined && got.length < take; r = got.length < take ? framer.next() : undefined) got.push(seen(r));
  const held = framer.bufferedBytes;
  return { got, held, rest: [...concat(framer.takeRemainder())] };
}

describe('LineFramer decoding text agrees with the byte framer', () => {
  it('same frames, errors and held bytes for any input in any split', () => {
    fc.assert(
      fc.property(stream, cuts, limit, (bytes, at, max) => {
        const chunks = splitAt(bytes, at);
        expect(run(new LineFramer(max, { decodeText: true }), chunks)).to.deep.equal(run(new LineFramer(max), chunks));
      }),
      RUNS,
    );
  });

  it('same results split at every byte (multi-byte characters cut across chunks)', () => {
    fc.assert(
      fc.property(stream, limit, (bytes, max) => {
        const chunks = splitAt(bytes, [...bytes.keys()]);
        expect(run(new LineFramer(max, { decodeText: true }), chunks)).to.deep.equal(run(new LineFramer(max), chunks));
      }),
      { numRuns: 100 },
    );
  });

  it('the same remainder wherever reading stops (a handover to another framer)', () => {
    fc.assert(
      fc.property(stream, cuts, limit, fc.nat({ max: 12 }), (bytes, at, max, take) => {
        const chunks = splitAt(bytes, at);
        expect(stopAfter(new LineFramer(max, { decodeText: true }), chunks, take)).to.deep.equal(stopAfter(new LineFramer(max), chunks, take));
      }),
      RUNS,
    );
  });
});
