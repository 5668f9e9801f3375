/**
 * Whether `actual` matches `expected` partially: objects match when every key of `expected` matches
 * (extra keys of `actual` are allowed), arrays element by element with the same length, anything
 * else by equality. Used by `rxmsg connect --expect`. Recursion is bounded by `expected`'s depth.
 */
export function jsonMatches(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => jsonMatches(actual[i], e));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>; // narrowed above: a non-array object
    return Object.entries(expected).every(([k, v]) => Object.hasOwn(a, k) && jsonMatches(a[k], v));
  }
  return Object.is(actual, expected) || (typeof actual === 'number' && actual === expected);
}
