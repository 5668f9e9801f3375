import { expect } from 'chai';
import { PollWindow } from '../src/poll-window';

/** Calls `keepPolling` until it answers `false`, at most `max` times; how many `true` answers came first. */
function pollsUntilWait(window: PollWindow, max = 1_000_000): number {
  let n = 0;
  while (n < max && window.keepPolling()) n++;
  return n;
}

describe('PollWindow', () => {
  it('keeps polling while a window is open, then waits: the window ends', () => {
    const w = new PollWindow(0.05, 4);
    const polls = pollsUntilWait(w);
    expect(polls).to.be.greaterThan(0);
    expect(polls).to.be.lessThan(1_000_000);
  });

  it('after a window that ran out, waits at once for the next backoff waits, then tries a window again', () => {
    const w = new PollWindow(0.05, 3);
    pollsUntilWait(w);
    expect([w.keepPolling(), w.keepPolling(), w.keepPolling()]).to.deep.equal([false, false, false]);
    expect(w.keepPolling()).to.equal(true);
  });

  it('a side that makes progress opens a new window each time the ring runs dry', () => {
    const w = new PollWindow(0.05, 3);
    for (let i = 0; i < 10; i++) {
      expect(w.keepPolling()).to.equal(true);
      w.progressed();
    }
  });

  it('with a zero-length window, polls once per window and otherwise waits', () => {
    const w = new PollWindow(0, 2);
    expect(w.keepPolling()).to.equal(true);
    expect(w.keepPolling()).to.equal(false);
    expect(w.keepPolling()).to.equal(false);
    expect(w.keepPolling()).to.equal(false);
    expect(w.keepPolling()).to.equal(true);
  });
});
