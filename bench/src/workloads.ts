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

/**
 * How one fan-in run is driven: `connections` connections are opened (at most
 * `connectConcurrency` being set up at a time), each completes one round trip and waits idle
 * while the server's RSS is read; then all do ping-pong (one request in flight each). Round
 * trips are counted from `warmupMs` after the start for `durationMs`, and past it until
 * `minSamples` were counted. The run fails if it has not finished `timeLimitMs` after the
 * client started.
 */
export const FanInSettingsSchema = z.object({
  kind: z.literal('fan-in'),
  connections: z.number().int().min(1),
  connectConcurrency: z.number().int().min(1),
  warmupMs: z.number().int().min(0),
  durationMs: z.number().int().min(1),
  timeLimitMs: z.number().int().min(1),
  /**
   * The measured period lasts past `durationMs` until this many round trips were counted (quick
   * mode: a check that the harness works must not depend on a short window catching a sample
   * on a loaded machine). Absent: exactly `durationMs`, and a period without a sample fails.
   */
  minSamples: z.number().int().min(1).optional(),
  /** Before each RSS reading the server forces a GC twice, waiting this long after each. */
  rssSettleMs: z.number().int().min(0),
});
export type FanInSettings = z.infer<typeof FanInSettingsSchema>;

/**
 * How one idle-connections run is driven: `connections` connections are opened from one client
 * process (at most `connectConcurrency` being set up at a time), each makes one round trip, then
 * all stay open and idle while both processes read their memory (after forced GCs, `rssSettleMs`
 * after each). The run fails if the connections are not all open `timeLimitMs` after the client started.
 */
export const IdleSettingsSchema = z.object({
  kind: z.literal('idle'),
  connections: z.number().int().min(1),
  connectConcurrency: z.number().int().min(1),
  timeLimitMs: z.number().int().min(1),
  rssSettleMs: z.number().int().min(0),
});
export type IdleSettings = z.infer<typeof IdleSettingsSchema>;

/**
 * How one handover run is driven: `concurrency` connections at a time each go through the
 * text handshake and one binary round trip, then close; a new one starts as each ends.
 * Completed connections are counted from `warmupMs` after the first start for `durationMs`,
 * and past it until `minSamples` were counted.
 */
export const HandoverSettingsSchema = z.object({
  kind: z.literal('handover'),
  concurrency: z.number().int().min(1),
  warmupMs: z.number().int().min(0),
  durationMs: z.number().int().min(1),
  timeLimitMs: z.number().int().min(1),
  /** As in {@link FanInSettingsSchema}: the period lasts until this many connections completed in it (quick mode). */
  minSamples: z.number().int().min(1).optional(),
});
export type HandoverSettings = z.infer<typeof HandoverSettingsSchema>;

/** The settings of one run, sent to both child processes. */
export const WorkloadSettingsSchema = z.discriminatedUnion('kind', [
  RequestSettingsSchema,
  OneWaySettingsSchema,
  FanInSettingsSchema,
  HandoverSettingsSchema,
  IdleSettingsSchema,
]);
export type WorkloadSettings = z.infer<typeof WorkloadSettingsSchema>;

/** Names of the workloads, in the order they run and are reported. */
export type WorkloadName = 'ping-pong' | 'one-way' | 'pipelined' | 'fan-in-200' | 'fan-in-2000' | 'handover' | 'idle-10k';

/** A figure of a run that the ratio tables compare (`clientRss`, `clientHeap`: the client's memory per idle connection). */
export type RatioFigure = 'rate' | 'p50' | 'rss' | 'clientRss' | 'clientHeap';

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
  /** Whether the server also reports its RSS per idle connection. */
  readonly rss: boolean;
  /** Figures compared in the ratio tables. */
  readonly ratioFigures: readonly RatioFigure[];
  /** Repetitions in full mode when fewer than `--repetitions` (a long workload), and why. */
  readonly fullRepetitions?: { readonly max: number; readonly why: string };
  /** Why a system without {@link SystemAdapter.handover} does not run it (handover only). */
  readonly handoverOnly?: string;
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
    rss: false,
    ratioFigures: ['rate', 'p50'],
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
    rss: false,
    ratioFigures: ['rate'],
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
    rss: false,
    ratioFigures: ['rate', 'p50'],
    full: { kind: 'requests', total: 550_000, window: 1_000, warmup: 50_000, timeLimitMs: 30_000 },
    quick: { kind: 'requests', total: 2_200, window: 1_000, warmup: 200, timeLimitMs: 5_000 },
  },
  fanIn('fan-in-200', 200),
  fanIn('fan-in-2000', 2_000),
  {
    name: 'handover',
    description:
      'composite stacks (rxmsg only): each connection sends a text `Hello` and gets a text `Welcome` (JSON lines), then both ' +
      'sides switch to the binary bench protocol (length-prefixed MessagePack) on the same connection for one `Ping 0` → ' +
      '`Pong 0`, and the connection closes; 16 connections at a time, a new one as each ends. Completed connections per second ' +
      'and connect-to-closed latency measured by the client (createCompositeServer / createCompositeClient).',
    unit: 'connections/s',
    latency: true,
    measuredBy: 'client',
    rss: false,
    ratioFigures: ['rate'],
    handoverOnly:
      'no protocol handover: switching one connection from a text handshake to a binary protocol is an rxmsg feature ' +
      '(composite stacks); the raw baselines and peer libraries have no counterpart',
    full: { kind: 'handover', concurrency: 16, warmupMs: 300, durationMs: 2_000, timeLimitMs: 10_000 },
    quick: { kind: 'handover', concurrency: 4, warmupMs: 50, durationMs: 250, timeLimitMs: 5_000, minSamples: 4 },
  },
  {
    name: 'idle-10k',
    description:
      'one client process holding 10,000 idle connections to one server process (issue 16: under 10 KB each). The client ' +
      "loads the system's library, reads its own memory (`process.memoryUsage()` after forced GCs: RSS and JS heap used), opens the " +
      'connections (at most 100 being set up at a time), makes one round trip on each, and with all of them open and idle reads ' +
      'its memory again: (idle − before) / connections is the client memory per idle connection (the harness keeps a small ' +
      'object and a promise per connection, the same for every system; one-time costs of the first connection included). ' +
      'The server reports its RSS per idle connection the same way (RSS before the first connection, and with all of them ' +
      'open and idle). The main figure is the rate at which the connections were opened (the round trip included).',
    unit: 'connections opened/s',
    latency: false,
    measuredBy: 'client',
    rss: true,
    ratioFigures: ['clientRss', 'clientHeap', 'rss'],
    fullRepetitions: { max: 1, why: 'its figures are memory, which does not vary with the load of the machine' },
    full: { kind: 'idle', connections: 10_000, connectConcurrency: 100, timeLimitMs: 120_000, rssSettleMs: 100 },
    quick: { kind: 'idle', connections: 50, connectConcurrency: 20, timeLimitMs: 20_000, rssSettleMs: 5 },
  },
]);

/** A fan-in workload of `connections` connections. */
function fanIn(name: 'fan-in-200' | 'fan-in-2000', connections: number): Workload {
  return {
    name,
    description:
      `${connections.toLocaleString('en-US')} connections from one client process, each doing ping-pong (one message in flight). ` +
      'The client opens them (at most 100 being set up at a time) and makes one round trip on each; with all of them open and ' +
      "idle, the server process reports its RSS (`process.memoryUsage().rss` after a forced GC), to compare with its RSS " +
      'before the first connection: (idle − none) / connections is the server RSS per idle connection (one-time costs of the ' +
      'first connection included, so the larger fan-in gives the fairer figure). Then every connection does ping-pong ' +
      'for the measured period; round trips of all connections per second and round-trip latency measured by the client.',
    unit: 'round trips/s',
    latency: true,
    measuredBy: 'client',
    rss: true,
    ratioFigures: ['rate', 'rss'],
    full: { kind: 'fan-in', connections, connectConcurrency: 100, warmupMs: 500, durationMs: 5_000, timeLimitMs: 30_000, rssSettleMs: 100 },
    quick: {
      kind: 'fan-in',
      connections: connections === 200 ? 20 : 40,
      connectConcurrency: 20,
      warmupMs: 20,
      durationMs: 100,
      timeLimitMs: 10_000,
      minSamples: connections === 200 ? 20 : 40,
      rssSettleMs: 5,
    },
  };
}
