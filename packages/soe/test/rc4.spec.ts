import { expect } from 'chai';
import { SoePacketError } from '@rxmsg/soe';
import { Rc4, decryptApplicationBuffer, encryptApplicationBuffer } from '@rxmsg/soe/internal';
import fc from 'fast-check';
import { hex } from './hex';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Rc4', () => {
  it('matches the well-known test vectors', () => {
    expect(hex(new Rc4(ascii('Key')).process(ascii('Plaintext')))).to.equal('bb f3 16 e8 d9 40 af 0a d3');
    expect(hex(new Rc4(ascii('Wiki')).process(ascii('pedia')))).to.equal('10 21 bf 04 20');
    expect(hex(new Rc4(ascii('Secret')).process(ascii('Attack at dawn')))).to.equal('45 a0 1f 64 5f c3 5b 38 35 52 54 4b 9b f5');
  });

  it('keeps its key stream across buffers', () => {
    const whole = new Rc4(ascii('Secret')).process(ascii('Attack at dawn'));
    const c = new Rc4(ascii('Secret'));
    const parts = [...c.process(ascii('Attack')), ...c.process(ascii(' at dawn'))];
    expect(parts).to.deep.equal([...whole]);
  });

  it('refuses an empty or over-long key with SOE_INVALID', () => {
    for (const key of [new Uint8Array(0), new Uint8Array(257)]) {
      expect(() => new Rc4(key)).to.throw(SoePacketError).with.property('code', 'SOE_INVALID');
    }
  });

  it('prefixes an encrypted buffer starting with 0x00 with another 0x00, and the receiver drops it', () => {
    // With key "Key" the first key-stream byte is 0xbb ^ 'P' (0x50) = 0xeb: plaintext 0xeb encrypts to 0x00.
    const enc = encryptApplicationBuffer(new Uint8Array([0xeb, 0x01]), new Rc4(ascii('Key')));
    expect(enc[0]).to.equal(0);
    expect(enc[1]).to.equal(0);
    expect(enc.length).to.equal(3);
    expect([...decryptApplicationBuffer(enc, new Rc4(ascii('Key')))]).to.deep.equal([0xeb, 0x01]);
  });

  it('round-trips a sequence of buffers through the leading-zero rule', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (key, buffers) => {
        const tx = new Rc4(key);
        const rx = new Rc4(key);
        for (const b of buffers) {
          const enc = encryptApplicationBuffer(b, tx);
          expect(enc.length === 0 || enc[0] !== 0 || enc[1] === 0).to.equal(true);
          expect([...decryptApplicationBuffer(enc, rx)]).to.deep.equal([...b]);
        }
      }),
    );
  });
});
