import { expect } from 'chai';
import { decode as referenceDecode, encode as referenceEncode } from '@msgpack/msgpack';
import { LengthPrefixFramer, MalformedMessageError, binaryCodec } from '@rxmsg/core';
import { hex, toHex } from './support/bytes';

const PING = { kind: 'Ping', n: 1 };
// msgpackr writes object maps with a map16 header (de 00 02) even when small: valid MessagePack, not the shortest form.
const PING_PAYLOAD = 'de 00 02 a4 6b 69 6e 64 a4 50 69 6e 67 a1 6e 01'; // {"kind":"Ping","n":1}
// The same map as other libraries write it, with a fixmap header (82).
const PING_FIXMAP = '82 a4 6b 69 6e 64 a4 50 69 6e 67 a1 6e 01';

const bytesOf = (chunk: string | Uint8Array): Uint8Array => {
  if (typeof chunk === 'string') throw new Error('binary codec produced a string');
  return chunk;
};

describe('binaryCodec', () => {
  it('is the binary wire format over length-prefixed frames', () => {
    expect(binaryCodec).to.include({ name: 'binary', payloadType: 'binary' });
    expect(binaryCodec.createFramer(64)).to.be.instanceOf(LengthPrefixFramer);
  });

  describe('encodeFrame: 4-byte big-endian length + MessagePack', () => {
    it('encodes {"kind":"Ping","n":1} to the fixture bytes', () => {
      expect(toHex(bytesOf(binaryCodec.encodeFrame(PING)))).to.equal(toHex(hex(`00 00 00 10 ${PING_PAYLOAD}`)));
      expect(toHex(bytesOf(binaryCodec.encodePayload(PING)))).to.equal(toHex(hex(PING_PAYLOAD)));
    });

    it('writes lengths over 255 big-endian', () => {
      const frame = bytesOf(binaryCodec.encodeFrame({ s: 'x'.repeat(300) }));
      expect(toHex(frame.subarray(0, 4))).to.equal(toHex(Uint8Array.of(0, 0, (frame.length - 4) >> 8, (frame.length - 4) & 0xff)));
      expect(frame.length - 4).to.be.greaterThan(300);
    });

    it('is the payload after the prefix', () => {
      const message = { kind: 'Data', list: [1, 2.5, -3, null, true, 'é'], nested: { a: { b: [] } } };
      const frame = bytesOf(binaryCodec.encodeFrame(message));
      expect(toHex(frame.subarray(4))).to.equal(toHex(bytesOf(binaryCodec.encodePayload(message))));
    });

    it('is standard MessagePack that another library reads', () => {
      const message = { kind: 'Data', i: 4294967296, f: 1.5, neg: -129, s: 'é😀', list: [null, false], o: {} };
      expect(referenceDecode(bytesOf(binaryCodec.encodePayload(message)))).to.deep.equal(message);
    });
  });

  describe('decode from bytes', () => {
    const good: [string, string, unknown][] = [
      ['a map16 object (as msgpackr writes it)', PING_PAYLOAD, PING],
      ['a fixmap object (as other libraries write it)', PING_FIXMAP, PING],
      ['an empty map', '80', {}],
      ['uint64 as a number', '81 a1 69 cf 00 00 00 01 00 00 00 00', { i: 4294967296 }],
      ['float64', '81 a1 66 cb 3f f8 00 00 00 00 00 00', { f: 1.5 }],
      ['an array of nil, false and a str8', '81 a1 61 93 c0 c2 d9 01 78', { a: [null, false, 'x'] }],
      ['a non-map value (rejected later by the protocol)', '93 01 02 03', [1, 2, 3]],
    ];
    for (const [name, bytes, value] of good) {
      it(`accepts ${name}`, () => expect(binaryCodec.decode(hex(bytes))).to.deep.equal(value));
    }

    it("accepts another library's encoding", () => {
      const message = { kind: 'Data', list: [1, -1, 0.5, 'x'], o: { deep: null } };
      expect(binaryCodec.decode(referenceEncode(message))).to.deep.equal(message);
    });

    const bad: [string, string][] = [
      ['an empty payload', ''],
      ['a map header without entries', '82'],
      ['a map cut inside a key', '81 a4 6b 69'],
      ['a str8 without its length', 'd9'],
      ['a bin8 shorter than announced', 'c4 05 01'],
      ['an unknown extension type', 'd4 05 00'],
      ['the never-used byte 0xc1', 'c1'],
      ['trailing bytes after a complete value', `${PING_PAYLOAD} 01 02`],
      ['two values in one payload', '80 80'],
      ['a huge array announced in a short payload', 'dd ff ff ff ff'],
    ];
    for (const [name, bytes] of bad) {
      it(`rejects ${name} with MalformedMessageError`, () => {
        expect(() => binaryCodec.decode(hex(bytes)))
          .to.throw(MalformedMessageError)
          .with.property('code', 'MESSAGE_MALFORMED');
      });
    }

    it('rejects a text payload', () => {
      expect(() => binaryCodec.decode('{"kind":"Ping"}')).to.throw(MalformedMessageError).with.property('code', 'MESSAGE_MALFORMED');
    });

    it('keeps the decoder usable after a malformed payload', () => {
      for (const bytes of ['82', `${PING_PAYLOAD} 01`, 'd4 05 00']) {
        expect(() => binaryCodec.decode(hex(bytes))).to.throw(MalformedMessageError);
        expect(binaryCodec.decode(hex(PING_PAYLOAD))).to.deep.equal(PING);
      }
    });

    it('decodes bin values as copies, which keep no received chunk alive', () => {
      const chunk = new Uint8Array(4096);
      chunk.set(hex('81 a1 62 c4 03 01 02 03'), 100);
      const value = binaryCodec.decode(chunk.subarray(100, 108)) as { b: Uint8Array };
      expect(Array.from(value.b)).to.deep.equal([1, 2, 3]);
      expect(value.b.buffer).to.not.equal(chunk.buffer);
      expect(value.b.buffer.byteLength).to.be.lessThan(chunk.length);
    });

    it('decodes a payload that is a view into a larger chunk', () => {
      const chunk = hex(`00 00 00 10 ${PING_PAYLOAD} ff`);
      expect(binaryCodec.decode(chunk.subarray(4, 20))).to.deep.equal(PING);
    });

    it('renames a "__proto__" key to "__proto_" (msgpackr guards against prototype pollution)', () => {
      const decoded = binaryCodec.decode(hex('81 a9 5f 5f 70 72 6f 74 6f 5f 5f 01')); // {"__proto__":1}
      expect(decoded).to.deep.equal({ __proto_: 1 });
      expect(Object.getPrototypeOf(decoded)).to.equal(Object.prototype);
    });
  });

  it('counts bytes of a chunk', () => {
    expect(binaryCodec.byteLength(bytesOf(binaryCodec.encodeFrame(PING)))).to.equal(20);
  });
});
