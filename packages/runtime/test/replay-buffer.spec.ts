import { expect } from 'chai';
import fc from 'fast-check';
import { ReplayBuffer } from '@rxmsg/runtime/internal';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

/** What `replayFrom(offset)` hands over: data as arrays of numbers, the end as `'end'`. */
function replayed(buffer: ReplayBuffer, offset: number): (number[] | 'end')[] | false {
  const out: (number[] | 'end')[] = [];
  const ok = buffer.replayFrom(offset, (chunk, end) => out.push(end ? 'end' : [...chunk]));
  return ok ? out : false;
}

describe('ReplayBuffer', () => {
  it('counts what it holds by offset: sent, acked, bytes', () => {
    const b = new ReplayBuffer();
    b.append(bytes(1, 2, 3));
    b.append(bytes(4, 5));
    expect({ acked: b.acked, sent: b.sent, bytes: b.bytes }).to.deep.equal({ acked: 0, sent: 5, bytes: 5 });
    b.ack(2);
    expect({ acked: b.acked, sent: b.sent, bytes: b.bytes }).to.deep.equal({ acked: 2, sent: 5, bytes: 3 });
    b.ack(5);
    expect(b.bytes).to.equal(0);
  });

  it('trims by acknowledgements, whole chunks and inside one', () => {
    const b = new ReplayBuffer();
    b.append(bytes(1, 2, 3));
    b.append(bytes(4, 5));
    expect(b.ack(1)).to.equal(true);
    expect(replayed(b, 1)).to.deep.equal([[2, 3], [4, 5]]);
    expect(b.ack(4)).to.equal(true);
    expect(replayed(b, 4)).to.deep.equal([[5]]);
  });

  it('replays from any offset it holds, and refuses offsets outside [acked, sent]', () => {
    const b = new ReplayBuffer();
    b.append(bytes(1, 2, 3));
    b.append(bytes(4, 5));
    b.appendEnd();
    b.ack(1);
    expect(replayed(b, 2)).to.deep.equal([[3], [4, 5], 'end']);
    expect(replayed(b, 5)).to.deep.equal(['end']);
    expect(replayed(b, 6)).to.deep.equal([]);
    expect(replayed(b, 0)).to.equal(false);
    expect(replayed(b, 7)).to.equal(false);
    expect(b.ack(0)).to.equal(false);
    expect(b.ack(7)).to.equal(false);
    expect(b.acked).to.equal(1);
  });

  it('counts the end as one offset, acknowledged like data', () => {
    const b = new ReplayBuffer();
    b.append(bytes(9));
    expect(b.ended).to.equal(false);
    b.appendEnd();
    expect(b.ended).to.equal(true);
    expect(b.sent).to.equal(2);
    b.ack(2);
    expect(b.bytes).to.equal(0);
    // Still ended once everything, the end included, was acknowledged.
    expect(b.ended).to.equal(true);
  });

  it('property: after any appends and acks, a replay from the acked offset gives exactly the unacknowledged bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 20 }).map((a) => ({ append: a })), fc.nat({ max: 30 }).map((n) => ({ ack: n }))), { maxLength: 60 }), (ops) => {
        const b = new ReplayBuffer();
        const all: number[] = [];
        let acked = 0;
        for (const op of ops) {
          if ('append' in op) {
            b.append(op.append.slice());
            all.push(...op.append);
          } else {
            const to = Math.min(all.length, acked + op.ack);
            expect(b.ack(to)).to.equal(true);
            acked = to;
          }
          expect(b.bytes).to.equal(all.length - acked);
        }
        const out: number[] = [];
        b.replayFrom(acked, (chunk) => out.push(...chunk));
        expect(out).to.deep.equal(all.slice(acked));
      }),
      { numRuns: 200 },
    );
  });
});
