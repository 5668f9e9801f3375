import { z } from 'zod';

/**
 * The messages rxmsg's primary and workers exchange over Node's IPC channel, as zod schemas:
 * every message received is parsed with them, so a malformed one is refused, never acted on.
 * Each carries {@link IPC_MARKER} (`rxmsgCluster: 1`): a message without it is the application's
 * own (`process.send` is shared with user code) and is left alone.
 */
export const IPC_MARKER = 'rxmsgCluster';

const marker = { [IPC_MARKER]: z.literal(1) } as const;
const id = z.number().int().nonnegative();
const node = z.number().int().nonnegative();
const peerId = z.number().int().nonnegative();

/** A broadcast as it crosses the channel (see the runtime's `RoomPacket`). */
export const PacketSchema = z.object({
  message: z.unknown(),
  rooms: z.array(z.string()).optional(),
  exceptRooms: z.array(z.string()).optional(),
  except: z.array(peerId).optional(),
});

/** What a send to one peer did on its node. */
export const SendToResultSchema = z.enum(['delivered', 'dropped', 'skipped', 'forwarded', 'not-found']);

/** Why a confirmed send got no result from its node. */
export const ConfirmFailureSchema = z.enum(['node-down', 'undelivered']);

/**
 * A server snapshot as a worker sends it: checked for its shape (listeners, connections), the
 * rest passed through (it is data the worker's own server produced).
 */
export const SnapshotSchema = z.looseObject({ listeners: z.array(z.unknown()), connections: z.array(z.unknown()) });

/** One worker's part of a snapshot gathered by the primary. */
export const WorkerSnapshotSchema = z.object({ node, snapshot: SnapshotSchema.optional(), error: z.string().optional() });

/** Primary → worker. */
export const ToWorkerSchema = z.discriminatedUnion('t', [
  /** The nodes alive now (every worker that attached its rooms adapter and did not exit). */
  z.object({ ...marker, t: z.literal('nodes'), alive: z.array(node) }),
  /** A broadcast of another worker, to deliver here. */
  z.object({ ...marker, t: z.literal('publish'), packet: PacketSchema }),
  /** A send to a peer of this worker. */
  z.object({ ...marker, t: z.literal('forward'), peerId, message: z.unknown() }),
  /** A confirmed send to a peer of this worker: answer with `confirmed` to node `from`. */
  z.object({ ...marker, t: z.literal('deliver-confirmed'), id, from: node, peerId, message: z.unknown() }),
  /** The answer to this worker's confirmed send `id`. */
  z.object({ ...marker, t: z.literal('confirmed'), id, peerId, result: SendToResultSchema.optional(), failure: ConfirmFailureSchema.optional() }),
  /** Send this worker's snapshot, as `snapshot` with the same id. */
  z.object({ ...marker, t: z.literal('snapshot'), id }),
  /** The other workers' snapshots this worker asked for with `gather`. */
  z.object({ ...marker, t: z.literal('snapshots'), id, nodes: z.array(WorkerSnapshotSchema) }),
  /** Messages of this worker the primary could not pass on (aggregated). */
  z.object({ ...marker, t: z.literal('undelivered'), count: z.number().int().positive() }),
  /** Close the server gracefully and exit. */
  z.object({ ...marker, t: z.literal('shutdown') }),
]);
/** A message of the primary to a worker. */
export type ToWorker = z.infer<typeof ToWorkerSchema>;

/** Worker → primary. */
export const ToPrimarySchema = z.discriminatedUnion('t', [
  /** The worker's rooms adapter attached: node `node` takes part in rooms. */
  z.object({ ...marker, t: z.literal('attached'), node }),
  /** The worker's server listens on `addresses`. */
  z.object({ ...marker, t: z.literal('listening'), addresses: z.array(z.string()) }),
  /** The worker's build failed: it exits. */
  z.object({ ...marker, t: z.literal('failed'), name: z.string(), code: z.string().optional(), field: z.string().optional(), problems: z.array(z.string()).optional(), message: z.string() }),
  /** A broadcast to relay to every other worker. */
  z.object({ ...marker, t: z.literal('publish'), packet: PacketSchema }),
  /** A send to relay to the worker of the peer's node. */
  z.object({ ...marker, t: z.literal('forward'), peerId, message: z.unknown() }),
  /** A confirmed send to relay; the answer comes back as `confirmed` with `id`. */
  z.object({ ...marker, t: z.literal('forward-confirmed'), id, peerId, message: z.unknown() }),
  /** The answer to a `deliver-confirmed`, for node `to`. */
  z.object({ ...marker, t: z.literal('confirmed'), id, to: node, result: SendToResultSchema }),
  /** The answer to `snapshot` `id`. */
  z.object({ ...marker, t: z.literal('snapshot'), id, snapshot: SnapshotSchema }),
  /** Gather the other workers' snapshots, each within `timeoutMs`. */
  z.object({ ...marker, t: z.literal('gather'), id, timeoutMs: z.number().int().positive() }),
]);
/** A message of a worker to the primary. */
export type ToPrimary = z.infer<typeof ToPrimarySchema>;

/** Whether `value` claims to be one of rxmsg's cluster messages (carries the marker). */
export function isClusterMessage(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[IPC_MARKER] === 1;
}

/**
 * Strip a message type to what is sent: the marker is added by the sender.
 * @internal
 */
export type Unmarked<M> = M extends unknown ? Omit<M, typeof IPC_MARKER> : never;
