/**
 * A mocha root-hook plugin (loaded through `.mocharc.json` `require`) that fails the run when
 * a test leaves a socket, a server, a child process or a timer open. Mocha runs without
 * `exit: true`, so such a handle would otherwise keep the process alive after the last test
 * (or, with `exit: true`, go unnoticed).
 *
 * After all tests it waits up to {@link GRACE_MS} for the handles that keep the event loop
 * alive (`process.getActiveResourcesInfo()`) to be gone. If some remain it prints them and
 * fails the root `after all` hook, which mocha and the summary reporter count as a failure,
 * then ends the process {@link EXIT_DELAY_MS} later (the leaked handle would keep it alive),
 * with a non-zero code. A process that still lingers once the check passed, kept alive by
 * something opened after it, is ended the same way.
 */
import type { RootHookObject } from 'mocha';

/** How long closed handles get to be released after the last test (libuv frees them a few loop turns later). */
const GRACE_MS = 3_000;
/** Time for mocha to print its summary before a process kept alive by a leak is ended. */
const EXIT_DELAY_MS = 2_000;
/** Wait between two checks. */
const POLL_MS = 25;
/** The objects behind the handles that keep the event loop alive (sockets, servers, child processes; not timers), from Node's undocumented `process._getActiveHandles()`. */
function activeHandleObjects(): unknown[] {
  const list: unknown = Reflect.get(process, '_getActiveHandles');
  if (typeof list !== 'function') return [];
  const handles: unknown = Reflect.apply(list, process, []);
  return Array.isArray(handles) ? (handles as unknown[]) : [];
}

/** The process's own stdio streams, which show up as handles once written to a pipe or a terminal. */
function isStdio(handle: unknown): boolean {
  return handle === process.stdout || handle === process.stderr || handle === Reflect.get(process, '_stdin');
}

/** The resource type a stdio stream shows up as in `process.getActiveResourcesInfo()` (`PipeWrap`, `TTYWrap`, ...). */
function resourceKind(stream: unknown): string | undefined {
  const handle: unknown = typeof stream === 'object' && stream !== null ? Reflect.get(stream, '_handle') : undefined;
  if (typeof handle !== 'object' || handle === null) return undefined;
  const name = handle.constructor.name;
  return name === 'TCP' ? 'TCPSocketWrap' : `${name}Wrap`;
}

/** A handle object in a few words: its class and, for a socket or server, its addresses. */
function describeHandle(handle: unknown): string {
  if (typeof handle !== 'object' || handle === null) return String(handle);
  const parts = [handle.constructor.name];
  const address: unknown = Reflect.get(handle, 'address');
  if (typeof address === 'function') {
    try {
      parts.push(`local ${JSON.stringify(Reflect.apply(address, handle, []))}`);
    } catch {
      // A socket that never connected has no address to show.
    }
  }
  const remote: unknown = Reflect.get(handle, 'remoteAddress');
  if (typeof remote === 'string') parts.push(`remote ${remote}:${String(Reflect.get(handle, 'remotePort'))}`);
  const pid: unknown = Reflect.get(handle, 'pid');
  if (typeof pid === 'number') parts.push(`pid ${pid}, ${String(Reflect.get(handle, 'spawnfile'))}`);
  return parts.join(' ');
}

/** What is left open, stdio aside: resource types and the handle objects behind them. */
interface OpenHandles {
  readonly kinds: readonly string[];
  readonly objects: readonly string[];
}

/**
 * The open resources minus stdio, read from a `setImmediate` callback (no timer of this check
 * is pending then). `ownTimers` timers are not counted: mocha's timeout timer of the running hook.
 */
function openHandles(ownTimers = 0): Promise<OpenHandles> {
  return new Promise((resolve) =>
    setImmediate(() => {
      const kinds = process.getActiveResourcesInfo();
      const objects: string[] = [];
      for (const h of activeHandleObjects()) {
        if (!isStdio(h)) {
          objects.push(describeHandle(h));
          continue;
        }
        const kind = resourceKind(h);
        const at = kind === undefined ? -1 : kinds.indexOf(kind);
        if (at >= 0) kinds.splice(at, 1);
      }
      for (let i = 0; i < ownTimers; i++) {
        const at = kinds.indexOf('Timeout');
        if (at >= 0) kinds.splice(at, 1);
      }
      resolve({ kinds, objects });
    }),
  );
}

/** A summary such as `TCPSocketWrap ×2, Timeout ×1`, then the handle objects. */
function describe(open: OpenHandles): string {
  const counts = new Map<string, number>();
  for (const h of open.kinds) counts.set(h, (counts.get(h) ?? 0) + 1);
  const summary = [...counts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
  return open.objects.length === 0 ? summary : `${summary}\n  ${open.objects.join('\n  ')}`;
}

/** End the process with a failure code after `EXIT_DELAY_MS`, unless it ends by itself first. */
function exitLater(why: string): void {
  const timer = setTimeout(() => {
    void openHandles().then((open) => {
      process.stderr.write(`\n${why}; still open: ${describe(open)}\nEnding the process.\n`);
      process.exit(process.exitCode !== undefined && process.exitCode !== 0 ? process.exitCode : 1);
    });
  }, EXIT_DELAY_MS);
  timer.unref();
}

/** Wait until no handle is open, or `GRACE_MS` passed; the handles left. */
async function settle(): Promise<OpenHandles> {
  const deadline = Date.now() + GRACE_MS;
  for (;;) {
    const open = await openHandles(1);
    if (open.kinds.length === 0 || Date.now() >= deadline) return open;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The root hooks mocha loads from this file. */
export const mochaHooks: RootHookObject = {
  async afterAll(this: Mocha.Context) {
    // Mocha arms a timeout timer for this hook whatever its timeout (settle() leaves it out).
    this.timeout(GRACE_MS + 10_000);
    const open = await settle();
    if (open.kinds.length > 0) {
      exitLater('handles left open by the tests');
      throw new Error(`handles left open after all tests (waited ${GRACE_MS} ms): ${describe(open)}`);
    }
    // Passed: the process should now end by itself; if something keeps it alive, end it as failed.
    exitLater('the process did not end after all tests passed the open-handle check');
  },
};
