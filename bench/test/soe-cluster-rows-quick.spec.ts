import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runQuickBench } from './support/run-quick';

/**
 * The SOE and cluster rows of `npm run bench -- --quick` end to end: `rxmsg-soe-text` runs the
 * fan-in and handover workloads, `rxmsg-cluster2-tcp-text` the fan-in ones (a cluster of 2
 * workers in the server process) and says n/a, with its reason, to the single-connection ones.
 * Says nothing about speed.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'run.js');

/** A guard against a hung harness only: a quick run takes about 40 s on a loaded 2-core machine. */
const HANG_GUARD_MS = 240_000;

describe('bench --quick: SOE and cluster rows', function () {
  this.timeout(HANG_GUARD_MS + 10_000);
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rxmsg-bench-rows-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs fan-in-200, fan-in-2000 and handover over SOE, the fan-ins on a 2-worker cluster, n/a with reasons elsewhere', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const args = ['--workload', 'ping-pong,fan-in-200,fan-in-2000,handover', '--system', 'rxmsg-soe-text,rxmsg-cluster2-tcp-text', '--out', dir, '--no-markdown'];
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS, args);
    expect(code, out).to.equal(0);
    const tableOf = (w: string): string => out.slice(out.indexOf(`### ${w}\n`), out.indexOf('\n\n###', out.indexOf(`### ${w}\n`) + 1));
    // A run out of time on a loaded machine shows as `failed` and is named on the "no sample" line.
    const measured = (w: string, s: string): void => {
      const table = tableOf(w);
      expect(table, `${w} ${s}`).to.match(new RegExp(`^\\| \`${s}\` \\| (?:[\\d,]+|failed) \\|`, 'm'));
      if (new RegExp(`^\\| \`${s}\` \\| failed`, 'm').test(table)) expect(out).to.match(new RegExp(`no sample .*${w} × ${s}`));
    };
    for (const w of ['ping-pong', 'fan-in-200', 'fan-in-2000', 'handover']) measured(w, 'rxmsg-soe-text');
    for (const w of ['fan-in-200', 'fan-in-2000']) measured(w, 'rxmsg-cluster2-tcp-text');
    for (const w of ['ping-pong', 'handover']) expect(tableOf(w), w).to.match(/^\| `rxmsg-cluster2-tcp-text` \| n\/a¹ \|/m);
    expect(out).to.include('¹ n/a: one connection lands on one worker');
    // The cluster's server process is its primary: no server RSS per connection for it.
    expect(tableOf('fan-in-2000')).to.match(/^\| `rxmsg-cluster2-tcp-text` \| (?:[\d,]+ \| [\d.,]+ \| [\d.,]+|failed \| – \| –) \| – \|$/m);
    expect(out).to.not.include('issue 12');
  });
});
