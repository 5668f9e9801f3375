import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';

const ROOT = join(__dirname, '..');

/** README "Development": `npm run test:file -- <spec>` runs only the files named. */
describe('npm run test:file', () => {
  it('runs only the spec file it is given (the root config would add every spec)', function () {
    this.timeout(120_000);
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['test:file']).to.equal('tsc -b && mocha --config test/one-file.mocharc.json');
    const mocha = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const out = execFileSync(process.execPath, [mocha, '--config', 'test/one-file.mocharc.json', '--dry-run', '--reporter', 'json', 'examples/hello/test/hello-serve.spec.ts'], { cwd: ROOT, encoding: 'utf8' });
    const report = JSON.parse(out.slice(out.indexOf('{'))) as { stats: { tests: number }; tests: { fullTitle: string }[] };
    expect(report.stats.tests).to.equal(1);
    expect(report.tests[0]!.fullTitle).to.match(/^the hello example served by hand/);
  });
});

/** README "Development", install scripts: `npm ci` has no dependency script left to warn about. */
describe('npm ci and install scripts', () => {
  it('prints no warning about unreviewed install scripts (allowScripts covers them)', function () {
    this.timeout(120_000);
    const run = spawnSync('npm', ['ci', '--offline', '--dry-run', '--no-audit', '--no-fund'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).to.equal(0);
    // npm prints its warnings on stderr.
    expect(`${run.stdout}${run.stderr}`).to.not.match(/install-scripts/);
  });
});
