import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runQuickBench } from './support/run-quick';

/**
 * `npm run bench:metrics -- --quick` end to end: the compiled script (built by `tsc -b bench`) runs
 * both workloads with and without metrics in a tiny configuration, prints the table and exits with
 * its load processes gone, writing nothing. Says nothing about speed.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'metrics-cost.js');

/** A guard against a hung script only: a quick run takes about 15 s on a loaded machine. */
const HANG_GUARD_MS = 180_000;

describe('bench:metrics --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('measures a server with and without metrics and exits', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS);
    expect(code, out).to.equal(0);
    expect(out).to.match(/^\| one-way \(16 connections\) \| [\d,]+ \| [\d,]+ \| \d+\.\d\d \| \d+\.\d\d–\d+\.\d\d \| (?:\d+\.\d\d|-) \|$/m);
    expect(out).to.match(/^\| fan-in-200 \(\d+ connections\) \| [\d,]+ \| [\d,]+ \| \d+\.\d\d \| \d+\.\d\d–\d+\.\d\d \| (?:\d+\.\d\d|-) \|$/m);
    expect(out).to.match(/\d+ cores, \d+% of the CPU time free/);
    expect(out).to.not.include('written to');
  });
});
