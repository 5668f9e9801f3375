import type { MessagePort } from 'node:worker_threads';
import { z } from 'zod';

/**
 * The messages a {@link QueueHandle} and the queue server's port host exchange over a
 * `MessagePort`: one schema per direction, checked on arrival (both ends are threads of one
 * application, but a port is still a boundary).
 */

/** Index in the synchronous signal (an `Int32Array` over the shared buffer) that a reply sets to 1. */
export const SYNC_READY = 0;
/** Index in the synchronous signal set to 1 once the server side is closed for good. */
export const SYNC_CLOSED = 1;
/** Bytes of the shared signal buffer: two 32-bit cells. */
export const SYNC_SIGNAL_BYTES = 8;

/** Operations a handle asks of the queue server. */
export const QueueOpSchema = z.enum(['clientIds', 'isConnected', 'push', 'pop', 'popAll', 'isEmpty', 'waitIncoming']);
/** One operation of {@link QueueOpSchema}. */
export type QueueOp = z.infer<typeof QueueOpSchema>;

/** Worker → server: a request, a cancellation, or the shared signal of synchronous calls. */
export const QueueRequestSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('call'),
    id: z.number().int().nonnegative(),
    op: QueueOpSchema,
    clientId: z.string().optional(),
    message: z.unknown().optional(),
    timeoutMs: z.number().nonnegative().optional(),
    /** Answer on the synchronous port and wake the signal. */
    sync: z.boolean(),
  }),
  z.object({ type: z.literal('cancel'), id: z.number().int().nonnegative() }),
  z.object({
    type: z.literal('attach-sync'),
    port: z.custom<MessagePort>((v) => typeof v === 'object' && v !== null && typeof Reflect.get(v, 'postMessage') === 'function'),
    /** Exactly {@link SYNC_SIGNAL_BYTES}: the server sets its cells with `Atomics`. */
    signal: z.instanceof(SharedArrayBuffer).refine((b) => b.byteLength === SYNC_SIGNAL_BYTES, `a signal of ${SYNC_SIGNAL_BYTES} bytes`),
  }),
]);
/** One message of {@link QueueRequestSchema}. */
export type QueueRequest = z.infer<typeof QueueRequestSchema>;

/** Server → worker: the answer to one call. */
export const QueueReplySchema = z.discriminatedUnion('ok', [
  z.object({ id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), code: z.string(), message: z.string() }),
]);
/** One message of {@link QueueReplySchema}. */
export type QueueReply = z.infer<typeof QueueReplySchema>;

/**
 * Server → worker, the last message on the port: the server stopped. A worker that makes its
 * first blocking call only afterwards reads it from the port before it waits.
 */
export const QueueStoppedSchema = z.object({ type: z.literal('stopped') });

