/** Small formatting helpers shared by the benches that print their own tables. */

/** A rate as a whole number with thousands separators, or `no sample`. */
export const fmt = (n: number | undefined): string => (n === undefined ? 'no sample' : Math.round(n).toLocaleString('en-US'));

/** CPU shares as percentages joined by ` + ` (one per process), or `-`. */
export const pct = (xs: readonly number[]): string => (xs.length === 0 ? '-' : xs.map((x) => `${Math.round(x * 100)}%`).join(' + '));

/** The median of `xs`, `undefined` for none. */
export const median = (xs: readonly number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1]! + s[m]!) / 2;
};
