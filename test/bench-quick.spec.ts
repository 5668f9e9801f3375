import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench -- --quick` end to end: the compiled harness (built by `tsc -b`) runs every
 * workload against every system with tiny counts, in real child processes over loopback, and
 * writes a well-formed result. Says nothing about speed.
 */
const RUN = join(__dirname, '..', 'bench', 'dist', 'run.js');

interface QuickReport {
  readonly mode: string;
  readonly workloads: readonly { readonly name: string }[];
  readonly systems: readonly { readonly name: string; readonly family: string }[];
  readonly runs: readonly { readonly workload: string; readonly system: string; readonly error?: string }[];
  readonly summaries: readonly { readonly workload: string; readonly system: string; readonly rate?: { readonly median: number } }[];
  readonly ratios: readonly { readonly ratio: number }[];
}

function runQuick(outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, '--quick', '--no-markdown', '--out', outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('bench --quick', function () {
  this.timeout(30_000);
  let outDir: string | undefined;

  afterEach(() => {
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
    outDir = undefined;
  });

  it('runs every workload against every system and reports a positive figure for each', async () => {
    expect(existsSync(RUN), `${RUN} is missing: build with \`npx tsc -b\``).to.equal(true);
    outDir = mkdtempSync(join(tmpdir(), 'rxmsg-bench-test-'));
    const { code, output } = await runQuick(outDir);
    expect(code, output).to.equal(0);
    const files = readdirSync(outDir).filter((f) => f.endsWith('-quick.json'));
    expect(files, output).to.have.length(1);
    const report = JSON.parse(readFileSync(join(outDir, files[0]!), 'utf8')) as QuickReport;

    expect(report.mode).to.equal('quick');
    expect(report.workloads.map((w) => w.name)).to.deep.equal(['ping-pong', 'one-way', 'pipelined']);
    expect(report.systems.map((s) => s.name)).to.include.members([
      'rxmsg-tcp-text',
      'rxmsg-tcp-binary',
      'rxmsg-unix-text',
      'raw-tcp-json',
      'raw-tcp-json-batch64',
    ]);
    expect(report.runs.filter((r) => r.error !== undefined)).to.deep.equal([]);
    for (const w of report.workloads) {
      for (const s of report.systems) {
        const summary = report.summaries.find((x) => x.workload === w.name && x.system === s.name);
        expect(summary?.rate?.median, `${w.name} × ${s.name}`).to.be.a('number').above(0);
      }
    }
    const compared = report.systems.filter((s) => s.family !== 'baseline').length;
    expect(report.ratios).to.have.length(compared * 2 * report.workloads.length);
    for (const r of report.ratios) expect(r.ratio).to.be.above(0);
  });
});
