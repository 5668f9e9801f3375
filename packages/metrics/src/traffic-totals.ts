import type { ConnectionSnapshot, SessionStats } from '@rxmsg/runtime';

/** The per-connection counters summed into the traffic metrics. */
export const TRAFFIC_FIELDS = ['messagesIn', 'messagesOut', 'bytesIn', 'bytesOut', 'pauses', 'rateLimited'] as const;

/** One of {@link TRAFFIC_FIELDS}. */
export type TrafficField = (typeof TRAFFIC_FIELDS)[number];

/** Sums of the {@link TRAFFIC_FIELDS}, per label value. */
export type TrafficSums = Map<string, Record<TrafficField, number>>;

const zero = (): Record<TrafficField, number> => ({ messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, pauses: 0, rateLimited: 0 });

/**
 * Monotonic traffic totals of a server since metrics were attached, per listener label: the final
 * counters of the connections that closed (from their `disconnected` events) plus the live counters
 * of the open ones (from `snapshot()`, read at scrape time). Nothing runs per message: a connection
 * costs one map entry while open (bounded by the server's connections) and one addition when it closes.
 *
 * @example
 * const totals = new TrafficTotals();
 * totals.opened(7, 'tcp://127.0.0.1:4000');
 * totals.closed(7, finalStats);
 * totals.read(server.snapshot().connections, (listener) => listener); // Map listener -> sums
 */
export class TrafficTotals {
  /** Label of each open connection. */
  private readonly labels = new Map<number, string>();
  private readonly closedSums: TrafficSums = new Map();
  /** The last totals reported: a total never goes down, even if a connection's counters were read late. */
  private readonly reported: TrafficSums = new Map();

  /** A connection opened under listener label `label`. */
  opened(peerId: number, label: string): void {
    this.labels.set(peerId, label);
  }

  /** A connection closed with its final `stats`; a connection never seen opening counts under `fallback`. */
  closed(peerId: number, stats: SessionStats, fallback: string): void {
    const label = this.labels.get(peerId) ?? fallback;
    this.labels.delete(peerId);
    add(sumsOf(this.closedSums, label), stats);
  }

  /** The totals now: closed connections plus `live` ones, each live one under `labelOf(its listener)`. */
  read(live: readonly ConnectionSnapshot[], labelOf: (listener: string) => string): TrafficSums {
    const out: TrafficSums = new Map();
    for (const [label, sums] of this.closedSums) out.set(label, { ...sums });
    for (const c of live) add(sumsOf(out, this.labels.get(c.id) ?? labelOf(c.listener)), c);
    for (const [label, sums] of out) {
      const last = sumsOf(this.reported, label);
      for (const f of TRAFFIC_FIELDS) sums[f] = last[f] = Math.max(last[f], sums[f]);
    }
    return out;
  }
}

function sumsOf(map: TrafficSums, label: string): Record<TrafficField, number> {
  let sums = map.get(label);
  if (sums === undefined) map.set(label, (sums = zero()));
  return sums;
}

function add(into: Record<TrafficField, number>, stats: SessionStats): void {
  for (const f of TRAFFIC_FIELDS) into[f] += stats[f];
}
