import { execFile } from 'node:child_process';

/** What a finished child process left behind. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a process that must not see the monorepo: no `npm_*` variables (`npm test`
 * sets `npm_config_local_prefix` and friends, which would point a nested npm at the workspace
 * root), no `NODE_OPTIONS` (mocha's `--conditions=@rxmsg/source` must not leak), no `NODE_PATH`,
 * no ts-node settings.
 */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_OPTIONS$|NODE_PATH$|TS_NODE_|INIT_CWD$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Run `file` with `args` in `cwd` under {@link cleanEnv}; resolves with the exit code and output
 * (never rejects on a non-zero exit: callers assert on it and print the output).
 */
export function cleanRun(file: string, args: readonly string[], cwd: string, extraEnv: Readonly<Record<string, string>> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env: cleanEnv(extraEnv), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') return reject(error);
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** A failure message with the command's output, for `expect(..., message)`. */
export function describeRun(what: string, r: RunResult): string {
  return `${what} exited with ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}
