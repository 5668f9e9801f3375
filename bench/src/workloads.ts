import { z } from 'zod';

/**
 * How one run of a request/response workload is driven: `total` requests at most,
 * `window` of them in flight, the first `warmup` replies left out of the figures, and no
 * new request issued once `timeLimitMs` have passed since the first.
 */
export const RequestSettingsSchema = z.object({
  kind: z.literal('requests'),
  total: z.number().int().min(1),
  window: z.number().int().min(1),
  warmup: z.number().int().min(0),
  timeLimitMs: z.number().int().min(1),
});
export type RequestSettings = z.infer<typeof RequestSettingsSchema>;

/**
 * How one run of the one-way workload is driven: `total` messages sent; the receiver times
 * messages `warmup + 1 … total` and gives up `timeLimitMs` after the first one.
 */
export const OneWaySettingsSchema = z.object({
  kind: z.literal('one-way'),
  total: z.number().int().min(1),
  warmup: z.number().int().min(0),
  timeLimitMs: z.number().int().min(1),
});
export type OneWaySettings = z.infer<typeof OneWaySettingsSchema>;

/** The settings of one run, sent to both child processes. */
export const WorkloadSettingsSchema = z.discriminatedUnion('kind', [RequestSettingsSchema, OneWaySettingsSchema]);
export type WorkloadSettings = z.infer<typeof WorkloadSettingsSchema>;

/** Names of the workloads, in the order they run and are reported. */
export type WorkloadName = 'ping-pong' | 'one-way' | 'pipelined';

/** One workload: what it measures and its counts in full and quick mode. */
export interface Workload {
  readonly name: WorkloadName;
  /** What it does, for the report. */
  readonly description: string;
  /** Unit of its main figure (higher is better). */
  readonly unit: string;
  /** Whether runs also report p50/p99 latency. */
  readonly latency: boolean;
  /** Which process measures the main figure. */
  readonly measuredBy: 'client' | 'server';
  readonly full: WorkloadSettings;
  readonly quick: WorkloadSettings;
}

/** The workloads, in the order they run and are reported. */
export const WORKLOADS: readonly Workload[] = Object.freeze([
  {
    name: 'ping-pong',
    description:
      'one connection, one message in flight: the client sends `{"kind":"Ping","n":i}`, the server answers `{"kind":"Pong","n":i}`, ' +
      'the client sends the next Ping when the Pong arrives. Round trips per second and round-trip latency measured by the client.',
    unit: 'round trips/s',
    latency: true,
    measuredBy: 'client',
    full: { kind: 'requests', total: 110_000, window: 1, warmup: 10_000, timeLimitMs: 5_000 },
    quick: { kind: 'requests', total: 220, window: 1, warmup: 20, timeLimitMs: 5_000 },
  },
  {
    name: 'one-way',
    description:
      'the client sends `{"kind":"Ping","n":i}` for i = 0 … N-1 as fast as the system lets it and the server only counts them (and checks ' +
      'their order). Messages per second measured by the receiver, from message warmup+1 to message N.',
    unit: 'messages/s',
    latency: false,
    measuredBy: 'server',
    full: { kind: 'one-way', total: 1_000_000, warmup: 100_000, timeLimitMs: 30_000 },
    quick: { kind: 'one-way', total: 2_000, warmup: 200, timeLimitMs: 5_000 },
  },
  {
    name: 'pipelined',
    description:
      'one connection, 1,000 requests in flight: the client keeps 1,000 Pings outstanding, sending a new one for each Pong. ' +
      'Answered messages per second and request-to-answer latency measured by the client.',
    unit: 'answers/s',
    latency: true,
    measuredBy: 'client',
    full: { kind: 'requests', total: 550_000, window: 1_000, warmup: 50_000, timeLimitMs: 30_000 },
    quick: { kind: 'requests', total: 2_200, window: 1_000, warmup: 200, timeLimitMs: 5_000 },
  },
]);
