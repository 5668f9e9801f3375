import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench -- --quick` end to end: the compiled harness (built by `tsc -b`) runs every
 * workload against every system with tiny counts, in real child processes over loopback, and
 * writes a well-formed result and chart. Says nothing about speed.
 */
const RUN = join(__dirname, '..', 'bench', 'dist', 'run.js');

/**
 * A guard against a hung harness only, not a speed bound: each run has its own deadline, and a
 * quick run takes ~25 s on an idle 2-core machine but several times that on a loaded one.
 */
const HANG_GUARD_MS = 300_000;

const WORKLOADS = ['ping-pong', 'one-way', 'pipelined', 'fan-in-200', 'fan-in-2000', 'handover', 'idle-10k'];
const SYSTEMS = [
  'rxmsg-tcp-text',
  'rxmsg-tcp-binary',
  'rxmsg-unix-text',
  'rxmsg-ws-text',
  'rxmsg-ws-binary',
  'raw-tcp-json',
  'raw-tcp-json-batch64',
  'ws-json',
  'socket-io',
  'rsocket-tcp',
  'raw-udp-json',
  'rxmsg-soe-text',
  'rxmsg-soe-text-loss0',
  'rxmsg-soe-text-loss1',
  'rxmsg-soe-text-loss5',
  'rxmsg-cluster2-tcp-text',
];
const PEERS = ['ws-json', 'socket-io', 'rsocket-tcp'];

interface QuickReport {
  readonly mode: string;
  readonly workloads: readonly { readonly name: string }[];
  readonly systems: readonly { readonly name: string; readonly family: string }[];
  readonly peers: readonly string[];
  readonly notApplicable: readonly { readonly workload: string; readonly system: string; readonly reason: string }[];
  readonly runs: readonly { readonly workload: string; readonly system: string; readonly error?: string }[];
  readonly summaries: readonly {
    readonly workload: string;
    readonly system: string;
    readonly rate?: { readonly median: number };
    readonly rssPerConnectionBytes?: { readonly median: number };
    readonly notApplicable?: string;
  }[];
  readonly ratios: readonly { readonly workload: string; readonly system: string; readonly baseline: string; readonly against: string; readonly ratio: number }[];
  readonly chart: string;
}

function runQuick(outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, '--quick', '--no-markdown', '--out', outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('bench --quick', function () {
  this.timeout(HANG_GUARD_MS + 10_000);
  let outDir: string | undefined;
  let report: QuickReport;
  let output = '';

  before(async () => {
    expect(existsSync(RUN), `${RUN} is missing: build with \`npx tsc -b\``).to.equal(true);
    outDir = mkdtempSync(join(tmpdir(), 'rxmsg-bench-test-'));
    const run = await runQuick(outDir);
    output = run.output;
    expect(run.code, output).to.equal(0);
    const files = readdirSync(outDir).filter((f) => f.endsWith('-quick.json'));
    expect(files, output).to.have.length(1);
    report = JSON.parse(readFileSync(join(outDir, files[0]!), 'utf8')) as QuickReport;
  });

  after(() => {
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
    outDir = undefined;
  });

  it('runs every workload against every system without a failed run', () => {
    expect(report.mode).to.equal('quick');
    expect(report.workloads.map((w) => w.name)).to.deep.equal(WORKLOADS);
    expect(report.systems.map((s) => s.name)).to.include.members(SYSTEMS);
    expect(report.peers).to.include.members(PEERS);
    expect(report.runs.filter((r) => r.error !== undefined), output).to.deep.equal([]);
  });

  it('has a positive figure for every workload × system, or an n/a the system or workload declared', () => {
    const declared = new Map(report.notApplicable.map((n) => [`${n.workload} × ${n.system}`, n.reason]));
    for (const w of report.workloads) {
      for (const s of report.systems) {
        const where = `${w.name} × ${s.name}`;
        const summary = report.summaries.find((x) => x.workload === w.name && x.system === s.name);
        expect(summary, where).to.not.equal(undefined);
        if (declared.has(where)) {
          expect(summary?.notApplicable, where).to.equal(declared.get(where));
          expect(summary?.rate, where).to.equal(undefined);
          expect(report.runs.filter((r) => r.workload === w.name && r.system === s.name), where).to.deep.equal([]);
        } else {
          expect(summary?.rate?.median, where).to.be.a('number').above(0);
        }
      }
    }
    // The handover is n/a where rxmsg has no composite run of its own: peers, baselines, the binary twins, the SOE loss rows, the cluster.
    expect(report.notApplicable.every((n) => n.reason.length > 0)).to.equal(true);
    const handover = report.notApplicable.filter((n) => n.workload === 'handover').map((n) => n.system);
    expect(handover).to.have.members(report.systems.map((s) => s.name).filter((s) => !['rxmsg-tcp-text', 'rxmsg-unix-text', 'rxmsg-ws-text', 'rxmsg-soe-text'].includes(s)));
    // Anything else n/a is a UDP system (no connections to fan in or hold idle; pipelined through the loss proxy),
    // the cluster outside the multi-connection fan-ins (one connection lands on one worker; its memory lives in the
    // workers), or the batching baseline held idle (the same code as raw-tcp-json then).
    const udp = (name: string): boolean => name.startsWith('raw-udp') || name.startsWith('rxmsg-soe');
    const cluster = (n: { workload: string; system: string }): boolean => n.system === 'rxmsg-cluster2-tcp-text' && !n.workload.startsWith('fan-in');
    const idleTwin = (n: { workload: string; system: string }): boolean => n.system === 'raw-tcp-json-batch64' && n.workload === 'idle-10k';
    const other = report.notApplicable.filter((n) => n.workload !== 'handover' && !udp(n.system) && !cluster(n) && !idleTwin(n));
    expect(other).to.deep.equal([]);
  });

  it('reports the server RSS per idle connection in the fan-in workloads', () => {
    for (const s of report.systems) {
      for (const w of ['fan-in-200', 'fan-in-2000']) {
        const summary = report.summaries.find((x) => x.workload === w && x.system === s.name);
        if (summary?.notApplicable !== undefined) continue; // declared n/a (UDP systems), checked above
        if (s.name === 'rxmsg-cluster2-tcp-text') continue; // the workers hold the connections; the harness reads the primary only
        expect(summary?.rssPerConnectionBytes?.median, `${w} × ${s.name}`).to.be.a('number');
      }
    }
  });

  it('has ratios to both raw baselines and to every peer library', () => {
    const measured = (w: string, s: string): boolean => report.summaries.some((x) => x.workload === w && x.system === s && x.rate !== undefined);
    let expected = 0;
    for (const w of report.workloads) {
      for (const s of report.systems) {
        if (!measured(w.name, s.name)) continue;
        if (s.family !== 'baseline') expected += ['raw-tcp-json', 'raw-tcp-json-batch64'].filter((b) => measured(w.name, b)).length;
        if (s.family === 'rxmsg') expected += report.peers.filter((p) => measured(w.name, p)).length;
      }
    }
    expect(report.ratios).to.have.length(expected);
    for (const r of report.ratios) expect(r.ratio, `${r.workload} ${r.system} / ${r.baseline}`).to.be.above(0);
    for (const peer of PEERS) {
      expect(report.ratios.some((r) => r.against === 'peer' && r.baseline === peer && r.system === 'rxmsg-ws-text' && r.workload === 'pipelined')).to.equal(true);
    }
  });

  it('writes the throughput chart as an SVG that names every system', () => {
    const svg = readFileSync(join(outDir!, report.chart), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    for (const s of SYSTEMS) expect(svg, s).to.include(`>${s}</text>`);
  });
});
