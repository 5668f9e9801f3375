import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { requireRedisServer } from '@rxmsg/test-utils';
import { runQuickBench } from './support/run-quick';

/**
 * `npm run bench:redis -- --quick` end to end: the compiled script (built by `tsc -b bench`) starts
 * a private redis-server, two nodes, measures both modes in a tiny configuration, prints the table
 * and exits with every child gone, writing nothing. Says nothing about speed. Skipped like the
 * other Redis tests when redis-server is missing (a failure on CI).
 */
const SCRIPT = join(__dirname, '..', 'dist', 'redis-fanout.js');

/** A guard against a hung script only: a quick run takes a few seconds. */
const HANG_GUARD_MS = 120_000;

describe('bench:redis --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('measures local and cross-node broadcasts and exits', async function () {
    requireRedisServer(this);
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS);
    expect(code, out).to.equal(0);
    expect(out).to.match(/^\| local \(`B\.broadcast`\) \| [\d,]+ \| [\d,]+ \| \d+ \| \d+ \|$/m);
    expect(out).to.match(/^\| through Redis \(`A\.broadcast` → B\) \| [\d,]+ \| [\d,]+ \| \d+ \| \d+ \|$/m);
    expect(out).to.match(/Ratio redis\/local: rate \d+\.\d+×/);
    expect(out).to.match(/\d+ cores, \d+% of the CPU time free/);
    expect(out).to.not.include('written to');
  });
});
