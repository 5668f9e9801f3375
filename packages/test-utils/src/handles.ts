/**
 * Count of Node's active resources by type (TCPSocketWrap, PipeWrap, Timeout, ...), taken after one
 * event-loop turn so that timers armed right after the caller started (mocha's test timeout
 * for a promise-returning test) are counted as already there.
 */
export async function activeResources(): Promise<Map<string, number>> {
  await new Promise((r) => setImmediate(r));
  return countResources();
}

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

function grown(before: Map<string, number>, kinds: readonly string[]): string[] {
  const now = countResources();
  const leaked: string[] = [];
  for (const k of kinds) {
    const d = (now.get(k) ?? 0) - (before.get(k) ?? 0);
    if (d > 0) leaked.push(`${k} +${d}`);
  }
  return leaked;
}

/**
 * The resource types a socket, a listener or a timer shows up as in `process.getActiveResourcesInfo()`.
 * Node 20 reports a TCP socket as `TCPSocketWrap` (never `TCPWrap`), a TLS socket as the
 * `TCPSocketWrap` under it (there is no `TLSWrap` entry), and a Unix socket and a Unix listener
 * both as `PipeWrap`; the other names cover other Node versions.
 */
export const HANDLE_KINDS: readonly string[] = Object.freeze([
  'TCPSocketWrap',
  'TCPWrap',
  'TCPServerWrap',
  'PipeWrap',
  'PipeServerWrap',
  'TLSWrap',
  'Timeout',
]);

/**
 * Resource types whose count grew between `before` and now (sockets, servers, timers).
 * Handles closed just before are released by libuv a few loop turns later, so this
 * re-checks for up to `graceMs` before reporting.
 */
export async function leakedResources(
  before: Map<string, number>,
  kinds: readonly string[] = HANDLE_KINDS,
  graceMs = 1000,
): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const leaked = grown(before, kinds);
    if (leaked.length === 0 || Date.now() > deadline) return leaked;
    await new Promise((r) => setTimeout(r, 10));
  }
}
