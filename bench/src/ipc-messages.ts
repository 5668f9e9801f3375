import { z } from 'zod';
import { RunResultSchema } from './run-result';
import { WorkloadSettingsSchema } from './workloads';

const common = {
  type: z.literal('start'),
  system: z.string(),
  workload: z.string(),
  settings: WorkloadSettingsSchema,
};

/** Parent → child: what to run. The child exits on its own once it is done (or told to stop). */
export const ParentMessageSchema = z.discriminatedUnion('role', [
  z.object({ ...common, role: z.literal('server'), socketDir: z.string() }),
  z.object({ ...common, role: z.literal('client'), address: z.string() }),
])
  .or(z.object({ type: z.literal('stop') }))
  /** To a server: report `process.memoryUsage().rss` and `heapUsed` (after a forced GC) in an `rss` message. */
  .or(z.object({ type: z.literal('measure-rss') }))
  /** To a fan-in client whose connections are open and idle: start the ping-pong. */
  .or(z.object({ type: z.literal('go') }));
export type ParentMessage = z.infer<typeof ParentMessageSchema>;
/** The start message of one role. */
export type StartMessage = Extract<ParentMessage, { type: 'start' }>;

/** Child → parent. */
export const ChildMessageSchema = z.discriminatedUnion('type', [
  /** The child loaded its code and waits for `start`. */
  z.object({ type: z.literal('loaded') }),
  /** The server listens at `address`. */
  z.object({ type: z.literal('ready'), address: z.string() }),
  /** The figures of the run (from the measuring side). */
  z.object({ type: z.literal('result'), result: RunResultSchema }),
  /** Something abnormal that did not stop the child (an error event, a disconnect). */
  z.object({ type: z.literal('problem'), text: z.string() }),
  /** The run failed; the child exits. */
  z.object({ type: z.literal('error'), text: z.string() }),
  /** The client finished and closed its connection; the child exits. */
  z.object({ type: z.literal('done') }),
  /** A server's answer to `measure-rss`. */
  z.object({ type: z.literal('rss'), bytes: z.number().min(0), heapBytes: z.number().min(0).optional() }),
  /** A fan-in client: every connection is open, made one round trip, and waits for `go`. */
  z.object({ type: z.literal('idle'), connections: z.number().int().min(0) }),
]);
export type ChildMessage = z.infer<typeof ChildMessageSchema>;
