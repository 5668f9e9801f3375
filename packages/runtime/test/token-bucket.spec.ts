import { expect } from 'chai';
import { TokenBucket } from '@rxmsg/runtime/internal';

describe('TokenBucket', () => {
  it('starts full: a burst of `burst` tokens, then none', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).to.deep.equal([true, true, true, false]);
  });

  it('refills at `rate` tokens per second', () => {
    const b = new TokenBucket(10, 1, 0);
    expect(b.take(0)).to.equal(true);
    expect(b.take(50)).to.equal(false);
    expect(b.take(100)).to.equal(true);
    expect(b.take(150)).to.equal(false);
  });

  it('never holds more than `burst` however long it waited', () => {
    const b = new TokenBucket(1000, 2, 0);
    b.take(0);
    b.take(0);
    const later = 1_000_000;
    expect([b.take(later), b.take(later), b.take(later)]).to.deep.equal([true, true, false]);
  });

  it('waitMs is 0 with a token, else the time until the next one', () => {
    const b = new TokenBucket(4, 1, 0);
    expect(b.waitMs(0)).to.equal(0);
    b.take(0);
    expect(b.waitMs(0)).to.equal(250);
    expect(b.waitMs(100)).to.equal(150);
    expect(b.waitMs(250)).to.equal(0);
    expect(b.take(250)).to.equal(true);
  });

  it('a clock going backwards adds nothing and does not rewind the refill', () => {
    const b = new TokenBucket(10, 1, 1000);
    b.take(1000);
    expect(b.take(0)).to.equal(false);
    expect(b.waitMs(0)).to.equal(100);
    // Time is measured from the latest reading (1000), not from the backward one.
    expect(b.take(1050)).to.equal(false);
    expect(b.take(1100)).to.equal(true);
  });
});
