import { expect } from 'chai';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { binaryCodec } from '@rxmsg/core';
import { MAX_DEPTH, MAX_ENCODED, MAX_SLAB_FRAME, SLAB_BYTES, encodeFlat } from '../src/flat-msgpack-encoder';

// The binary codec's msgpackr options: the reference every fast-path result is compared with.
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: 'number' });

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const packed = (m: unknown): string => hex(packr.pack(m));
/** The length prefix of a payload of `n` bytes, in hex. */
const prefix = (n: number): string => n.toString(16).padStart(8, '0');

/** msgpackr's bytes in hex, or the class and message of what it throws. */
function reference(m: unknown): string {
  try {
    return packed(m);
  } catch (error) {
    return error instanceof Error ? `${error.constructor.name}: ${error.message}` : 'thrown';
  }
}

function framed(m: unknown): string {
  try {
    return hex(binaryCodec.encodeFrame(m) as Uint8Array);
  } catch (error) {
    return error instanceof Error ? `${error.constructor.name}: ${error.message}` : 'thrown';
  }
}

function payload(m: unknown): string {
  try {
    return hex(binaryCodec.encodePayload(m) as Uint8Array);
  } catch (error) {
    return error instanceof Error ? `${error.constructor.name}: ${error.message}` : 'thrown';
  }
}

const numbers = fc.oneof(
  fc.integer({ min: -200, max: 70_000 }),
  fc.integer(),
  fc.constantFrom(0, -0, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 65535, 65536, -32768, -32769, -33, -32, -128, -129, 127, 128, 255, 256, 1.5),
  fc.double(),
);
const strings = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }) },
  // Lone surrogates, short and long (msgpackr encodes those two differently).
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', '\ud800', '\udc00', 'é', '€', '😀'), minLength: 25, maxLength: 300 }) },
);
const scalar = fc.oneof(numbers, strings, fc.constantFrom(null, true, false, undefined));
const key = fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 8 }) }, fc.constantFrom('kind', 'n', '__proto__', 'constructor', 'hasOwnProperty', 'é', '1', 'x'.repeat(40)));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 8 }),
  object: fc.dictionary(key, tie('tree'), { maxKeys: 8, noNullPrototype: true }),
}));
const message = fc.dictionary(key, tree, { maxKeys: 12, noNullPrototype: true });
/** Null-prototype objects too (msgpackr's, not the fast encoder's). */
const anyMessage = fc.dictionary(key, tree, { maxKeys: 5 });
// Values msgpackr encodes (or rejects) that the fast encoder leaves to it.
const other = fc.constantFrom<unknown>(new Date(0), new Map([['a', 1]]), new Set([1]), 10n, 2n ** 70n, Uint8Array.of(1, 2), () => 1, Symbol('s'), new (class Point { x = 1 })(), Object.create(null));

describe('encodeFlat (the binary codec\'s fast encoder)', () => {
  it('writes the byte fixtures msgpackr writes', () => {
    const cases: [unknown, string][] = [
      [{ kind: 'Ping', n: 1 }, 'de0002a46b696e64a450696e67a16e01'],
      [{}, 'de0000'],
      [{ a: 127, b: 128, c: 65536, d: -32, e: -33, f: -129, g: -32769 }, 'de0007a1617fa162cc80a163ce00010000a164e0a165d0dfa166d1ff7fa167d2ffff7fff'],
      [{ f: 1.5, z: -0 }, 'de0002a166cb3ff8000000000000a17a00'],
      [{ t: true, f: false, n: null, u: undefined }, 'de0004a174c3a166c2a16ec0a175d40000'],
      [{ a: [1, 'x', [2]] }, 'de0001a16193' + '01a17891' + '02'],
      [{ s: 'é€😀' }, 'de0001a173a9c3a9e282acf09f9880'],
      [{ s: 'x'.repeat(32) }, 'de0001a173d920' + '78'.repeat(32)],
      [{ s: 'x'.repeat(256) }, 'de0001a173da0100' + '78'.repeat(256)],
      [{ s: '\ud800' }, 'de0001a173a3eda080'],
    ];
    for (const [m, bytes] of cases) {
      expect(packed(m), JSON.stringify(m)).to.equal(bytes);
      expect(hex(encodeFlat(m, 0)!), JSON.stringify(m)).to.equal(bytes);
      expect(framed(m)).to.equal(prefix(bytes.length / 2) + bytes);
      expect(payload(m)).to.equal(bytes);
    }
  });

  it('writes the bytes msgpackr writes, or leaves the message to it', () => {
    let taken = 0;
    let total = 0;
    fc.assert(
      fc.property(message, (m) => {
        total++;
        const fast = encodeFlat(m, 0);
        if (fast !== undefined) {
          taken++;
          expect(hex(fast)).to.equal(packed(m));
        }
      }),
      { numRuns: 1500 },
    );
    // The generator reaches the fast path often, and the fallback too.
    expect(taken).to.be.greaterThan(total / 4);
    expect(taken).to.be.lessThan(total);
  });

  it('frames and encodes every message as msgpackr does, with the same errors', () => {
    const mixed = fc.oneof(message, anyMessage, fc.dictionary(key, fc.oneof(tree, other), { maxKeys: 5 }), other, tree);
    fc.assert(
      fc.property(mixed, (m) => {
        const ref = reference(m);
        const isBytes = /^[0-9a-f]*$/.test(ref);
        expect(framed(m)).to.equal(isBytes ? prefix(ref.length / 2) + ref : ref);
        expect(payload(m)).to.equal(ref);
      }),
      { numRuns: 1500 },
    );
  });

  it('decodes what it encodes, and msgpackr agrees', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = (binaryCodec.encodeFrame(m) as Uint8Array).subarray(4);
        expect(binaryCodec.decode(bytes)).to.deep.equal(packr.unpack(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves the reserved bytes to the caller and the rest as without them', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 8 }), (m, reserve) => {
        const plain = encodeFlat(m, 0);
        const reserved = encodeFlat(m, reserve);
        if (plain === undefined) expect(reserved).to.equal(undefined);
        else expect(hex(reserved!.subarray(reserve))).to.equal(hex(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('puts small encodings in slabs, side by side, and larger ones in arrays of their own', () => {
    const small = Array.from({ length: 200 }, (_, i) => ({ kind: 'Small', n: i }));
    const frames = small.map((m) => encodeFlat(m, 4)!);
    for (const [i, f] of frames.entries()) {
      expect(f.buffer.byteLength).to.equal(SLAB_BYTES);
      expect(hex(f.subarray(4))).to.equal(packed(small[i]));
    }
    // Frames never overlap: those sharing a slab sit one after the other.
    for (let i = 1; i < frames.length; i++) {
      const [a, b] = [frames[i - 1]!, frames[i]!];
      if (a.buffer === b.buffer) expect(b.byteOffset).to.equal(a.byteOffset + a.length);
    }
    const large = { kind: 'Large', s: 'x'.repeat(MAX_SLAB_FRAME) };
    const own = encodeFlat(large, 0)!;
    expect(own.byteOffset).to.equal(0);
    expect(own.buffer.byteLength).to.equal(own.length);
    expect(hex(own)).to.equal(packed(large));
  });

  it('gives up on what it does not handle', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH; i++) deep = [deep];
    const huge = { s: 'x'.repeat(MAX_ENCODED) };
    const wide = { a: new Array<number>(MAX_ENCODED).fill(0) };
    const cases: unknown[] = ['text', 1, null, { d: new Date(0) }, { m: new Map() }, { b: 1n }, { f: () => 1 }, new (class P {})(), Object.create(null), { deep }, huge, wide, { s: `${'y'.repeat(70)}\udc00` }];
    for (const m of cases) {
      if (typeof m === 'object' && m !== null && !Array.isArray(m)) expect(encodeFlat(m, 0), String(Object.keys(m))).to.equal(undefined);
      else expect(encodeFlat(m, 0)).to.equal(undefined);
      expect(framed(m)).to.equal(/^[0-9a-f]*$/.test(reference(m)) ? prefix(reference(m).length / 2) + reference(m) : reference(m));
    }
    // One level less deep is handled.
    let ok: unknown = 1;
    for (let i = 0; i < MAX_DEPTH - 2; i++) ok = [ok];
    expect(hex(encodeFlat({ ok }, 0)!)).to.equal(packed({ ok }));
  });

  it('lets a throwing getter throw, and encodes the next message', () => {
    const boom = new Error('boom');
    const m = {
      kind: 'X',
      get bad(): never {
        throw boom;
      },
    };
    expect(() => binaryCodec.encodeFrame(m)).to.throw(boom);
    expect(framed({ kind: 'Ping', n: 1 })).to.equal(prefix(16) + packed({ kind: 'Ping', n: 1 }));
  });

  it('leaves a message encoded from a getter while encoding to msgpackr', () => {
    const inner = { kind: 'Inner', n: 300 };
    let nested = '';
    const m = {
      kind: 'Outer',
      get x(): number {
        nested = payload(inner);
        return 7;
      },
    };
    expect(framed(m)).to.equal(prefix(packed({ kind: 'Outer', x: 7 }).length / 2) + packed({ kind: 'Outer', x: 7 }));
    expect(nested).to.equal(packed(inner));
  });

  it('skips inherited enumerable keys, as msgpackr does', () => {
    const proto = { inherited: 1 };
    const m = Object.assign(Object.create(proto) as Record<string, unknown>, { own: 2 });
    Object.defineProperty(m, 'constructor', { value: Object, enumerable: false });
    expect(hex(encodeFlat(m, 0)!)).to.equal(packed(m));
    expect(packed(m)).to.equal('de0001a36f776e02');
  });
});
