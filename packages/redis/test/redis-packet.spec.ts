import { expect } from 'chai';
import fc from 'fast-check';
import { MalformedMessageError } from '@rxmsg/core';
import { MAX_NODE_NUMBER } from '@rxmsg/runtime';
import { REDIS_PACKET_VERSION, decodePacket, encodePacket, type RedisPacket } from '@rxmsg/redis/internal';

describe('redis packets', () => {
  it('refuses a node number no node can have (0, past MAX_NODE_NUMBER): such beats would take places in the live-node table', () => {
    for (const from of [0, MAX_NODE_NUMBER + 1, 2_000_000_000]) {
      for (const packet of [{ t: 'beat', from }, { t: 'ack', from, id: 1, r: 'delivered' }] as RedisPacket[]) {
        const decoded = decodePacket(encodePacket(packet));
        expect(decoded.ok, `${packet.t} from ${from}`).to.equal(false);
        if (!decoded.ok) expect(decoded.error).to.be.instanceOf(MalformedMessageError);
      }
    }
    expect(decodePacket(encodePacket({ t: 'beat', from: MAX_NODE_NUMBER })).ok).to.equal(true);
  });

  it('round-trips every kind of packet, binary messages intact', () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    const packets: RedisPacket[] = [
      { t: 'pub', from: 1, p: { message: { kind: 'Blob', data: bytes }, rooms: ['a', 'b'], exceptRooms: ['c'], except: [4294967297] } },
      { t: 'pub', from: 2, p: { message: { kind: 'Line', text: 'x' } } },
      { t: 'fwd', from: 1, peer: 8589934593, m: { kind: 'Line', text: 'é' } },
      { t: 'ask', from: 1, peer: 8589934593, m: null, id: 7 },
      { t: 'ack', from: 2, id: 7, r: 'delivered' },
      { t: 'snap?', from: 1, id: 8 },
      { t: 'snap', from: 2, id: 8, s: { connections: [] } },
      { t: 'snap', from: 2, id: 8, e: 'no snapshot' },
      { t: 'beat', from: 3 },
      { t: 'bye', from: 3 },
    ];
    for (const packet of packets) {
      const decoded = decodePacket(encodePacket(packet));
      expect(decoded.ok, packet.t).to.equal(true);
      if (decoded.ok) expect(decoded.packet).to.deep.equal(packet);
    }
    const blob = decodePacket(encodePacket(packets[0]!));
    const data = blob.ok && blob.packet.t === 'pub' ? (blob.packet.p.message as { data: unknown }).data : undefined;
    expect(data).to.be.instanceOf(Uint8Array);
    expect([...(data as Uint8Array)]).to.deep.equal([...bytes]);
  });

  it('one case per violation: another version, not structured-clone data, an unknown shape', () => {
    const good = encodePacket({ t: 'beat', from: 1 });
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array()],
      ['version only', new Uint8Array([REDIS_PACKET_VERSION])],
      ['another version', Uint8Array.of(REDIS_PACKET_VERSION + 1, ...good.subarray(1))],
      ['garbage body', Uint8Array.of(REDIS_PACKET_VERSION, 0xff, 0x00, 0x13)],
      ['truncated', good.subarray(0, good.length - 2)],
      ['unknown kind', encodeRaw({ t: 'nope', from: 1 })],
      ['bad node', encodeRaw({ t: 'beat', from: -1 })],
      ['bad ack result', encodeRaw({ t: 'ack', from: 1, id: 1, r: 'sure' })],
      ['rooms not strings', encodeRaw({ t: 'pub', from: 1, p: { message: 1, rooms: [1] } })],
    ];
    for (const [name, bytes] of cases) {
      const decoded = decodePacket(bytes);
      expect(decoded.ok, name).to.equal(false);
      if (!decoded.ok) expect(decoded.error, name).to.be.instanceOf(MalformedMessageError).and.include({ code: 'MESSAGE_MALFORMED' });
    }
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, versioned) => {
        const input = versioned ? Uint8Array.of(REDIS_PACKET_VERSION, ...bytes) : bytes;
        const decoded = decodePacket(input);
        expect(typeof decoded.ok).to.equal('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

/** A well-formed body of any shape, as another version of the adapter might send. */
function encodeRaw(value: unknown): Uint8Array {
  // Bypasses encodePacket's static type, which only admits valid packets.
  return encodePacket(value as RedisPacket);
}
