import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runQuickBench } from './support/run-quick';

/**
 * `npm run bench:decode -- --quick` end to end: the compiled script (built by `tsc -b bench`) runs
 * every receiver over sockets and every decoder in process in a tiny configuration, prints the table
 * and exits with its load processes gone, writing nothing. Says nothing about speed.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'decode-path.js');

/** A guard against a hung script only: a quick run takes about 10 s on a loaded machine. */
const HANG_GUARD_MS = 180_000;

describe('bench:decode --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('measures each receiver against the raw JSON server and exits', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS);
    expect(code, out).to.equal(0);
    const rate = '(?:[\\d,]+|no sample)';
    const ratio = '(?:\\d+\\.\\d\\d× \\(\\d+\\.\\d\\d–\\d+\\.\\d\\d\\)|-)';
    for (const system of ['raw-json', 'rxmsg-text', 'rxmsg-text-tag', 'rxmsg-binary']) {
      expect(out).to.match(new RegExp(`^\\| ${system} \\| ${rate} \\| ${ratio} \\| ${ratio} \\| ${rate} \\| ${ratio} \\|$`, 'm'));
    }
    for (const decoder of ['rxmsg-text-before', 'rxmsg-binary-before']) expect(out).to.match(new RegExp(`^\\| ${decoder} \\| - \\| - \\| - \\| ${rate} \\| ${ratio} \\|$`, 'm'));
    expect(out).to.match(/\d+ cores, \d+% of the CPU time free/);
    expect(out).to.not.include('written to');
  });
});
