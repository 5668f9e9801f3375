import { expect } from 'chai';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { binaryCodec } from '@rxmsg/core';
import { NOT_FLAT, decodeFlatMap } from '../src/flat-msgpack';

// The binary codec's msgpackr options: the reference every fast-path result is compared with.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

/** msgpackr's result, or the error it throws. */
function reference(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: packr.unpack(bytes) };
  } catch {
    return { ok: false };
  }
}

/** Deep equality that also compares key order and tells -0 from 0. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const scalar = fc.oneof(
  fc.integer({ min: -40, max: 300 }),
  fc.integer(),
  fc.constantFrom(0, -0, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 65535, 65536, -32768, -32769, -128, -129, 127, 128, 255, 256, 1.5, Number.NaN, Infinity),
  fc.double(),
  fc.constantFrom(null, true, false),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('kind', 'n', '__proto__', 'constructor', 'é', 'x'.repeat(40)));
const value = fc.oneof({ weight: 5, arbitrary: scalar }, fc.array(scalar, { maxLength: 17 }), fc.dictionary(key, scalar, { maxKeys: 2 }));
const message = fc.dictionary(key, value, { maxKeys: 17 });

/** The fast path must agree with msgpackr wherever it answers. */
function agrees(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  const fast = decodeFlatMap(bytes);
  if (fast === NOT_FLAT) return true;
  const ref = reference(bytes);
  return ref.ok && same(fast, ref.value);
}

describe('decodeFlatMap (the binary codec\'s fast path)', () => {
  it('decodes messages encoded by the codec like msgpackr, or leaves them to it', () => {
    let taken = 0;
    let total = 0;
    fc.assert(
      fc.property(message, (m) => {
        const bytes = binaryCodec.encodePayload(m) as Uint8Array;
        total++;
        if (decodeFlatMap(bytes) !== NOT_FLAT) taken++;
        expect(agrees(bytes), JSON.stringify(m)).to.equal(true);
        const decoded = binaryCodec.decode(bytes);
        const ref = reference(bytes);
        expect(ref.ok && same(decoded, ref.value)).to.equal(true);
      }),
      { numRuns: 1000 },
    );
    // The generator reaches the fast path often, and the fallback too.
    expect(taken).to.be.greaterThan(total / 10);
    expect(taken).to.be.lessThan(total * 0.95);
  });

  it('agrees with msgpackr on cut, altered and extended encodings', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('cut', 'alter', 'extend'), (m, at, byte, how) => {
        const bytes = binaryCodec.encodePayload(m) as Uint8Array;
        const i = at % bytes.length;
        const changed =
          how === 'cut' ? bytes.subarray(0, i) : how === 'extend' ? Uint8Array.from([...bytes, byte]) : Uint8Array.from(bytes, (b, j) => (j === i ? byte : b));
        expect(agrees(changed)).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with msgpackr on arbitrary bytes that start like a map', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x80, 0x81, 0x82, 0x8f, 0xde), fc.uint8Array({ maxLength: 40 }), (head, rest) => {
        expect(agrees(Uint8Array.from([head, ...rest]))).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a frame inside a larger chunk without reading past it', () => {
    const one = binaryCodec.encodePayload({ kind: 'Ping', n: 7 }) as Uint8Array;
    const chunk = Uint8Array.from([9, 9, ...one, 0xa1]);
    expect(decodeFlatMap(chunk.subarray(2, 2 + one.length))).to.deep.equal({ kind: 'Ping', n: 7 });
    expect(decodeFlatMap(chunk.subarray(2, 1 + one.length))).to.equal(NOT_FLAT);
  });

  it('decodes repeated and colliding short strings right (the string cache)', () => {
    // 2,000 distinct strings of 1 to 20 characters: far more than the cache's 256 slots, so slots collide.
    const words = Array.from({ length: 2000 }, (_, i) => `${'k'.repeat(i % 20)}${i.toString(36)}`.slice(-(1 + (i % 20))));
    for (let pass = 0; pass < 3; pass++) {
      for (let i = 0; i < words.length; i += 2) {
        const m = { [words[i]!]: words[i + 1]!, kind: words[(i * 7) % words.length]! };
        const bytes = packr.pack(m);
        expect(decodeFlatMap(bytes)).to.deep.equal(packr.unpack(bytes));
      }
    }
    // A string and another of the same length and slot: each decodes as itself.
    const a = packr.pack({ k: 'ab' });
    const b = packr.pack({ k: 'ba' });
    for (let i = 0; i < 3; i++) {
      expect(decodeFlatMap(a)).to.deep.equal({ k: 'ab' });
      expect(decodeFlatMap(b)).to.deep.equal({ k: 'ba' });
    }
  });
});
