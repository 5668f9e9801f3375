import { spawn } from 'node:child_process';

/** What a quick bench run printed (stdout and stderr, interleaved) and how it exited. */
export interface QuickRun {
  readonly code: number | null;
  readonly out: string;
}

/**
 * Runs a compiled bench script with `--quick` (and `args`) and collects its output. `hangGuardMs` only guards
 * against a hung script (the child is killed with SIGKILL past it); it says nothing about speed.
 */
export async function runQuickBench(script: string, hangGuardMs: number, args: readonly string[] = []): Promise<QuickRun> {
  const child = spawn(process.execPath, [script, '--quick', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), hangGuardMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(guard);
  return { code, out };
}
