import type { SessionStats } from './session-stats';
import type { DecodeError, DecodeErrorPolicy, ProcessorError, RxmsgError, SendQueueFullError } from '@rxmsg/core';

/**
 * Why a connection ended:
 * - `completed`: the last processor completed (or the router ended the stack) and everything was flushed;
 * - `remote-closed`: the other side closed the connection;
 * - `local-close`: `peer.close()` was called;
 * - `decode-error`: bad input under `onDecodeError: 'disconnect'`;
 * - `processor-error`: a processor threw or its stream errored;
 * - `send-queue-full`: the peer did not read fast enough and its queue reached `sendQueueLimit`;
 * - `transport-error`: the socket failed;
 * - `shutdown`: the server or client was closed.
 */
export type DisconnectReason =
  | 'completed'
  | 'remote-closed'
  | 'local-close'
  | 'decode-error'
  | 'processor-error'
  | 'send-queue-full'
  | 'transport-error'
  | 'shutdown';

/** Events about one connection, reported by servers and clients alike. */
export type ConnectionEvent =
  | { readonly type: 'connected'; readonly peerId: number; readonly remoteAddress: string; readonly listener: string }
  | { readonly type: 'protocol-entered'; readonly peerId: number; readonly protocol: string }
  | { readonly type: 'protocol-left'; readonly peerId: number; readonly protocol: string }
  | {
      readonly type: 'decode-error';
      readonly peerId: number;
      readonly protocol: string;
      readonly error: DecodeError;
      /** What was done about it (the configured policy; `disconnect` for errors no policy can skip). */
      readonly action: DecodeErrorPolicy;
    }
  | { readonly type: 'processor-error'; readonly peerId: number; readonly protocol: string; readonly error: ProcessorError }
  | { readonly type: 'send-queue-full'; readonly peerId: number; readonly error: SendQueueFullError }
  | {
      readonly type: 'disconnected';
      readonly peerId: number;
      readonly reason: DisconnectReason;
      readonly error?: RxmsgError;
      /** The connection's final message and byte counters. */
      readonly stats: SessionStats;
    };

/** Events of a server: its listeners, its connections, its stop. */
export type ServerEvent =
  | ConnectionEvent
  | { readonly type: 'listening'; readonly address: string }
  | { readonly type: 'stopped' };

/** Events of a client: its connection attempts and its connection. */
export type ClientEvent =
  | ConnectionEvent
  | { readonly type: 'connecting'; readonly address: string; readonly attempt: number }
  | {
      readonly type: 'connect-failed';
      readonly address: string;
      readonly attempt: number;
      readonly error: RxmsgError;
      /** Delay before the next attempt, absent when no attempt is left. */
      readonly retryInMs?: number;
    }
  | { readonly type: 'closed'; readonly error?: RxmsgError };
