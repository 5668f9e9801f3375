import { z } from 'zod';
import { defineProtocol } from '@rxmsg/core';

/** Longest token an admin client may send, in characters: a request is a few hundred bytes at most. */
export const MAX_ADMIN_TOKEN_LENGTH = 512;

/** Largest frame the admin endpoint reads from a client: one `Snapshot` request with its token. */
export const ADMIN_REQUEST_MAX_BYTES = 2_048;

/** The counters and flow state of one connection, as the admin endpoint reports it (extra fields pass through). */
export const AdminConnectionSchema = z.looseObject({
  id: z.number(),
  remoteAddress: z.string(),
  listener: z.string(),
  protocol: z.string().optional(),
  since: z.number(),
  queued: z.number(),
  inputPaused: z.boolean(),
  heldBytes: z.number(),
  messagesIn: z.number(),
  messagesOut: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  messagesDropped: z.number(),
  rateLimited: z.number(),
  pauses: z.number(),
});
/** One connection in an {@link AdminSnapshot}. */
export type AdminConnection = z.infer<typeof AdminConnectionSchema>;

/** One node's server snapshot, without listener contexts (they need not be JSON). */
export const AdminServerSnapshotSchema = z.looseObject({
  listeners: z.array(z.object({ address: z.string(), connections: z.number() })),
  connections: z.array(AdminConnectionSchema),
  /** Connections the node had; more than `connections.length` when the list was cut at the endpoint's `maxConnectionsListed`. */
  connectionCount: z.number(),
  listenerErrors: z.record(z.string(), z.number()),
  refused: z.record(z.string(), z.number()),
  bufferedBytes: z.number(),
  shed: z.number(),
});
/** One node's server snapshot as the admin endpoint sends it. */
export type AdminServerSnapshot = z.infer<typeof AdminServerSnapshotSchema>;

/** What `Snapshot` answers: every node sharing the server's rooms adapter (one node without one), and when. */
export const AdminSnapshotSchema = z.object({
  /** When the snapshot was taken, in ms since the epoch (rates are counter deltas over this clock). */
  at: z.number(),
  nodes: z.array(z.object({ node: z.number(), snapshot: AdminServerSnapshotSchema.optional(), error: z.string().optional() })),
});
/** A cluster-wide snapshot as the admin endpoint sends it. */
export type AdminSnapshot = z.infer<typeof AdminSnapshotSchema>;

/**
 * The admin protocol (JSON lines): the client sends `Snapshot` with its token; the server answers
 * `Snapshot` with the live snapshot, or `Denied` (and closes) when the token is wrong, or `Failed`
 * when the snapshot could not be taken.
 *
 * @example
 * ```sh
 * printf '{"kind":"Snapshot","token":"s3cret"}\n' | nc 127.0.0.1 9999
 * ```
 */
export const AdminProtocol = defineProtocol({
  name: 'rxmsg-admin',
  tag: 'kind',
  codec: 'text',
  client: { Snapshot: z.object({ token: z.string().max(MAX_ADMIN_TOKEN_LENGTH) }) },
  server: {
    Snapshot: z.object({ snapshot: AdminSnapshotSchema }),
    Denied: z.object({ reason: z.enum(['bad-token', 'bad-request']) }),
    Failed: z.object({ message: z.string() }),
  },
  errorReplies: { server: () => ({ kind: 'Denied', reason: 'bad-request' }) },
});
