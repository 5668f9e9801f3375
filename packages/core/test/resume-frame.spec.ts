import { expect } from 'chai';
import fc from 'fast-check';
import { ResumeFrameError, type ResumeRefusalReason } from '@rxmsg/core';
import {
  RESUME_FRAME_HEADER_BYTES,
  RESUME_MAX_CONTROL_PAYLOAD,
  ResumeFrameDecoder,
  ResumeFrameType,
  encodeAck,
  encodeHello,
  encodeResumeFrame,
  encodeWelcome,
  parseAck,
  parseHello,
  parseWelcome,
  type ResumeFrame,
} from '@rxmsg/core/internal';
import { hex, toHex } from './support/bytes';

const TOKEN = Uint8Array.from({ length: 24 }, (_, i) => i + 1);
const TOKEN_HEX = toHex(TOKEN);
const MAGIC = '52 58 52 53 01';

/** Every frame `bytes` decode to, or the error they end with. */
function decodeAll(bytes: Uint8Array, maxData = 65_536, chunk = bytes.length): { frames: { type: number; payload: string }[]; error?: unknown } {
  const d = new ResumeFrameDecoder(maxData);
  const frames: { type: number; payload: string }[] = [];
  try {
    for (let at = 0; at < bytes.length; at += Math.max(1, chunk)) {
      d.push(bytes.subarray(at, at + Math.max(1, chunk)));
      for (let f: ResumeFrame | undefined = d.next(); f !== undefined; f = d.next()) frames.push({ type: f.type, payload: toHex(f.payload) });
    }
  } catch (error) {
    return { frames, error };
  }
  return { frames };
}

describe('resume frames', () => {
  describe('encode to the documented bytes', () => {
    const cases: [string, Uint8Array, string][] = [
      ['data', encodeResumeFrame(ResumeFrameType.Data, hex('68 69')), '01 00000002 68 69'],
      ['data, a slice', encodeResumeFrame(ResumeFrameType.Data, hex('00 68 69 00'), 1, 2), '01 00000002 68 69'],
      ['ack of 2^32 + 5 bytes', encodeAck(2 ** 32 + 5), '02 00000008 00000001 00000005'],
      ['end', encodeResumeFrame(ResumeFrameType.End), '03 00000000'],
      ['reset', encodeResumeFrame(ResumeFrameType.Reset), '04 00000000'],
      ['hello new', encodeHello({ kind: 'new' }), `10 00000006 ${MAGIC} 00`],
      ['hello resume', encodeHello({ kind: 'resume', token: TOKEN, received: 258 }), `10 00000026 ${MAGIC} 01 ${TOKEN_HEX} 00000000 00000102`],
      ['welcome accepted', encodeWelcome({ kind: 'accepted', token: TOKEN }), `11 0000001e ${MAGIC} 00 ${TOKEN_HEX}`],
      ['welcome resumed', encodeWelcome({ kind: 'resumed', received: 7 }), `11 0000000e ${MAGIC} 01 00000000 00000007`],
      ['welcome refused (expired)', encodeWelcome({ kind: 'refused', reason: 'expired' }), `11 00000007 ${MAGIC} 02 01`],
    ];
    for (const [name, bytes, expected] of cases) it(name, () => expect(toHex(bytes)).to.equal(toHex(hex(expected))));
  });

  it('handshakes round-trip, every refusal reason included', () => {
    const hellos = [{ kind: 'new' } as const, { kind: 'resume', token: TOKEN, received: Number.MAX_SAFE_INTEGER } as const];
    for (const h of hellos) expect(parseHello(encodeHello(h).subarray(RESUME_FRAME_HEADER_BYTES))).to.deep.equal(h);
    const reasons: ResumeRefusalReason[] = ['unknown-session', 'expired', 'closed', 'bad-token', 'offset-out-of-range', 'stopping', 'unsupported', 'window-expired'];
    const welcomes = [{ kind: 'accepted', token: TOKEN } as const, { kind: 'resumed', received: 0 } as const, ...reasons.map((reason) => ({ kind: 'refused', reason }) as const)];
    for (const w of welcomes) expect(parseWelcome(encodeWelcome(w).subarray(RESUME_FRAME_HEADER_BYTES))).to.deep.equal(w);
    expect(parseAck(encodeAck(12345).subarray(RESUME_FRAME_HEADER_BYTES))).to.equal(12345);
  });

  describe('refuses bad bytes with a ResumeFrameError', () => {
    const cases: [string, string, number?][] = [
      ['an unknown type', '7b 00000000'],
      ['a data frame over the limit (refused from its header)', '01 00000011', 16],
      ['an empty data frame', '01 00000000'],
      ['an ack that is not 8 bytes', '02 00000004 00000000'],
      ['an end with a payload', '03 00000001 00'],
      ['a hello over 64 bytes', '10 00000041'],
    ];
    for (const [name, bytes, maxData] of cases) {
      it(name, () => {
        const { error } = decodeAll(hex(bytes), maxData);
        expect(error).to.be.instanceOf(ResumeFrameError).and.include({ code: 'RESUME_FRAME_INVALID' });
      });
    }
    const payloads: [string, (p: Uint8Array) => unknown, string][] = [
      ['a hello without the magic', parseHello, '52 58 52 54 01 00'],
      ['a hello of another version', parseHello, '52 58 52 53 02 00'],
      ['a hello of an unknown kind', parseHello, `${MAGIC} 05`],
      ['a truncated resume hello', parseHello, `${MAGIC} 01 ${TOKEN_HEX}`],
      ['a welcome with an unknown reason', parseWelcome, `${MAGIC} 02 63`],
      ['a short welcome', parseWelcome, '52 58'],
      ['an ack over 2^53', parseAck, '00200000 00000000'],
    ];
    for (const [name, parse, bytes] of payloads) {
      it(name, () => expect(() => parse(hex(bytes))).to.throw(ResumeFrameError));
    }
  });

  it('decodes frames split at every byte, and frames joined in one chunk', () => {
    const stream = hex(`01 00000003 61 62 63 02 00000008 00000000 00000003 03 00000000 ${toHex(encodeHello({ kind: 'new' }))}`);
    const whole = decodeAll(stream);
    expect(whole.error).to.equal(undefined);
    expect(whole.frames.map((f) => f.type)).to.deep.equal([1, 2, 3, 0x10]);
    expect(whole.frames[0]!.payload).to.equal('61 62 63');
    for (let chunk = 1; chunk < stream.length; chunk++) expect(decodeAll(stream, 65_536, chunk)).to.deep.equal(whole);
  });

  it('property: arbitrary bytes, in arbitrary chunks, give frames or a ResumeFrameError, never anything else; it never holds more than a frame and a chunk', () => {
    const MAX_DATA = 64;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (bytes, chunk) => {
        const d = new ResumeFrameDecoder(MAX_DATA);
        try {
          for (let at = 0; at < bytes.length; at += chunk) {
            d.push(bytes.subarray(at, at + chunk));
            for (let f = d.next(); f !== undefined; f = d.next()) {
              expect(f.payload.length).to.be.at.most(Math.max(MAX_DATA, RESUME_MAX_CONTROL_PAYLOAD));
              if (f.type === ResumeFrameType.Hello) expectTyped(() => parseHello(f.payload));
              if (f.type === ResumeFrameType.Welcome) expectTyped(() => parseWelcome(f.payload));
            }
            // Drained: what is left is part of one frame, never more than the largest frame.
            expect(d.bufferedBytes).to.be.below(RESUME_FRAME_HEADER_BYTES + Math.max(MAX_DATA, RESUME_MAX_CONTROL_PAYLOAD));
          }
        } catch (error) {
          if (!(error instanceof ResumeFrameError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: a stream of valid frames decodes to the same frames however it is chunked', () => {
    const frameArb = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((p) => encodeResumeFrame(ResumeFrameType.Data, p)),
      fc.nat({ max: Number.MAX_SAFE_INTEGER }).map(encodeAck),
      fc.constant(encodeResumeFrame(ResumeFrameType.End)),
      fc.constant(encodeHello({ kind: 'new' })),
    );
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), fc.integer({ min: 1, max: 50 }), (frames, chunk) => {
        const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
        let at = 0;
        for (const f of frames) {
          all.set(f, at);
          at += f.length;
        }
        const { frames: got, error } = decodeAll(all, 64, chunk);
        expect(error).to.equal(undefined);
        expect(got.map((f) => toHex(encodeResumeFrame(f.type as ResumeFrameType, hex(f.payload))))).to.deep.equal(frames.map((f) => toHex(f)));
      }),
      { numRuns: 300 },
    );
  });
});

/** `parse` returns, or throws a ResumeFrameError: nothing else. */
function expectTyped(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    expect(error).to.be.instanceOf(ResumeFrameError);
  }
}
