import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The built bin the tests spawn (`npx tsc -b` builds it; `npm test` builds first). */
export const BIN = join(__dirname, '..', '..', 'dist', 'bin.js');

/** Throw unless each `src/x.ts` has a `dist/x.js` at least as new: a stale build would test old code. */
export function assertBuilt(): void {
  const src = join(__dirname, '..', '..', 'src');
  const dist = join(__dirname, '..', '..', 'dist');
  for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
    const out = join(dist, f.replace(/\.ts$/, '.js'));
    let built: number;
    try {
      built = statSync(out).mtimeMs;
    } catch {
      throw new Error(`${out} is missing: run npx tsc -b first`);
    }
    // tsc -b rewrites only the outputs that changed, so compare file by file.
    if (statSync(join(src, f)).mtimeMs > built) throw new Error(`${out} is older than src/${f}: run npx tsc -b first`);
  }
}

/** What a finished `rxmsg` run printed and its exit code. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a spawned bin: no colours forced, no terminal. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, FORCE_COLOR: _f, ...rest } = process.env;
  return { ...rest, ...extra };
}

/** Spawn `rxmsg args…`; `stdin` is written then closed (or left open when `undefined` and `keepStdin`). */
export function startCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: env(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
}

/** Run `rxmsg args…` to its end, feeding `stdin`; killed (and the promise rejected) after `limitMs`. */
export function runCli(args: readonly string[], options: { stdin?: string; env?: Record<string, string>; limitMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const child = startCli(args, options);
  return collect(child, options.stdin ?? '', options.limitMs ?? 45_000);
}

/** Wait for `child` to exit, feeding `stdin` and collecting its output. */
export function collect(child: ChildProcess, stdin: string, limitMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.end(stdin);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rxmsg did not exit within ${limitMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolve with the first match of `pattern` in what `stream` prints (the child keeps running). */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp, limitMs = 30_000): Promise<RegExpExecArray> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer | string) => {
      seen += d.toString();
      const m = pattern.exec(seen);
      if (m !== null) done(() => resolve(m));
    };
    const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${limitMs} ms; saw: ${seen}`))), limitMs);
    const done = (then: () => void) => {
      clearTimeout(timer);
      stream.off('data', onData);
      then();
    };
    stream.on('data', onData);
  });
}

/** Lines of `text` parsed as JSON. */
export function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}
