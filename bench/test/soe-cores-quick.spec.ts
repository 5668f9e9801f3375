import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench:soe-cores -- --quick` end to end: the compiled harness (built by `tsc -b bench`)
 * starts 1 then 2 SOE server processes and a load process, prints one row per configuration and
 * a ratio (or "no sample"), and exits with every child gone. Says nothing about speed.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'soe-cores.js');

/** A guard against a hung harness only: a quick run takes ~20 s on a busy 2-core machine. */
const HANG_GUARD_MS = 120_000;

describe('bench:soe-cores --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('measures 1 and 2 servers and exits', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const child = spawn(process.execPath, [SCRIPT, '--quick', '--clients', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.resume();
    const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(guard);
    expect(code, out).to.equal(0);
    const rows = out.split('\n').filter((l) => /^\| 1 \| [12] \|/.test(l));
    expect(rows, out).to.have.length(2);
    expect(out).to.match(/ratio 2\/1 (\d+\.\d+×|no sample)/);
    expect(out).to.match(/\d+ cores/);
  });
});
