import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_CREDIT, MAX_STREAM_ID, MalformedMessageError, binaryCodec, textCodec, type Codec } from '@rxmsg/core';

const RUNS = { numRuns: 300 };
const enc = new TextEncoder();
const hex = (bytes: string | Uint8Array): string => Buffer.from(bytes as Uint8Array).toString('hex');

/** The credit methods of a codec, which both built-in codecs have. */
function creditOf(codec: Codec): NonNullable<Codec['creditOf']> {
  const f = codec.creditOf;
  if (f === undefined) throw new Error(`codec ${codec.name} has no creditOf`);
  return f;
}
function creditFrame(codec: Codec): NonNullable<Codec['creditFrame']> {
  const f = codec.creditFrame;
  if (f === undefined) throw new Error(`codec ${codec.name} has no creditFrame`);
  return f;
}

/** What a call throws, or `undefined`. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

const validStream = fc.integer({ min: 0, max: MAX_STREAM_ID });
const validN = fc.integer({ min: 1, max: MAX_CREDIT });

describe('credit frames', () => {
  describe('byte fixtures', () => {
    const textCases: [number, number, string][] = [
      [0, 1, '#credit 0 1'],
      [7, 64, '#credit 7 64'],
      [MAX_STREAM_ID, MAX_CREDIT, '#credit 4294967295 2147483647'],
    ];
    for (const [stream, n, line] of textCases) {
      it(`text: (${stream}, ${n}) is the line ${JSON.stringify(line)}, framed with \\n`, () => {
        expect(creditFrame(textCodec)(stream, n, false)).to.equal(line);
        expect(creditFrame(textCodec)(stream, n, true)).to.equal(line + '\n');
        expect(textCodec.controlOf(line)).to.equal('credit');
        expect(textCodec.controlOf(enc.encode(line))).to.equal('credit');
        expect(creditOf(textCodec)(line)).to.deep.equal({ stream, n });
        expect(creditOf(textCodec)(enc.encode(line))).to.deep.equal({ stream, n });
      });
    }

    const binaryCases: [number, number, string][] = [
      [0, 1, 'c103' + '00000000' + '00000001'],
      [7, 64, 'c103' + '00000007' + '00000040'],
      [0x01020304, 0x05060708, 'c103' + '01020304' + '05060708'],
      [MAX_STREAM_ID, MAX_CREDIT, 'c103' + 'ffffffff' + '7fffffff'],
    ];
    for (const [stream, n, payload] of binaryCases) {
      it(`binary: (${stream}, ${n}) is the payload ${payload}, framed behind the length 0000000a`, () => {
        expect(hex(creditFrame(binaryCodec)(stream, n, false))).to.equal(payload);
        expect(hex(creditFrame(binaryCodec)(stream, n, true))).to.equal('0000000a' + payload);
        const bytes = Uint8Array.from(Buffer.from(payload, 'hex'));
        expect(binaryCodec.controlOf(bytes)).to.equal('credit');
        expect(creditOf(binaryCodec)(bytes)).to.deep.equal({ stream, n });
      });
    }

    it('binary: reads a credit payload at an offset inside a larger buffer', () => {
      const whole = Uint8Array.from(Buffer.from('ffff' + 'c103' + '00000009' + '00000003' + 'ff', 'hex'));
      expect(creditOf(binaryCodec)(whole.subarray(2, 12))).to.deep.equal({ stream: 9, n: 3 });
    });
  });

  describe('malformed text credit lines', () => {
    const malformed: [string, string][] = [
      ['a leading zero in the stream', '#credit 07 1'],
      ['a leading zero in n', '#credit 7 01'],
      ['n = 0', '#credit 7 0'],
      ['n = 00', '#credit 7 00'],
      ['an 11-digit stream', '#credit 10000000000 1'],
      ['an 11-digit n', '#credit 1 10000000000'],
      ['n > MAX_CREDIT', `#credit 1 ${MAX_CREDIT + 1}`],
      ['stream > MAX_STREAM_ID', `#credit ${MAX_STREAM_ID + 1} 1`],
      ['two spaces between the numbers', '#credit 1  2'],
      ['two spaces after the keyword', '#credit  1 2'],
      ['no space between the numbers', '#credit 12'],
      ['a trailing space', '#credit 1 2 '],
      ['trailing garbage', '#credit 1 2x'],
      ['a third number', '#credit 1 2 3'],
      ['a sign', '#credit +1 2'],
      ['a negative n', '#credit 1 -2'],
      ['a decimal point', '#credit 1 2.0'],
      ['hex digits', '#credit 0x1 2'],
      ['a tab for the space', '#credit 1\t2'],
    ];
    for (const [what, line] of malformed) {
      it(`${what}: ${JSON.stringify(line)} is malformed, as a string and as bytes`, () => {
        for (const payload of [line, enc.encode(line)]) {
          const control = textCodec.controlOf(payload);
          // Either not recognised at all, or recognised and refused when read: never a grant.
          if (control === 'credit') expect(thrown(() => creditOf(textCodec)(payload))).to.be.instanceOf(MalformedMessageError);
          else expect(control).to.equal(undefined);
          expect(thrown(() => creditOf(textCodec)(payload))).to.be.instanceOf(MalformedMessageError).with.property('code', 'MESSAGE_MALFORMED');
        }
      });
    }

    it('a line that is not a credit line is not a control frame and creditOf refuses it', () => {
      for (const line of ['#credit', '#credit ', '#credi 1 2', '{"kind":"X"}', '#CREDIT 1 2']) {
        expect(textCodec.controlOf(line), line).to.equal(undefined);
        expect(thrown(() => creditOf(textCodec)(line)), line).to.be.instanceOf(MalformedMessageError);
      }
    });
  });

  describe('malformed binary credit payloads', () => {
    const malformed: [string, string][] = [
      ['n = 0', 'c103' + '00000001' + '00000000'],
      ['n > MAX_CREDIT', 'c103' + '00000001' + '80000000'],
      ['one byte short', 'c103' + '00000001' + '000001'],
      ['one byte long', 'c103' + '00000001' + '00000001' + '00'],
      ['another control type', 'c104' + '00000001' + '00000001'],
      ['not a control frame', 'c003' + '00000001' + '00000001'],
    ];
    for (const [what, payload] of malformed) {
      it(`${what}: ${payload} is not a grant`, () => {
        const bytes = Uint8Array.from(Buffer.from(payload, 'hex'));
        expect(thrown(() => creditOf(binaryCodec)(bytes))).to.be.instanceOf(MalformedMessageError);
      });
    }

    it('a text payload is not a binary credit', () => {
      expect(binaryCodec.controlOf('#credit 1 2')).to.equal(undefined);
      expect(thrown(() => creditOf(binaryCodec)('#credit 1 2'))).to.be.instanceOf(MalformedMessageError);
    });
  });

  for (const codec of [textCodec, binaryCodec]) {
    describe(`${codec.name} codec properties`, () => {
      it('creditFrame then creditOf gives back every valid (stream, n), framed and not', () => {
        fc.assert(
          fc.property(validStream, validN, (stream, n) => {
            const payload = creditFrame(codec)(stream, n, false);
            expect(codec.controlOf(payload)).to.equal('credit');
            expect(creditOf(codec)(payload)).to.deep.equal({ stream, n });
            const framed = creditFrame(codec)(stream, n, true);
            const inner = typeof framed === 'string' ? framed.slice(0, -1) : framed.subarray(4);
            expect(creditOf(codec)(inner)).to.deep.equal({ stream, n });
          }),
          RUNS,
        );
      });

      it('creditFrame throws RangeError for any (stream, n) out of range', () => {
        const badStream = fc.oneof(
          fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
          fc.integer({ min: MAX_STREAM_ID + 1, max: Number.MAX_SAFE_INTEGER }),
          fc.double({ noInteger: true }),
        );
        const badN = fc.oneof(
          fc.integer({ min: Number.MIN_SAFE_INTEGER, max: 0 }),
          fc.integer({ min: MAX_CREDIT + 1, max: Number.MAX_SAFE_INTEGER }),
          fc.double({ noInteger: true }),
        );
        fc.assert(
          fc.property(fc.oneof(fc.tuple(badStream, validN), fc.tuple(validStream, badN)), fc.boolean(), ([stream, n], framed) => {
            expect(thrown(() => creditFrame(codec)(stream, n, framed))).to.be.instanceOf(RangeError);
          }),
          RUNS,
        );
      });

      it('random payloads never make controlOf or creditOf throw anything but MalformedMessageError', () => {
        const creditLike =
          codec === textCodec
            ? fc.tuple(fc.constantFrom('#credit ', '#credit', '#ping', ''), fc.string({ unit: fc.constantFrom('0', '1', '9', ' ', 'x', '-', '\u00e9'), maxLength: 24 })).map(([a, b]) => a + b)
            : fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map((b) => [0xc1, 0x03, ...b]);
        const payload = fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.string({ maxLength: 40 }),
          creditLike.map((p) => (typeof p === 'string' ? p : Uint8Array.from(p))),
          creditLike.map((p) => (typeof p === 'string' ? enc.encode(p) : Uint8Array.from(p))),
        );
        fc.assert(
          fc.property(payload, (p) => {
            const control = codec.controlOf(p);
            expect([undefined, 'ping', 'pong', 'credit']).to.include(control);
            const error = thrown(() => creditOf(codec)(p));
            if (error !== undefined) expect(error).to.be.instanceOf(MalformedMessageError);
            else {
              // Read as a grant only when controlOf calls it one, and then in range.
              expect(control).to.equal('credit');
              const { stream, n } = creditOf(codec)(p);
              expect(stream).to.be.within(0, MAX_STREAM_ID);
              expect(n).to.be.within(1, MAX_CREDIT);
              // And only in its one canonical form (no leading zeros, single spaces, nothing after).
              const canonical = creditFrame(codec)(stream, n, false);
              expect(typeof p === 'string' ? p : hex(p)).to.equal(typeof canonical === 'string' ? (typeof p === 'string' ? canonical : hex(enc.encode(canonical))) : hex(canonical));
            }
          }),
          { numRuns: 2000 },
        );
      });
    });
  }
});
