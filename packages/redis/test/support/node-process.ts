import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..', '..', '..');
const FIXTURE = join(__dirname, '..', 'fixtures', 'chat-node-process.ts');

/** A chat node running in its own process (see fixtures/chat-node-process.ts). */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly address: string;
  readonly node: number;
  /** Every JSON line it printed after `ready` (its room-error events). */
  readonly lines: Record<string, unknown>[];
  /** Resolves when it exited. */
  readonly exited: Promise<void>;
  /** SIGKILL (if still running) and wait for the exit. */
  kill(): Promise<void>;
}

/** Start a chat node process on the TypeScript sources; resolves once it listens (generous timeout: ts-node on a loaded machine). */
export function startNodeProcess(options: Record<string, unknown>, timeoutMs = 60_000): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--conditions=@rxmsg/source', '-r', 'ts-node/register/transpile-only', FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, RXMSG_REDIS_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let status = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      status = signal === null ? `code ${code}` : `signal ${signal}`;
      resolve();
    }),
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
  const lines: Record<string, unknown>[] = [];
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void kill().then(() => reject(new Error(`node process did not start: ${stderr}`))), timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`node process exited before it was ready (${status}): ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not ours (a warning)
      }
      if (typeof value['ready'] === 'string') {
        clearTimeout(timer);
        resolve({ child, address: value['ready'], node: Number(value['node']), lines, exited, kill });
      } else lines.push(value);
    });
  });
}
