import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
/** A guard against a hung child only: the check itself ends a leaking run within seconds. */
const HANG_GUARD_MS = 120_000;

/** Run mocha with the open-handle check on one fixture; its exit code and output. */
function runFixture(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const args = [
      MOCHA,
      '--no-config',
      '--require',
      'ts-node/register',
      '--require',
      './test/open-handle-check.ts',
      '--extension',
      'ts',
      '--reporter',
      './test/summary-reporter.cjs',
      join('test', 'fixtures', 'open-handles', `${name}.fixture.ts`),
    ];
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('open-handle check (mocha root hook)', function () {
  this.timeout(HANG_GUARD_MS + 10_000);

  it('fails the run, names the handle and ends the process when a test leaves a server open', async () => {
    const { code, output } = await runFixture('leaky');
    expect(code, output).to.not.equal(0);
    expect(code, output).to.not.equal(null);
    expect(output).to.match(/^1 passed, 1 failed, 0 skipped$/m);
    expect(output).to.include('handles left open after all tests');
    expect(output).to.include('TCPServerWrap');
    expect(output).to.include('"address":"127.0.0.1"');
  });

  it('passes a run whose tests close what they open', async () => {
    const { code, output } = await runFixture('clean');
    expect(output).to.match(/^1 passed, 0 failed, 0 skipped$/m);
    expect(code, output).to.equal(0);
  });
});
