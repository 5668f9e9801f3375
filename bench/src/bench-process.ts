import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ChildMessageSchema, type ChildMessage, type ParentMessage } from './ipc-messages';

/** Every child still alive, killed if the parent exits first. */
const live = new Set<BenchProcess>();
process.on('exit', () => {
  for (const p of live) p.kill();
});

/** How to start one child process. */
export interface ProcessOptions {
  /** `server` or `client`, for messages. */
  readonly role: string;
  /** CPU to pin it to with `taskset -c`, or `undefined` for no pinning. */
  readonly cpu: number | undefined;
  /** Extra Node options (`--cpu-prof`…). */
  readonly nodeArgs: readonly string[];
}

/**
 * One child process running `child.js`: its messages are kept in order and watched with
 * {@link waitFor}; it is killed with SIGKILL when asked or when the parent exits.
 */
export class BenchProcess {
  /** Every message received so far. */
  readonly messages: ChildMessage[] = [];
  /** Exit code (or signal name) once exited. */
  exit: { readonly code: number | null; readonly signal: string | null } | undefined;
  /** stderr output, kept for the report when the process fails (last 4 KiB). */
  stderr = '';
  private readonly child: ChildProcess;
  private readonly watchers = new Set<() => void>();

  constructor(readonly options: ProcessOptions) {
    const script = join(__dirname, 'child.js');
    const node = [process.execPath, ...options.nodeArgs, script];
    const [command, ...args] = options.cpu === undefined ? node : ['taskset', '-c', String(options.cpu), ...node];
    this.child = spawn(command!, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'json' });
    live.add(this);
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-4096);
      process.stderr.write(text);
    });
    this.child.on('message', (raw: unknown) => {
      const parsed = ChildMessageSchema.safeParse(raw);
      this.messages.push(parsed.success ? parsed.data : { type: 'problem', text: `unreadable message ${JSON.stringify(raw)}` });
      this.changed();
    });
    this.child.on('error', (error) => {
      this.messages.push({ type: 'error', text: `${options.role} process: ${error.message}` });
      this.changed();
    });
    this.child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      live.delete(this);
      this.changed();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Send a message if the process still listens. */
  send(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message, (error) => void error);
  }

  /** First message of `type`, if one arrived. */
  find<T extends ChildMessage['type']>(type: T): Extract<ChildMessage, { type: T }> | undefined {
    return this.messages.find((m): m is Extract<ChildMessage, { type: T }> => m.type === type);
  }

  /** Call `watcher` on each new message and at exit; returns its removal. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** SIGKILL, if still running. */
  kill(): void {
    if (this.exit === undefined) this.child.kill('SIGKILL');
  }

  /** Resolves once exited; kills it after `graceMs`. @returns whether it exited on its own. */
  async stopped(graceMs: number): Promise<boolean> {
    if (this.exit !== undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const exited = await new Promise<boolean>((resolve) => {
      const unwatch = this.watch(() => {
        if (this.exit !== undefined) {
          unwatch();
          resolve(true);
        }
      });
      timer = setTimeout(() => {
        unwatch();
        resolve(false);
      }, graceMs);
    });
    clearTimeout(timer);
    if (!exited) {
      this.kill();
      await new Promise<void>((resolve) => {
        if (this.exit !== undefined) resolve();
        else this.watch(resolve);
      });
    }
    return exited;
  }

  private changed(): void {
    for (const w of Array.from(this.watchers)) w();
  }
}

/**
 * Resolve with what `check` returns once it returns something other than `undefined`,
 * re-checking whenever one of `processes` reports and every 100 ms (for checks about time);
 * reject when `check` throws or at `deadline`.
 */
export function waitFor<T>(processes: readonly BenchProcess[], check: () => T | undefined, deadline: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const unwatch: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      for (const u of unwatch) u();
      clearTimeout(timer);
      clearInterval(poll);
      fn();
    };
    const test = (): void => {
      if (settled) return;
      let value: T | undefined;
      try {
        value = check();
      } catch (error) {
        settle(() => reject(error instanceof Error ? error : new Error(String(error))));
        return;
      }
      if (value !== undefined) settle(() => resolve(value));
    };
    for (const p of processes) unwatch.push(p.watch(test));
    timer = setTimeout(() => settle(() => reject(new Error(`timed out waiting for ${what}`))), Math.max(0, deadline - Date.now()));
    poll = setInterval(test, 100);
    test();
  });
}
