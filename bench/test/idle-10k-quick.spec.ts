import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from '../src/report';
import { runQuickBench, type QuickRun } from './support/run-quick';

/**
 * `npm run bench -- --quick --workload idle-10k` end to end: the compiled harness (built by
 * `tsc -b bench`) opens the quick count of idle connections for every stream system, reports the
 * client's RSS and JS heap and the server's RSS per idle connection, n/a with its reason for the
 * others, and writes its JSON to the given directory. Says nothing about speed or memory sizes.
 */
const SCRIPT = join(__dirname, '..', 'dist', 'run.js');

/** A guard against a hung harness only: a quick run takes about 30 s on a loaded 2-core machine. */
const HANG_GUARD_MS = 240_000;

const MEASURED = ['rxmsg-tcp-text', 'rxmsg-tcp-binary', 'rxmsg-unix-text', 'rxmsg-ws-text', 'rxmsg-ws-binary', 'raw-tcp-json', 'ws-json', 'socket-io', 'rsocket-tcp'];
const NOT_APPLICABLE = ['rxmsg-cluster2-tcp-text', 'rxmsg-soe-text', 'rxmsg-soe-text-loss0', 'raw-tcp-json-batch64', 'raw-udp-json'];

/** The harness under a lowered soft limit on open files (`ulimit -n` in a shell). */
function runWithFileLimit(limit: number, args: readonly string[]): Promise<QuickRun> {
  const command = `ulimit -n ${limit} && exec "$0" "$@"`;
  const child = spawn('sh', ['-c', command, process.execPath, SCRIPT, '--quick', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, out });
    }),
  );
}

describe('bench --quick --workload idle-10k', function () {
  this.timeout(HANG_GUARD_MS + 10_000);
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rxmsg-bench-idle-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports client and server memory per idle connection for every stream system, n/a for the others', async function () {
    if (!existsSync(SCRIPT)) this.skip(); // not built: `npx tsc -b bench` first
    const { code, out } = await runQuickBench(SCRIPT, HANG_GUARD_MS, ['--workload', 'idle-10k', '--out', dir, '--no-markdown']);
    expect(code, out).to.equal(0);
    expect(out).to.include('| system | connections opened/s | client RSS per idle connection, KiB | client JS heap per idle connection, KiB | server RSS per idle connection, KiB |');
    const kib = '-?\\d+\\.\\d';
    for (const s of MEASURED) {
      // A run out of time on a loaded machine shows as `failed` and is named on the "no sample" line.
      const row = new RegExp(`^\\| \`${s}\` \\| (?:[\\d,]+ \\| ${kib} \\| ${kib} \\| ${kib}|failed \\| – \\| – \\| –) \\|$`, 'm');
      expect(out, s).to.match(row);
      if (new RegExp(`^\\| \`${s}\` \\| failed`, 'm').test(out)) expect(out).to.match(new RegExp(`no sample .*idle-10k × ${s}`));
    }
    for (const s of NOT_APPLICABLE) expect(out, s).to.match(new RegExp(`^\\| \`${s}\` \\| n/a[¹²³⁴⁵]`, 'm'));
    expect(out).to.match(/idle-10k client RSS per connection \| idle-10k client JS heap per connection \| idle-10k server RSS per connection/);

    const file = readdirSync(dir).find((f) => f.endsWith('-quick.json'));
    expect(file, out).to.not.equal(undefined);
    const report = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as BenchReport;
    const runs = report.runs.filter((r) => r.result !== undefined);
    expect(runs.length, out).to.be.greaterThan(0);
    for (const r of runs) {
      expect(r.result!.clientMemory?.connections, r.system).to.equal(50);
      expect(r.result!.clientMemory?.perConnectionHeapBytes, r.system).to.be.a('number');
      expect(r.result!.serverRss?.connections, r.system).to.equal(50);
      expect(r.result!.count, r.system).to.equal(50);
    }
  });

  it('stops with the `ulimit -n` to use when the named workload needs more file descriptors than the soft limit', async function () {
    if (!existsSync(SCRIPT)) this.skip();
    const { code, out } = await runWithFileLimit(100, ['--workload', 'idle-10k', '--out', dir]);
    expect(code, out).to.equal(2);
    expect(out).to.match(/idle-10k: 50 connections need about 114 file descriptors per process but the soft limit is 100: .*`ulimit -n 164`/);
  });

  it('skips, with the reason as its n/a footnote, a workload that needs more file descriptors than the soft limit when not named', async function () {
    if (!existsSync(SCRIPT)) this.skip();
    const { code, out } = await runWithFileLimit(100, ['--system', 'raw-tcp-json', '--out', dir, '--no-markdown']);
    expect(code, out).to.equal(0);
    expect(out).to.match(/^skipping idle-10k: 50 connections need about 114 file descriptors/m);
    const idle = out.slice(out.indexOf('### idle-10k\n'));
    expect(idle, out).to.match(/^\| `raw-tcp-json` \| n\/a¹ \|$/m);
    expect(idle).to.match(/¹ n\/a: skipped in this run: 50 connections need about 114 file descriptors per process but the soft limit is 100: .*`ulimit -n 164`/);
    // The workloads within the limit ran.
    expect(out).to.match(/^\| `raw-tcp-json` \| [\d,]+ \| [\d.,]+ \| [\d.,]+ \| [\d.]+ \|$/m);
  });
});
