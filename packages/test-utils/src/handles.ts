/**
 * Count of Node's active resources by type (TCPWrap, PipeWrap, Timeout, ...), taken after one
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
 * Resource types whose count grew between `before` and now (sockets, servers, timers).
 * Handles closed just before are released by libuv a few loop turns later, so this
 * re-checks for up to `graceMs` before reporting.
 */
export async function leakedResources(
  before: Map<string, number>,
  kinds: readonly string[] = ['TCPWrap', 'TCPServerWrap', 'PipeWrap', 'PipeServerWrap', 'Timeout'],
  graceMs = 1000,
): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const leaked = grown(before, kinds);
    if (leaked.length === 0 || Date.now() > deadline) return leaked;
    await new Promise((r) => setTimeout(r, 10));
  }
}
