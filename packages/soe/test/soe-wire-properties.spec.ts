import { expect } from 'chai';
import fc from 'fast-check';
import { SoePacketError, type SoeSessionParams } from '@rxmsg/soe';
import {
  ByteReader,
  decodeApplicationData,
  decodeSoeDatagram,
  encodeApplicationData,
  encodeSoeDatagram,
  readDataBundleLength,
  readMultiPacketLength,
  writeDataBundleLength,
  writeMultiPacketLength,
  type SoePacket,
  type SoeSubPacket,
} from '@rxmsg/soe/internal';

const RUNS = { numRuns: 300 };
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const data = fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array(Buffer.from(b)));
const sub: fc.Arbitrary<SoeSubPacket> = fc.oneof(
  fc.record({ kind: fc.constant('disconnect' as const), sessionId: u32, reason: fc.integer({ min: 0, max: 16 }) }) as fc.Arbitrary<SoeSubPacket>,
  fc.constant({ kind: 'heartbeat' as const }),
  fc.record({ kind: fc.constant('reliable-data' as const), sequence: u16, data }),
  fc.record({ kind: fc.constant('reliable-data-fragment' as const), sequence: u16, data }),
  fc.record({ kind: fc.constant('out-of-order' as const), sequence: u16 }),
  fc.record({ kind: fc.constant('acknowledge' as const), sequence: u16 }),
);
const packet: fc.Arbitrary<SoePacket> = fc.oneof(
  sub,
  fc.record({ kind: fc.constant('multi-packet' as const), packets: fc.array(sub, { maxLength: 6 }) }),
  fc.record({ kind: fc.constant('session-request' as const), protocolVersion: u32, sessionId: u32, udpLength: u32,
    applicationProtocol: fc.string({ maxLength: 20 }).filter((s) => !s.includes('\0')) }),
  fc.record({ kind: fc.constant('session-response' as const), sessionId: u32, crcSeed: u32, crcLength: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const),
    compression: fc.boolean(), udpLength: u32, protocolVersion: u32 }),
  fc.constant({ kind: 'unknown-sender' as const }),
  fc.record({ kind: fc.constant('remap-connection' as const), sessionId: u32, crcSeed: u32 }),
);
const session: fc.Arbitrary<SoeSessionParams> = fc.record({
  crcSeed: u32, crcLength: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const), compression: fc.boolean(),
});

function typedOnly(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(SoePacketError);
  }
}

describe('SOE wire properties', () => {
  it('every packet round-trips in every session (with and without compression)', () => {
    fc.assert(fc.property(packet, session, fc.boolean(), (p, s, compress) => {
      expect(decodeSoeDatagram(encodeSoeDatagram(p, s, { compress }), s)).to.deep.equal(p);
    }), RUNS);
  });

  it('random bytes decode or throw a SoePacketError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), session, (b, s) => {
      typedOnly(() => decodeSoeDatagram(b, s));
      typedOnly(() => decodeSoeDatagram(b));
      typedOnly(() => decodeApplicationData(b));
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      typedOnly(() => decodeSoeDatagram(new Uint8Array([0, 3, ...b]), { crcSeed: 0, crcLength: 0, compression: false }));
      typedOnly(() => decodeApplicationData(new Uint8Array([0, 0x19, ...b])));
    }), { numRuns: 2000 });
  });

  it('truncation at every offset is detected when a CRC of 4 bytes is negotiated', () => {
    fc.assert(fc.property(packet, u32, (p, seed) => {
      const s: SoeSessionParams = { crcSeed: seed, crcLength: 4, compression: false };
      const d = encodeSoeDatagram(p, s);
      const context = !['session-request', 'session-response', 'unknown-sender', 'remap-connection'].includes(p.kind);
      for (let n = 0; n < d.length; n++) {
        if (!context && p.kind === 'unknown-sender') continue;
        expect(() => decodeSoeDatagram(d.subarray(0, n), s)).to.throw(SoePacketError);
      }
    }), RUNS);
  });

  const boundaries = [0, 1, 0xfe, 0xff, 0x100, 0xfffe, 0xffff, 0x1_0000, 0xffff_ffff];
  const lengths = fc.oneof(fc.constantFrom(...boundaries), u32);

  it('MultiPacket and data-bundle lengths round-trip at every size boundary', () => {
    fc.assert(fc.property(lengths, (n) => {
      const out = new Uint8Array(8);
      const end = writeMultiPacketLength(out, 0, n);
      out[end] = 0x00; // the sub-packet's op code high byte follows
      expect(readMultiPacketLength(new ByteReader(out))).to.equal(n);
      const out2 = new Uint8Array(7);
      const end2 = writeDataBundleLength(out2, 0, n);
      const r = new ByteReader(out2, 0, end2);
      expect(readDataBundleLength(r)).to.equal(n);
      expect(r.remaining).to.equal(0);
    }), RUNS);
  });

  it('application data (bundled or not, encrypted or not) round-trips at buffer-size boundaries', () => {
    const size = fc.constantFrom(0, 1, 0xfe, 0xff, 0x100, 0xfffe, 0xffff, 0x1_0000);
    const buf = fc.tuple(size, fc.integer({ min: 0, max: 255 })).map(([n, v]) => new Uint8Array(n).fill(v));
    fc.assert(fc.property(fc.array(fc.oneof(buf, data), { minLength: 1, maxLength: 4 }), (buffers) => {
      const decoded = decodeApplicationData(encodeApplicationData(buffers));
      expect(decoded.map((b) => Buffer.from(b).toString('hex'))).to.deep.equal(buffers.map((b) => Buffer.from(b).toString('hex')));
    }), { numRuns: 60 });
  });
});
