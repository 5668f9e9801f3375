import { expect } from 'chai';
import fc from 'fast-check';
import {
  DecodeError,
  LENGTH_PREFIX_BYTES,
  LengthPrefixFramer,
  LineFramer,
  binaryCodec,
  textCodec,
  type Codec,
  type Framer,
} from '@rxmsg/core';
import { concatBytes } from '@rxmsg/core/internal';
import { feed, splitAt } from './support/bytes';

const RUNS = { numRuns: 200 };

const concat = (parts: readonly Uint8Array[]): Uint8Array => concatBytes(parts, parts.reduce((n, p) => n + p.length, 0));

/** A byte, biased towards the ones framers care about. */
const lineByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0a, 0x0d, 0x61));
const prefixByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(0));
const bytesOf = (byte: fc.Arbitrary<number>, maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.array(byte, { maxLength }).map((b) => Uint8Array.from(b));

function prefixed(payload: Uint8Array, announced = payload.length): Uint8Array {
  const prefix = Uint8Array.of(announced >>> 24, (announced >>> 16) & 0xff, (announced >>> 8) & 0xff, announced & 0xff);
  return concat([prefix, payload]);
}

/** A text stream: lines of any length, terminators, stray `\r`s and garbage. */
const lineStream = fc
  .array(
    fc.oneof(
      bytesOf(lineByte, 24),
      fc.constantFrom(Uint8Array.of(0x0a), Uint8Array.of(0x0d, 0x0a), Uint8Array.of(0x0d)),
    ),
    { maxLength: 12 },
  )
  .map(concat);

/** A length-prefixed stream: well-formed frames (some over the limit), lying prefixes and garbage. */
const prefixedStream = fc
  .array(
    fc.oneof(
      bytesOf(fc.integer({ min: 0, max: 255 }), 20).map((p) => prefixed(p)),
      fc.tuple(bytesOf(prefixByte, 20), fc.integer({ min: 0, max: 40 })).map(([p, n]) => prefixed(p, n)),
      bytesOf(prefixByte, 6),
    ),
    { maxLength: 8 },
  )
  .map(concat);

const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 20 });
const framers: [string, (max: number) => Framer, fc.Arbitrary<Uint8Array>][] = [
  ['LineFramer', (max) => new LineFramer(max), lineStream],
  ['LineFramer decoding text', (max) => new LineFramer(max, { decodeText: true }), lineStream],
  ['LengthPrefixFramer', (max) => new LengthPrefixFramer(max), prefixedStream],
];

describe('framer properties', () => {
  describe('chunk independence: the same bytes in any split give the same results', () => {
    for (const [name, make, stream] of framers) {
      it(name, () => {
        fc.assert(
          fc.property(stream, cuts, fc.integer({ min: 0, max: 16 }), (bytes, at, max) => {
            const whole = feed(make(max), [bytes]);
            expect(feed(make(max), splitAt(bytes, at))).to.deep.equal(whole);
            expect(feed(make(max), splitAt(bytes, [...bytes.keys()]))).to.deep.equal(whole);
          }),
          RUNS,
        );
      });
    }
  });

  describe('garbage: never throws, never holds more than maxFrameBytes of a frame', () => {
    const garbage: [string, (max: number) => Framer, fc.Arbitrary<number>, (max: number) => number][] = [
      // One byte of slack: a trailing CR may belong to the terminator.
      ['LineFramer', (max) => new LineFramer(max), lineByte, (max) => max + 1],
      ['LineFramer decoding text', (max) => new LineFramer(max, { decodeText: true }), lineByte, (max) => max + 1],
      // A partial payload (< max) or a partial prefix (< 4 bytes), never both.
      ['LengthPrefixFramer', (max) => new LengthPrefixFramer(max), prefixByte, (max) => Math.max(max - 1, LENGTH_PREFIX_BYTES - 1)],
    ];
    for (const [name, make, byte, bound] of garbage) {
      it(name, () => {
        fc.assert(
          fc.property(fc.array(bytesOf(byte, 64), { maxLength: 20 }), fc.integer({ min: 0, max: 32 }), (chunks, max) => {
            const framer = make(max);
            for (const chunk of chunks) {
              framer.push(chunk);
              for (let r = framer.next(); r !== undefined; r = framer.next()) {
                if (r instanceof DecodeError) expect(r.code).to.be.oneOf(['FRAME_TOO_LARGE', 'FRAME_TRUNCATED']);
                else expect(typeof r === 'string' ? new TextEncoder().encode(r).length : r.length).to.be.at.most(max);
              }
              expect(framer.bufferedBytes).to.be.at.most(bound(max));
            }
            const end = framer.end();
            if (end !== undefined) expect(end).to.be.instanceOf(DecodeError);
            expect(framer.bufferedBytes).to.equal(0);
          }),
          RUNS,
        );
      });
    }
  });

  describe('round trip: encode, split anywhere, frame and decode gives the messages back', () => {
    // Plain JSON data, any Unicode text (well-formed; see binary-codec.spec.ts for lone surrogates).
    const jsonObject = fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }));
    const toBytes = (chunk: string | Uint8Array): Uint8Array => (typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    // msgpackr renames a "__proto__" key to "__proto_" (its prototype-pollution guard); binary-codec.spec.ts pins that.
    const noProtoKey = (m: unknown): boolean => !JSON.stringify(m).includes('"__proto__":');
    const codecs: [Codec, fc.Arbitrary<Record<string, unknown>>][] = [
      [textCodec, jsonObject],
      [binaryCodec, jsonObject.filter(noProtoKey)],
    ];
    for (const [codec, message] of codecs) {
      it(codec.name, () => {
        fc.assert(
          fc.property(fc.array(message, { maxLength: 8 }), cuts, (messages, at) => {
            const bytes = concat(messages.map((m) => toBytes(codec.encodeFrame(m))));
            const framer = codec.createFramer(1 << 20);
            const decoded: unknown[] = [];
            for (const chunk of splitAt(bytes, at)) {
              framer.push(chunk);
              for (let r = framer.next(); r !== undefined; r = framer.next()) {
                if (r instanceof DecodeError) throw r;
                decoded.push(codec.decode(r));
              }
            }
            expect(framer.end()).to.equal(undefined);
            // JSON-safe means what JSON keeps: -0 comes back as 0.
            expect(decoded).to.deep.equal(JSON.parse(JSON.stringify(messages)));
          }),
          RUNS,
        );
      });
    }
  });
});
