'use strict';
// `npm run test:loaded`: the whole mocha suite RUNS times in a row while another process keeps
// one core busy, as on a loaded CI machine. Prints each run's "N passed, N failed, N skipped"
// line and its wall time; exits non-zero if any run failed. The busy process is bounded (it
// stops by itself after BUSY_LIMIT_MS) and is killed when this script ends, whatever the outcome.
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const RUNS = 3;
/** The busy loop ends by itself after this long, even if this script is killed without cleanup. */
const BUSY_LIMIT_MS = 60 * 60 * 1000;
const ROOT = join(__dirname, '..');
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

const busy = spawn(process.execPath, ['-e', `const end = Date.now() + ${BUSY_LIMIT_MS}; while (Date.now() < end) {}`], { stdio: 'ignore' });
function stopBusy() {
  if (busy.exitCode === null && busy.signalCode === null) busy.kill('SIGKILL');
}
process.on('exit', stopBusy);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopBusy();
    process.exit(1);
  });
}

/** Run mocha once with the root .mocharc.json, echoing its output; resolves with its exit code and summary line. */
function runSuite() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MOCHA], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (text) => {
      tail = (tail + text).slice(-4096);
    };
    child.stdout.setEncoding('utf8').on('data', (t) => {
      process.stdout.write(t);
      keep(t);
    });
    child.stderr.setEncoding('utf8').on('data', (t) => {
      process.stderr.write(t);
      keep(t);
    });
    child.on('close', (code, signal) => {
      const lines = tail.split('\n').filter((l) => /^\d+ passed, \d+ failed/.test(l));
      resolve({ code: code ?? 1, signal, summary: lines.at(-1) ?? 'no summary line' });
    });
  });
}

async function main() {
  const results = [];
  const started = Date.now();
  for (let i = 1; i <= RUNS; i++) {
    process.stdout.write(`\n=== test:loaded run ${i} of ${RUNS} (one core kept busy by pid ${busy.pid}) ===\n`);
    const t0 = Date.now();
    const r = await runSuite();
    results.push({ ...r, seconds: (Date.now() - t0) / 1000 });
  }
  stopBusy();
  process.stdout.write(`\n=== test:loaded: ${RUNS} runs with one core busy, ${((Date.now() - started) / 1000).toFixed(0)} s in all ===\n`);
  results.forEach((r, i) => {
    const status = r.code === 0 ? 'ok' : `FAILED (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})`;
    process.stdout.write(`run ${i + 1}: ${r.summary} — ${r.seconds.toFixed(0)} s — ${status}\n`);
  });
  process.exitCode = results.every((r) => r.code === 0 && /^\d+ passed, 0 failed/.test(r.summary)) ? 0 : 1;
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
}).finally(stopBusy);
