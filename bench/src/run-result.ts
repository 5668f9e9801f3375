import { z } from 'zod';

/** A process's memory with no connection and with every connection open and idle (after forced GCs). */
export const MemoryPerConnectionSchema = z.object({
  baselineBytes: z.number().min(0),
  idleBytes: z.number().min(0),
  connections: z.number().int().min(1),
  /** `(idleBytes - baselineBytes) / connections`: RSS per idle connection. */
  perConnectionBytes: z.number(),
  /** The same for the JS heap (`heapUsed`). */
  perConnectionHeapBytes: z.number().optional(),
});
export type MemoryPerConnection = z.infer<typeof MemoryPerConnectionSchema>;

/** The figures of one run, reported by the process that measured them. */
export const RunResultSchema = z.object({
  /** Messages (or round trips) counted in the measured phase. */
  count: z.number().int().min(0),
  /** Length of the measured phase. */
  seconds: z.number().min(0),
  /** `count / seconds`: the workload's main figure. */
  rate: z.number().min(0),
  /** Median latency in microseconds (request workloads). */
  p50Us: z.number().min(0).optional(),
  /** 99th-percentile latency in microseconds (request workloads). */
  p99Us: z.number().min(0).optional(),
  /** The client's own memory per idle connection (idle-10k). */
  clientMemory: MemoryPerConnectionSchema.optional(),
});
export type RunResult = z.infer<typeof RunResultSchema>;

/** The server's RSS in a fan-in run: with no connection, and with every connection open and idle. */
export const ServerRssSchema = z.object({
  baselineBytes: z.number().min(0),
  idleBytes: z.number().min(0),
  connections: z.number().int().min(1),
  /** `(idleBytes - baselineBytes) / connections`. */
  perConnectionBytes: z.number(),
  /** The same for the JS heap (`heapUsed` after a forced GC), when the server reported it. */
  perConnectionHeapBytes: z.number().optional(),
});
export type ServerRss = z.infer<typeof ServerRssSchema>;

/** The figures of a run as recorded: the measuring side's, plus the server's RSS in fan-in runs. */
export interface RecordedResult extends RunResult {
  readonly serverRss?: ServerRss;
}

/** What a driver or receiver reports once: its figures, or why the run failed. */
export type Outcome = { readonly ok: true; readonly result: RunResult } | { readonly ok: false; readonly error: string };

/** Nearest-rank percentile `p` (0 < p ≤ 1) of the first `n` values of `values`, sorted in place. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
}
