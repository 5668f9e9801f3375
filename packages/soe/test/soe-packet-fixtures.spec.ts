import { expect } from 'chai';
import { DisconnectReason, SoePacketError, type SoeSessionParams } from '@rxmsg/soe';
import {
  PLAIN_SESSION,
  decodeSoeDatagram,
  encodeSoeDatagram,
  splitFirstFragment,
  type SoePacket,
} from '@rxmsg/soe/internal';
import { bytes, hex } from './hex';

// Hand-computed bytes: two-byte big-endian op code, then the fields big-endian.
const CONTROL: Array<[string, SoePacket, string]> = [
  ['SessionRequest v3, id 0x11223344, UDP 512, "Rx"',
    { kind: 'session-request', protocolVersion: 3, sessionId: 0x11223344, udpLength: 512, applicationProtocol: 'Rx' },
    '00 01 00 00 00 03 11 22 33 44 00 00 02 00 52 78 00'],
  ['SessionResponse: seed 0xaabbccdd, CRC 2, no compression, unknown byte 0, UDP 512, v3',
    { kind: 'session-response', sessionId: 0x11223344, crcSeed: 0xaabbccdd, crcLength: 2, compression: false, udpLength: 512, protocolVersion: 3 },
    '00 02 11 22 33 44 aa bb cc dd 02 00 00 00 00 02 00 00 00 00 03'],
  ['UnknownSender', { kind: 'unknown-sender' }, '00 1d'],
  ['RemapConnection', { kind: 'remap-connection', sessionId: 0x11223344, crcSeed: 0xaabbccdd }, '00 1e 11 22 33 44 aa bb cc dd'],
];

const PLAIN: Array<[string, SoePacket, string]> = [
  ['Disconnect(ProtocolMismatch = 16)', { kind: 'disconnect', sessionId: 0x11223344, reason: DisconnectReason.ProtocolMismatch }, '00 05 11 22 33 44 00 10'],
  ['Heartbeat', { kind: 'heartbeat' }, '00 06'],
  ['ReliableData seq 0x0102', { kind: 'reliable-data', sequence: 0x0102, data: bytes('de ad') }, '00 09 01 02 de ad'],
  ['ReliableDataFragment seq 7 (not first)', { kind: 'reliable-data-fragment', sequence: 7, data: bytes('01 02 03') }, '00 0d 00 07 01 02 03'],
  ['OutOfOrder seq 0xffff', { kind: 'out-of-order', sequence: 0xffff }, '00 11 ff ff'],
  ['Acknowledge seq 0', { kind: 'acknowledge', sequence: 0 }, '00 15 00 00'],
  ['MultiPacket [Acknowledge 5, ReliableData 1 ab]',
    { kind: 'multi-packet', packets: [{ kind: 'acknowledge', sequence: 5 }, { kind: 'reliable-data', sequence: 1, data: bytes('ab') }] },
    '00 03 04 00 15 00 05 05 00 09 00 01 ab'],
];

describe('SOE packet fixtures', () => {
  for (const [name, packet, expected] of CONTROL) {
    it(`control packet ${name}: exact bytes, no flag or CRC even in a session, and back`, () => {
      const session: SoeSessionParams = { crcSeed: 0xaabbccdd, crcLength: 4, compression: true };
      expect(hex(encodeSoeDatagram(packet))).to.equal(expected);
      expect(hex(encodeSoeDatagram(packet, session))).to.equal(expected);
      expect(decodeSoeDatagram(bytes(expected))).to.deep.equal(packet);
    });
  }
  for (const [name, packet, expected] of PLAIN) {
    it(`session packet ${name}: exact bytes without CRC or compression, and back`, () => {
      expect(hex(encodeSoeDatagram(packet, PLAIN_SESSION))).to.equal(expected);
      expect(decodeSoeDatagram(bytes(expected), PLAIN_SESSION)).to.deep.equal(packet);
    });
  }

  it('first fragment carries the complete length before its data', () => {
    const d = encodeSoeDatagram({ kind: 'reliable-data-fragment', sequence: 7, totalLength: 10, data: bytes('01 02 03') }, PLAIN_SESSION);
    expect(hex(d)).to.equal('00 0d 00 07 00 00 00 0a 01 02 03');
    const p = decodeSoeDatagram(d, PLAIN_SESSION);
    if (p.kind !== 'reliable-data-fragment') throw new Error(p.kind);
    const first = splitFirstFragment(p.data, 10);
    expect(first.totalLength).to.equal(10);
    expect(hex(first.data)).to.equal('01 02 03');
    expect(() => splitFirstFragment(p.data, 9)).to.throw(SoePacketError).with.property('code', 'SOE_TOO_LARGE');
  });

  it('appends the low CRC bytes, big-endian, for each CRC length', () => {
    // CRC-32 of 00 06 with seed 0xaabbccdd is 0xc4781f90 (standard CRC-32 of dd cc bb aa 00 06).
    const expected = ['00 06', '00 06 90', '00 06 1f 90', '00 06 78 1f 90', '00 06 c4 78 1f 90'];
    for (const crcLength of [0, 1, 2, 3, 4] as const) {
      const session = { crcSeed: 0xaabbccdd, crcLength, compression: false };
      expect(hex(encodeSoeDatagram({ kind: 'heartbeat' }, session))).to.equal(expected[crcLength]);
      expect(decodeSoeDatagram(bytes(expected[crcLength] as string), session)).to.deep.equal({ kind: 'heartbeat' });
    }
  });

  it('writes the compression flag after the op code and covers it with the CRC', () => {
    const session = { crcSeed: 0xaabbccdd, crcLength: 2, compression: true } as const;
    // CRC-32 of 00 15 00 00 05 with seed 0xaabbccdd is 0xa3109a48.
    expect(hex(encodeSoeDatagram({ kind: 'acknowledge', sequence: 5 }, session))).to.equal('00 15 00 00 05 9a 48');
    expect(hex(encodeSoeDatagram({ kind: 'reliable-data', sequence: 1, data: bytes('48 65 6c 6c 6f') }, { ...session, compression: false })))
      .to.equal('00 09 00 01 48 65 6c 6c 6f 74 c5');
  });

  it('compresses with zlib when asked and smaller, and inflates within the bound only', () => {
    const session = { crcSeed: 1, crcLength: 2, compression: true } as const;
    const data = new Uint8Array(1000).fill(0x41);
    const d = encodeSoeDatagram({ kind: 'reliable-data', sequence: 9, data }, session, { compress: true });
    expect(d[2]).to.equal(1);
    expect(d.length).to.be.lessThan(100);
    expect(decodeSoeDatagram(d, session)).to.deep.equal({ kind: 'reliable-data', sequence: 9, data: new Uint8Array(Buffer.from(data)) });
    expect(() => decodeSoeDatagram(d, { ...session, maxInflatedLength: 500 })).to.throw(SoePacketError).with.property('code', 'SOE_TOO_LARGE');
    const small = encodeSoeDatagram({ kind: 'acknowledge', sequence: 1 }, session, { compress: true });
    expect(small[2]).to.equal(0);
  });

  it('refuses bad CRCs, unknown op codes, missing sessions, bad flags and trailing bytes with typed codes', () => {
    const session = { crcSeed: 0xaabbccdd, crcLength: 2, compression: true } as const;
    const cases: Array<[string, SoeSessionParams | undefined, string]> = [
      ['00 15 00 00 05 9a 49', session, 'SOE_CRC'],
      ['00 04', undefined, 'SOE_UNKNOWN_OPCODE'],
      ['00 15 00 05', undefined, 'SOE_NO_SESSION'],
      ['00 15 02 00 05', { ...PLAIN_SESSION, compression: true }, 'SOE_MALFORMED'],
      ['00 15 00 05 00', PLAIN_SESSION, 'SOE_MALFORMED'],
      ['00 05 11 22 33 44 00 11', PLAIN_SESSION, 'SOE_MALFORMED'],
      ['00 01 00 00 00 03 11 22 33 44 00 00 02 00 52 78', undefined, 'SOE_MALFORMED'],
      ['00 02 11 22 33 44 aa bb cc dd 05 00 00 00 00 02 00 00 00 00 03', undefined, 'SOE_MALFORMED'],
      ['00 03 05 00 03 00 06', PLAIN_SESSION, 'SOE_MALFORMED'],
      ['00 03 09 00 03 02 00 06', PLAIN_SESSION, 'SOE_MALFORMED'],
      ['00', undefined, 'SOE_MALFORMED'],
    ];
    for (const [h, s, code] of cases) {
      expect(() => decodeSoeDatagram(bytes(h), s), h).to.throw(SoePacketError).with.property('code', code);
    }
  });
});
