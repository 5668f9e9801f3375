import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../src/ws-path';
import { runQuickBench } from './support/run-quick';

/**
 * `npm run bench:ws -- --quick` end to end: the compiled script (built by `tsc -b bench`) runs
 * rxmsg-ws-text and ws-json on one-way, ping-pong and fan-in-200 with the quick counts, prints the
 * table with the rates, ratios and memory per idle connection, and writes nothing. Says nothing about speed.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'ws-path.js');

/** A guard against a hung script only: a quick run takes about 30 s on a loaded machine. */
const HANG_GUARD_MS = 240_000;

describe('bench:ws --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('median: the middle value, or the mean of the two middle ones; NaN for none', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([])).to.be.NaN;
  });

  it('compares rxmsg-ws-text with ws-json on every quick workload and exits', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS);
    expect(code, out).to.equal(0);
    // A run that missed its time limit on a loaded machine shows as `–` and is listed under the table.
    const figure = '(?:[\\d,]+|–)';
    for (const w of ['one-way', 'ping-pong', 'fan-in-200']) {
      expect(out).to.match(new RegExp(`^\\| ${w} \\| ${figure} \\| ${figure} \\| (?:\\d+\\.\\d\\d×|–) \\| (?:\\d+\\.\\d\\d–\\d+\\.\\d\\d|–) \\|$`, 'm'));
      if (new RegExp(`^\\| ${w} \\| –`, 'm').test(out)) expect(out).to.match(new RegExp(`Failed runs .*${w} rxmsg-ws-text`));
    }
    expect(out).to.match(/^\| RSS, fan-in-200 \| (?:-?\d+\.\d|–) \| (?:-?\d+\.\d|–) \| /m);
    expect(out).to.match(/^\| JS heap, fan-in-200 \| (?:-?\d+\.\d|–) \| (?:-?\d+\.\d|–) \| /m);
    expect(out).to.match(/\d+ cores, \d+% of the CPU time free/);
    expect(out).to.not.include('written to');
  });
});
