import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runQuickBench } from './support/run-quick';

/**
 * `npm run bench:binary -- --quick` end to end: the compiled script (built by `tsc -b bench`) runs
 * the rxmsg binary and text systems over TCP and WebSocket on pipelined and fan-in-200 with the
 * quick counts, prints the table of rates and binary / text ratios, and writes nothing. Says nothing about speed.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'binary-path.js');

/** A guard against a hung script only: a quick run takes about a minute on a loaded machine. */
const HANG_GUARD_MS = 240_000;

describe('bench:binary --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('compares binary with text over TCP and WebSocket on every workload and exits', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS);
    expect(code, out).to.equal(0);
    // A run that missed its time limit on a loaded machine shows as `–` and is listed under the table.
    const figure = '(?:[\\d,]+|–)';
    for (const w of ['pipelined', 'fan-in-200']) {
      for (const t of ['tcp', 'ws']) {
        expect(out).to.match(new RegExp(`^\\| ${w} \\| ${t} \\| ${figure} \\| ${figure} \\| (?:\\d+\\.\\d\\d×|–) \\| (?:\\d+\\.\\d\\d–\\d+\\.\\d\\d|–) \\|$`, 'm'));
      }
    }
    expect(out).to.match(/\d+ cores, \d+% of the CPU time free/);
    expect(out).to.not.include('written to');
  });
});
