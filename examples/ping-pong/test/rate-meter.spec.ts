import { expect } from 'chai';
import { RateMeter } from '@rxmsg-examples/ping-pong';

describe('RateMeter', () => {
  it('tells events per second over the last second, forgetting older ones', () => {
    const meter = new RateMeter();
    meter.add(30, 1000);
    meter.add(20, 1450);
    expect(meter.perSecond(1500)).to.equal(50);
    expect(meter.perSecond(2050)).to.equal(20);
    expect(meter.perSecond(2500)).to.equal(0);
  });

  it('scales to its window and ignores zero, negative and non-finite counts', () => {
    const meter = new RateMeter(500);
    for (const n of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) meter.add(n, 100);
    expect(meter.perSecond(100)).to.equal(0);
    meter.add(10, 100);
    expect(meter.perSecond(200)).to.equal(20);
  });

  it('keeps at most a window of buckets however many events it counts', () => {
    const meter = new RateMeter();
    for (let t = 0; t < 100_000; t++) meter.add(1, t);
    // The last second: 1000 events, one per ms.
    expect(meter.perSecond(99_999)).to.be.within(900, 1000);
    expect((meter as unknown as { buckets: unknown[] }).buckets.length).to.be.at.most(11);
  });
});
