import type { Registry } from 'prom-client';

/** One metric of a JSON scrape (prom-client does not export the type by name). */
type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/** A scrape of a registry as JSON: the metrics by name. */
export type Scrape = ReadonlyMap<string, MetricJson>;

/** Scrapes `registry` (what an HTTP `/metrics` handler would serve, as JSON). */
export async function scrape(registry: Registry): Promise<Scrape> {
  const list = await registry.getMetricsAsJSON();
  return new Map(list.map((m) => [m.name, m]));
}

/** The sum of metric `name`'s values whose labels include `labels` (0 when none; NaN when the metric is missing). */
export function valueOf(s: Scrape, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const m = s.get(name);
  if (m === undefined) return Number.NaN;
  let sum = 0;
  for (const v of m.values) {
    if (Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)) sum += v.value;
  }
  return sum;
}

/** The label values of `label` among metric `name`'s values. */
export function labelValues(s: Scrape, name: string, label: string): string[] {
  return (s.get(name)?.values ?? []).map((v) => String((v.labels as Record<string, unknown>)[label]));
}
