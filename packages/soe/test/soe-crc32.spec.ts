import { expect } from 'chai';
import { soeCrc32 } from '@rxmsg/soe/internal';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('soeCrc32', () => {
  it('gives the known values of "123456789" and of no data for several seeds', () => {
    // Computed independently as the standard CRC-32 of the seed's little-endian bytes + data.
    expect(soeCrc32(ascii('123456789'), 0)).to.equal(0x22896b0a);
    expect(soeCrc32(ascii('123456789'), 0x12345678)).to.equal(0xaad05244);
    expect(soeCrc32(ascii('123456789'), 0xdeadbeef)).to.equal(0x4d8e8339);
    expect(soeCrc32(new Uint8Array(0), 0)).to.equal(0x2144df1c);
    expect(soeCrc32(new Uint8Array(0), 0xdeadbeef)).to.equal(0x1a5a601f);
  });

  it('equals zlib CRC-32 over the little-endian seed followed by the data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffff_ffff }), (data, seed) => {
        const seedLe = Buffer.alloc(4);
        seedLe.writeUInt32LE(seed);
        expect(soeCrc32(data, seed)).to.equal(crc32(Buffer.concat([seedLe, data])));
      }),
    );
  });

  it('covers only [start, end)', () => {
    const data = ascii('xx123456789yy');
    expect(soeCrc32(data, 0, 2, 11)).to.equal(0x22896b0a);
  });
});
