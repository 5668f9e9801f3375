import type { MessagePort } from 'node:worker_threads';
import { ringProblem } from './shared-ring';

/**
 * One end of a shared-memory link, made by `createSharedMemoryLink`: plain data that crosses
 * threads with `postMessage`. The rings are shared, not copied; the port must be transferred:
 *
 * ```ts
 * worker.postMessage(end, [end.port]);
 * ```
 *
 * An end is turned into a connection once (`new SharedMemoryConnection(end)`, or through a
 * transport's `offer`/`dial`); a second use fails.
 */
export interface SharedMemoryEnd {
  /** Marks the object as an end, for {@link isSharedMemoryEnd}. */
  readonly kind: 'rxmsg-shm-end';
  /** Name of the link and of this end, e.g. `3f9a1c2e.a`: used in the connection's addresses. */
  readonly name: string;
  /** The ring this end writes to (the other end reads it). */
  readonly send: SharedArrayBuffer;
  /** The ring this end reads from. */
  readonly receive: SharedArrayBuffer;
  /**
   * One side of a `MessageChannel` whose other side is the other end's. No message goes through
   * it: its `close` event tells a connection that the other end's thread ended.
   */
  readonly port: MessagePort;
}

/** Why `value` is not a usable {@link SharedMemoryEnd}, or `undefined` when it is one. */
export function endProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const v = value as Record<string, unknown>; // narrowed field by field below
  if (v['kind'] !== 'rxmsg-shm-end') return 'kind is not "rxmsg-shm-end"';
  if (typeof v['name'] !== 'string') return 'name is not a string';
  const send = ringProblem(v['send']);
  if (send !== undefined) return `send ring: ${send}`;
  const receive = ringProblem(v['receive']);
  if (receive !== undefined) return `receive ring: ${receive}`;
  if (v['send'] === v['receive']) return 'send and receive are the same ring';
  const port = v['port'];
  if (typeof port !== 'object' || port === null || typeof (port as { close?: unknown }).close !== 'function') return 'port is not a MessagePort (was it left out of the transfer list?)';
  return undefined;
}

/**
 * Whether `value` (for example a message received from another thread) is a {@link SharedMemoryEnd}.
 *
 * @example
 * ```ts
 * parentPort!.on('message', (m: unknown) => { if (isSharedMemoryEnd(m)) transport.offer(m); });
 * ```
 */
export function isSharedMemoryEnd(value: unknown): value is SharedMemoryEnd {
  return endProblem(value) === undefined;
}
