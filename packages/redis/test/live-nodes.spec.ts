import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { LiveNodes } from '../src/live-nodes';

describe('LiveNodes (virtual time)', () => {
  it('a node is alive for the TTL after each heartbeat; a goodbye forgets it at once', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const live = new LiveNodes(1_000, 10, scheduler);
    live.heard(3);
    live.heard(5, 200); // read from Redis with 200 ms left
    expect(live.list()).to.deep.equal([3, 5]);
    scheduler.schedule(() => {
      expect(live.alive(5)).to.equal(false);
      expect(live.alive(3)).to.equal(true);
      live.heard(3);
    }, 500);
    scheduler.schedule(() => expect(live.alive(3)).to.equal(true), 1_400);
    scheduler.schedule(() => expect(live.alive(3)).to.equal(false), 1_500);
    scheduler.flush();
    live.heard(7);
    live.gone(7);
    expect(live.alive(7)).to.equal(false);
  });

  it('tracks at most `limit` nodes: a heartbeat from one more is ignored until an expired one is pruned', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const live = new LiveNodes(1_000, 2, scheduler);
    live.heard(1, 100);
    live.heard(2);
    live.heard(3);
    expect(live.list()).to.deep.equal([1, 2]);
    scheduler.schedule(() => live.heard(3), 200);
    scheduler.flush();
    expect(live.list()).to.deep.equal([2, 3]);
  });
});
