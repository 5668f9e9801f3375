/** The label value that stands for every value past a {@link LabelGuard}'s bound. */
export const OTHER_LABEL = 'other';

/**
 * Bounds the distinct values of one label: the first `limit` values seen pass through, any later
 * new one becomes {@link OTHER_LABEL}. Keeps a label fed from configuration (listener addresses,
 * protocol names) from growing a time series per value when that configuration churns.
 *
 * @example
 * const guard = new LabelGuard(2);
 * guard.value('a'); guard.value('b'); // 'a', 'b'
 * guard.value('c');                   // 'other'
 */
export class LabelGuard {
  private readonly seen = new Set<string>();

  /** @param limit Distinct values let through (at least 1). */
  constructor(private readonly limit: number) {}

  /** `value` itself while fewer than `limit` distinct values were seen (or it was seen), else {@link OTHER_LABEL}. */
  value(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }
}
