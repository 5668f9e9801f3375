import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { AggregatedReporter } from '../src/aggregated-reporter';

describe('AggregatedReporter (virtual time)', () => {
  it('reports the first failure at once, then at most one report per interval with the count, and the rest on close', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const reports: [number, number, string][] = [];
    const reporter = new AggregatedReporter((count, cause) => reports.push([scheduler.now(), count, String(cause)]), 1_000, scheduler);
    reporter.add(1, 'a');
    expect(reports).to.deep.equal([[0, 1, 'a']]);
    // 300 more within the first second: one report at t=1000 with all of them and the latest cause.
    for (let i = 0; i < 300; i++) scheduler.schedule(() => reporter.add(1, `b${i}`), i);
    scheduler.schedule(() => reporter.add(5, 'late'), 2_500);
    scheduler.schedule(() => reporter.add(2, 'last'), 2_600);
    scheduler.flush();
    expect(reports).to.deep.equal([
      [0, 1, 'a'],
      [1_000, 300, 'b299'],
      [2_500, 5, 'late'],
      [3_500, 2, 'last'],
    ]);
    expect(reporter.count).to.equal(308);
  });

  it('close reports what is still counted and leaves no timer', () => {
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const reports: number[] = [];
    const reporter = new AggregatedReporter((count) => reports.push(count), 1_000, scheduler);
    reporter.add(1, 'x');
    reporter.add(4, 'y');
    reporter.close();
    expect(reports).to.deep.equal([1, 4]);
    expect(scheduler.actions).to.have.length(0);
  });
});
