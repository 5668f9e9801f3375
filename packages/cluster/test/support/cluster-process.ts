import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { within } from '@rxmsg/test-utils';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** A message of the primary fixture (see fixtures/primary.ts). */
export type FromPrimary = { event?: { type: string; [k: string]: unknown }; ready?: string[]; failed?: { code?: string; field?: string; remoteCode?: string }; fromWorker?: Record<string, unknown>; reply?: number; value?: unknown };

/**
 * The primary fixture in a child process (TypeScript through ts-node), and everything it said.
 * `close()` asks it to close the cluster and waits for its exit.
 */
export class ClusterProcess {
  readonly said: FromPrimary[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private nextId = 0;
  private waiters: (() => void)[] = [];

  constructor(env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--conditions=@rxmsg/source', '-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'fixtures', 'primary.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.on('message', (m: FromPrimary) => {
      this.said.push(m);
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) w();
    });
  }

  /** The first message (from now on or already said) matching `predicate`. */
  async wait<T = FromPrimary>(predicate: (m: FromPrimary) => boolean, ms = 60_000, what = 'a message of the primary'): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.said.find(predicate);
      if (found !== undefined) return found as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; said: ${JSON.stringify(this.said.slice(-20))}`);
      await within(new Promise<void>((resolve) => this.waiters.push(resolve)), left, what).catch(() => undefined);
    }
  }

  events(type: string): { type: string; [k: string]: unknown }[] {
    return this.said.flatMap((m) => (m.event?.type === type ? [m.event] : []));
  }

  async ready(): Promise<string[]> {
    const m = await this.wait((x) => x.ready !== undefined || x.failed !== undefined, 90_000, 'the cluster to be ready');
    if (m.ready === undefined) throw new Error(`the cluster failed: ${JSON.stringify(m.failed)}`);
    return m.ready;
  }

  async command<T>(cmd: string, args: Record<string, unknown> = {}, ms = 60_000): Promise<T> {
    const id = this.nextId++;
    this.child.send({ id, cmd, ...args });
    const m = await this.wait((x) => x.reply === id, ms, `the answer to ${cmd}`);
    return m.value as T;
  }

  /** Close the cluster; resolves with the resources the primary still held, once it exited by itself. */
  async close(): Promise<{ resources: string[]; code: number | null }> {
    if (!this.child.connected) return { resources: [], code: await this.exited };
    const resources = await this.command<string[]>('close', {}, 90_000);
    const code = await within(this.exited, 30_000, 'the primary to exit');
    return { resources, code };
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** A raw JSON-lines client of the chat worker. */
export class LineClient {
  readonly received: Record<string, unknown>[] = [];
  readonly ended: Promise<void>;
  private buffer = '';

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let at: number;
      while ((at = this.buffer.indexOf('\n')) >= 0) {
        this.received.push(JSON.parse(this.buffer.slice(0, at)) as Record<string, unknown>);
        this.buffer = this.buffer.slice(at + 1);
      }
    });
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static connect(address: string): Promise<LineClient> {
    const url = new URL(address);
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: url.hostname, port: Number(url.port) }, () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  /** The first received message matching `predicate`, waiting up to `ms`. */
  async next(predicate: (m: Record<string, unknown>) => boolean, ms = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.received.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out; received ${JSON.stringify(this.received.slice(-10))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Ask a question and take the answer (removing it from `received`). */
  async ask(message: Record<string, unknown>, kind: string, of?: string): Promise<Record<string, unknown>> {
    this.send(message);
    const answer = await this.next((m) => m.kind === kind && (of === undefined || m.of === of));
    this.received.splice(this.received.indexOf(answer), 1);
    return answer;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Connect until there is a client on each of `nodes` distinct workers (round-robin spreads them;
 * at most 4 × nodes tries). The others are closed.
 */
export async function clientsOnDistinctWorkers(address: string, nodes: number): Promise<{ client: LineClient; id: number; node: number; pid: number }[]> {
  const found = new Map<number, { client: LineClient; id: number; node: number; pid: number }>();
  for (let i = 0; i < 4 * nodes && found.size < nodes; i++) {
    const client = await LineClient.connect(address);
    const you = await client.ask({ kind: 'WhoAmI' }, 'You');
    const node = you.node as number;
    if (found.has(node)) client.destroy();
    else found.set(node, { client, id: you.id as number, node, pid: you.pid as number });
  }
  if (found.size < nodes) throw new Error(`clients reached ${found.size} workers only`);
  return [...found.values()];
}
