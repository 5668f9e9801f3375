import { expect } from 'chai';
import fc from 'fast-check';
import { Reassembler } from '@rxmsg/soe/internal';

const MIB = 1024 * 1024;

describe('Reassembler memory', () => {
  it('holds what arrived, not the complete length a first fragment declares: 10 bytes declaring 1 MiB hold 4 KiB', () => {
    const r = new Reassembler(MIB);
    expect(r.push({ kind: 'fragment', sequence: 0, totalLength: MIB, payload: new Uint8Array(10) })).to.deep.equal({ kind: 'pending' });
    expect(r.heldBytes).to.equal(4096);
  });

  it('reassembles any split of a payload exactly, holding at most twice what arrived (or 4 KiB) at every step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 60 }), fc.integer(), (total, cuts, seed) => {
        const payload = new Uint8Array(total);
        for (let i = 0; i < total; i++) payload[i] = (i * 31 + seed) & 0xff;
        // Piece sizes from `cuts`, the last piece taking the rest.
        const pieces: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) {
          if (at >= total) break;
          const n = Math.min(c, total - at);
          pieces.push(payload.subarray(at, at + n));
          at += n;
        }
        if (at < total || pieces.length === 0) pieces.push(payload.subarray(at));
        const r = new Reassembler(MIB);
        let received = 0;
        let result;
        for (const [i, piece] of pieces.entries()) {
          result = r.push(i === 0 ? { kind: 'fragment', sequence: i, totalLength: total, payload: piece } : { kind: 'fragment', sequence: i, payload: piece });
          received += piece.length;
          if (i < pieces.length - 1 && received < total) {
            expect(result).to.deep.equal({ kind: 'pending' });
            expect(r.heldBytes).to.be.at.most(Math.max(2 * received, 4096));
          }
        }
        expect(result?.kind).to.equal('payload');
        expect(result?.kind === 'payload' && Buffer.from(result.payload).equals(Buffer.from(payload))).to.equal(true);
        expect(r.heldBytes).to.equal(0);
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});
