import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { PendingReplies, type ReplyWaiter } from '../src/pending-replies';

function waiter(log: string[], expected = 1): ReplyWaiter {
  let got = 0;
  return {
    reply: (from, body) => (log.push(`reply ${from} ${String(body)}`), ++got === expected),
    timeout: () => log.push('timeout'),
    abort: (e) => log.push(`abort ${e.message}`),
  };
}

describe('PendingReplies (virtual time)', () => {
  it('settles a request on its reply, ignores late and unknown replies, times out the others', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const pending = new PendingReplies(10, scheduler);
    const log: string[] = [];
    const a = pending.open(1_000, waiter(log))!;
    const b = pending.open(1_000, waiter(log, 2))!;
    pending.reply(a, 1, 'x');
    pending.reply(a, 1, 'again');
    pending.reply(999, 1, 'unknown');
    pending.reply(b, 2, 'first');
    scheduler.flush();
    expect(log).to.deep.equal(['reply 1 x', 'reply 2 first', 'timeout']);
    expect(pending.size).to.equal(0);
    expect(scheduler.actions).to.have.length(0);
  });

  it('is bounded: past the limit it refuses; abortAll fails the open ones and clears their timers', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const pending = new PendingReplies(2, scheduler);
    const log: string[] = [];
    expect(pending.open(1_000, waiter(log))).to.be.a('number');
    expect(pending.open(1_000, waiter(log))).to.be.a('number');
    expect(pending.open(1_000, waiter(log))).to.equal(undefined);
    pending.abortAll(new Error('closed'));
    expect(log).to.deep.equal(['abort closed', 'abort closed']);
    expect(pending.size).to.equal(0);
    scheduler.flush();
    expect(log).to.have.length(2);
  });
});
