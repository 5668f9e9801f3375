import type { ListenerErrorCode } from '@rxmsg/core';
import type { RefusalReason } from './events';
import type { SessionStats } from './session-stats';

/** One live connection in a {@link ServerSnapshot}: its identity, its counters, its flow state now. */
export interface ConnectionSnapshot extends SessionStats {
  readonly id: number;
  readonly remoteAddress: string;
  readonly listener: string;
  /** The context of that listener. */
  readonly listenerContext: unknown;
  /** Protocol being spoken, if any. */
  readonly protocol: string | undefined;
  /** When it connected (ms since the epoch). */
  readonly since: number;
  /** Messages waiting in the outbound queue now. */
  readonly queued: number;
  /** Whether the socket is not being read now (backpressure). */
  readonly inputPaused: boolean;
  /** Bytes it holds in rxmsg's buffers now (undecoded input, outbound queue). */
  readonly heldBytes: number;
}

/** A server's listeners and live connections at one instant, and its failure counters since it started. */
export interface ServerSnapshot {
  readonly listeners: readonly { readonly address: string; readonly connections: number; readonly context: unknown }[];
  readonly connections: readonly ConnectionSnapshot[];
  /** `listener-error` events so far, per `error.code` (every code is present, 0 when none happened). */
  readonly listenerErrors: Readonly<Record<ListenerErrorCode, number>>;
  /** `connection-refused` events so far, per reason (every reason is present). */
  readonly refused: Readonly<Record<RefusalReason, number>>;
  /** Bytes all connections hold in rxmsg's buffers now (undecoded input, outbound queues), against `maxBufferedBytes`. */
  readonly bufferedBytes: number;
  /** Connections closed so far to bring the server under `maxBufferedBytes` (reason `memory-limit`). */
  readonly shed: number;
}
