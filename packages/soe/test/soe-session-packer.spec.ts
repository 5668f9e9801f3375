import { expect } from 'chai';
import fc from 'fast-check';
import { ReceiveSequencer, decodeSoeDatagram, packSubPackets, type SequencedPacket, type SoeSubPacket } from '@rxmsg/soe/internal';
import { type SoeSessionParams } from '@rxmsg/soe';

const subPacket: fc.Arbitrary<SoeSubPacket> = fc.oneof(
  fc.record({ kind: fc.constant('acknowledge' as const), sequence: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ kind: fc.constant('out-of-order' as const), sequence: fc.integer({ min: 0, max: 0xffff }) }),
  fc.constant({ kind: 'heartbeat' as const }),
  fc.record({ kind: fc.constant('reliable-data' as const), sequence: fc.integer({ min: 0, max: 0xffff }), data: fc.uint8Array({ maxLength: 300 }) }),
);

describe('packSubPackets', () => {
  it('packs sub-packets in order into datagrams within the UDP length, MultiPacket when several fit', () => {
    fc.assert(
      fc.property(
        fc.array(subPacket, { maxLength: 400 }),
        fc.constantFrom<SoeSessionParams>({ crcSeed: 5, crcLength: 2, compression: false }, { crcSeed: 9, crcLength: 4, compression: true }),
        (packets, params) => {
          const udpLength = 320 + 2 + 2 + 1 + 4;
          const datagrams = packSubPackets(packets, params, udpLength, false);
          const back: SoeSubPacket[] = [];
          for (const d of datagrams) {
            expect(d.length).to.be.at.most(udpLength);
            const p = decodeSoeDatagram(d, params);
            if (p.kind === 'multi-packet') {
              expect(p.packets.length).to.be.greaterThan(1);
              back.push(...p.packets);
            } else back.push(p as SoeSubPacket);
          }
          const norm = (x: readonly SoeSubPacket[]): unknown => JSON.parse(JSON.stringify(x, (_, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
          expect(norm(back)).to.deep.equal(norm(packets));
          if (packets.length > 1 && packets.every((p) => p.kind !== 'reliable-data')) expect(datagrams.length).to.be.lessThan(packets.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('ReceiveSequencer', () => {
  const first = (sequence: number, total: number, data: number[]): SequencedPacket => {
    const payload = new Uint8Array(4 + data.length);
    new DataView(payload.buffer).setUint32(0, total);
    payload.set(data, 4);
    return { kind: 'fragment', sequence, payload };
  };

  it('releases packets in order and joins each first fragment to its complete length', () => {
    const s = new ReceiveSequencer(0, 8, 1000);
    expect(s.accept({ kind: 'fragment', sequence: 2, payload: new Uint8Array([5]) })).to.deep.equal({ kind: 'packets', packets: [] });
    expect(s.accept(first(3, 2, [6, 7]))).to.deep.equal({ kind: 'packets', packets: [] });
    expect(s.takeNotices()).to.deep.equal([2, 3]);
    const r = s.accept({ kind: 'data', sequence: 0, payload: new Uint8Array([1]) });
    expect(r.kind === 'packets' ? r.packets.map((p) => p.sequence) : r).to.deep.equal([0]);
    const r2 = s.accept(first(1, 3, [2, 3]));
    expect(r2).to.deep.equal({
      kind: 'packets',
      packets: [
        { kind: 'fragment', sequence: 1, totalLength: 3, payload: new Uint8Array([2, 3]) },
        { kind: 'fragment', sequence: 2, payload: new Uint8Array([5]) },
        { kind: 'fragment', sequence: 3, totalLength: 2, payload: new Uint8Array([6, 7]) },
      ],
    });
    expect(s.stashedPackets).to.equal(0);
  });

  it('drops packets beyond the window and duplicates of stashed ones, and passes duplicates behind it on', () => {
    const s = new ReceiveSequencer(65530, 4, 1000);
    s.accept({ kind: 'data', sequence: 65532, payload: new Uint8Array() });
    s.accept({ kind: 'data', sequence: 65532, payload: new Uint8Array() });
    s.accept({ kind: 'data', sequence: 65534, payload: new Uint8Array() });
    expect(s.stats()).to.deep.equal({ stashed: 1, droppedBeyondWindow: 1, duplicates: 1 });
    expect(s.accept({ kind: 'data', sequence: 65000, payload: new Uint8Array() })).to.deep.include({ kind: 'packets' });
  });

  it('refuses a complete length over the maximum', () => {
    const s = new ReceiveSequencer(0, 4, 100);
    const r = s.accept(first(0, 101, [1]));
    expect(r.kind).to.equal('failed');
    expect(r.kind === 'failed' ? r.error.code : '').to.equal('SOE_TOO_LARGE');
  });
});
