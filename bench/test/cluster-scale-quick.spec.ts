import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runQuickBench } from './support/run-quick';

/**
 * `npm run bench:cluster -- --quick` end to end: the compiled harness (built by `tsc -b bench`)
 * runs both workloads with a 1-worker and a 2-worker cluster and a load process, prints one row
 * per configuration and a ratio (or "no sample"), and exits with every child gone. Says nothing
 * about speed.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'cluster-scale.js');

/** A guard against a hung harness only: a quick run takes ~45 s on a busy 2-core machine. */
const HANG_GUARD_MS = 240_000;

describe('bench:cluster --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('measures fan-in, one-way and one-way with server work, with 1 and 2 workers, and exits', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS);
    expect(code, out).to.equal(0);
    const rows = out.split('\n').filter((l) => /^\| 1 \| (fan-in-2000|one-way|one-way-work) \| [12] \|/.test(l));
    expect(rows, out).to.have.length(6);
    expect(out).to.match(/fan-in-2000: .*ratio 2\/1 (\d+\.\d+×|no sample)/);
    expect(out).to.match(/one-way: .*ratio 2\/1 (\d+\.\d+×|no sample)/);
    expect(out).to.match(/one-way-work: .*ratio 2\/1 (\d+\.\d+×|no sample)/);
    expect(out).to.match(/\d+ cores/);
  });
});
