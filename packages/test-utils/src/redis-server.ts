import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A private redis-server for one test file: see {@link startRedisServer}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The server's process id (changes on restart). */
  readonly pid: number;
  /** Send a command and read its reply: a status or integer line (`+OK`, `:1`), or a bulk string's content (CLIENT LIST, INFO). */
  command(...args: string[]): Promise<string>;
  /**
   * Stop it (its dataset is gone: no persistence) and start it again on the same port; `whileDown`
   * runs (and is awaited) between the two, while nothing listens on the port.
   */
  restart(whileDown?: () => Promise<void> | void): Promise<void>;
  /** Stop it for good and remove its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** What a Redis test does on this machine: run, report itself skipped, or fail (CI without redis-server). */
export type RedisTestDecision = { readonly run: true; readonly path: string } | { readonly run: false; readonly skip: string } | { readonly run: false; readonly fail: string };

/**
 * Whether Redis tests run: with a `redis-server` found (`path`) they run; without one they are
 * skipped with the reason, except on CI (`CI=true`), where a missing server is a failure so that
 * a CI run cannot pass by skipping them.
 */
export function redisTestDecision(path: string | undefined, env: Readonly<Record<string, string | undefined>>): RedisTestDecision {
  if (path !== undefined) return { run: true, path };
  const why = 'redis-server is not installed (apt-get install redis-server, or set REDIS_SERVER to its path)';
  return env['CI'] === 'true' ? { run: false, fail: `${why}: required when CI=true` } : { run: false, skip: why };
}

/** The redis-server executable: `$REDIS_SERVER`, else the first on `PATH`; `undefined` when none. */
export function findRedisServer(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const candidates = env['REDIS_SERVER'] !== undefined ? [env['REDIS_SERVER']] : (env['PATH'] ?? '').split(delimiter).filter((d) => d.length > 0).map((d) => join(d, 'redis-server'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * In a mocha `before` hook: skip the suite (printing why) when there is no redis-server, fail
 * it when that happens on CI. @returns the redis-server path when the tests run.
 */
export function requireRedisServer(context: { skip(): never }): string {
  const decision = redisTestDecision(findRedisServer(), process.env);
  if (decision.run) return decision.path;
  if ('fail' in decision) throw new Error(decision.fail);
  console.log(`      skipped: ${decision.skip}`);
  context.skip();
}

const START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 20_000;

/**
 * Start a private redis-server on a free loopback port, in a fresh temporary directory, without
 * persistence (`--save '' --appendonly no`), and wait until it answers PING. A port taken between
 * choosing and binding is retried with another port. Whoever starts it stops it.
 * @example
 * ```ts
 * before(async function () { requireRedisServer(this); redis = await startRedisServer(); });
 * after(() => redis?.stop());
 * ```
 */
export async function startRedisServer(options: { readonly path?: string; readonly args?: readonly string[] } = {}): Promise<RedisServer> {
  const path = options.path ?? findRedisServer();
  if (path === undefined) throw new Error('redis-server not found');
  const dir = mkdtempSync(join(tmpdir(), 'rxmsg-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS && child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(path, port, dir, options.args ?? []);
    } catch (error) {
      lastError = error;
    }
  }
  if (child === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`redis-server did not start after ${START_ATTEMPTS} attempts`, { cause: lastError });
  }
  let stopped = false;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? -1;
    },
    command: (...args) => command(port, args),
    restart: async (whileDown) => {
      if (child !== undefined) await kill(child);
      child = undefined;
      await whileDown?.();
      let error: unknown;
      // The port was ours a moment ago; another process may take it meanwhile, rarely: retry a few times.
      for (let attempt = 0; attempt < START_ATTEMPTS && child === undefined; attempt++) {
        try {
          child = await launch(path, port, dir, options.args ?? []);
        } catch (e) {
          error = e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      if (child === undefined) throw new Error(`redis-server did not restart on port ${port}`, { cause: error });
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (child !== undefined) await kill(child);
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Start redis-server and resolve once it answers PING; reject (and kill it) when it exits or does not answer in time. */
function launch(path: string, port: number, dir: string, extra: readonly string[]): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no', ...extra];
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (t: string) => (output = (output + t).slice(-4000)));
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (output = (output + t).slice(-4000)));
  return new Promise((resolve, reject) => {
    let done = false;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}): ${output}`)));
    const poll = (): void => {
      if (done) return;
      command(port, ['PING']).then(
        (reply) => {
          if (done) return;
          if (reply !== '+PONG') return void setTimeout(poll, 50);
          done = true;
          child.removeAllListeners('exit');
          child.removeAllListeners('error');
          child.stdout?.removeAllListeners('data').resume();
          child.stderr?.removeAllListeners('data').resume();
          resolve(child);
        },
        () => (Date.now() > deadline ? fail(new Error(`redis-server did not answer on port ${port}: ${output}`)) : void setTimeout(poll, 50)),
      );
    };
    setTimeout(poll, 20);
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** One command in RESP, one reply line back. */
function command(port: number, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const timer = setTimeout(() => socket.destroy(new Error('no reply')), 5_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.setEncoding('latin1').on('data', (t: string) => {
      reply += t;
      const end = reply.indexOf('\r\n');
      if (end < 0) return;
      let result = reply.slice(0, end);
      if (reply.startsWith('$') && Number(result.slice(1)) >= 0) {
        const length = Number(result.slice(1));
        if (reply.length < end + 2 + length) return; // the rest of the bulk string is still coming
        result = Buffer.from(reply.slice(end + 2, end + 2 + length), 'latin1').toString('utf8');
      }
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    });
  });
}
