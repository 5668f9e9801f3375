import type { SessionStats } from './session-stats';
import type { CallbackError, DecodeError, DecodeErrorPolicy, ListenerError, ProcessorError, ResumeRefusalReason, RoomAdapterError, RxmsgError, SendQueueFullError } from '@rxmsg/core';

/**
 * Why a connection ended:
 * - `completed`: the last processor completed (or the router ended the stack) and everything was
 *   flushed, including when it completed because the other side ended its input (sent its FIN);
 * - `remote-closed`: the connection closed under a live stack without an error (the other side
 *   closed while this side's processor was still running); on a client, also when the server
 *   ended its side (a graceful shutdown) while the client's processor was still running;
 * - `local-close`: `peer.close()` was called;
 * - `decode-error`: bad input under `onDecodeError: 'disconnect'`;
 * - `processor-error`: a processor threw or its stream errored;
 * - `send-queue-full`: the peer did not read fast enough and its queue reached `sendQueueLimit`;
 * - `transport-error`: the socket failed, or the connection closed itself for a typed reason it
 *   reports as `error` (e.g. `RECEIVE_BUFFER_FULL` from a browser WebSocket that cannot pause reading);
 * - `shutdown`: the server or client was closed;
 * - `timeout`: nothing was received within the heartbeat timeout (the peer vanished);
 * - `idle-timeout`: no application message either way within `idleTimeoutMs`;
 * - `handshake-timeout`: no first message within `handshakeTimeoutMs`;
 * - `rate-limit`: the peer exceeded `rateLimit` with `onExceed: 'disconnect'`;
 * - `frame-too-large`: a length prefix declared a frame too large to skip (over `MAX_SKIP_FACTOR`
 *   times `maxFrameBytes`): the stream cannot be resynchronised, whatever the decode policy;
 * - `memory-limit`: the server's connections together held more than `maxBufferedBytes`, and this
 *   one was among those holding the most.
 */
export type DisconnectReason =
  | 'completed'
  | 'remote-closed'
  | 'local-close'
  | 'decode-error'
  | 'processor-error'
  | 'send-queue-full'
  | 'transport-error'
  | 'shutdown'
  | 'timeout'
  | 'idle-timeout'
  | 'handshake-timeout'
  | 'rate-limit'
  | 'frame-too-large'
  | 'memory-limit';

/**
 * Why a connection's socket stopped being read: its undecoded bytes reached a frame's worth
 * (`frame-buffer`), its outbound queue is full under `backpressure` (`send-queue`), its processor
 * has `receiveQueueLimit` unconsumed messages (`receive-queue`), or it is over its rate (`rate-limit`).
 */
export type PauseCause = 'frame-buffer' | 'send-queue' | 'receive-queue' | 'rate-limit';

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
      readonly type: 'message-dropped';
      readonly peerId: number;
      /** `out`: a message to send was dropped; `in`: a received one. */
      readonly direction: 'in' | 'out';
      /**
       * The policy that dropped it; `no-credit`: sent on a credited stream without a credit (see `Peer.openStream`);
       * `uncorrelated`: a reply or request control message matching no request (late, forged); `busy`: a request
       * refused by a responder at its `concurrency` bound (see `docs/requests.md`); `stage-ended`: the one message a
       * stage that did not read its input held while it read replies, lost because the stage ended before reading it.
       */
      readonly cause: 'drop-newest' | 'drop-oldest' | 'rate-limit' | 'no-credit' | 'uncorrelated' | 'busy' | 'stage-ended';
      /** Messages dropped on this connection so far. */
      readonly dropped: number;
      /** The outbound lane that dropped it, when the config has lanes (see docs/lanes.md). */
      readonly lane?: string;
    }
  | {
      readonly type: 'flow';
      readonly peerId: number;
      readonly cause: Exclude<PauseCause, 'frame-buffer'>;
      /** `true` when reading stopped for this cause, `false` when it resumed. */
      readonly paused: boolean;
    }
  /**
   * With `resume`: the connection's physical connection was lost; the session waits (server) or
   * dials again (client) to resume within `windowMs`. Its processors see nothing of it.
   */
  | { readonly type: 'link-lost'; readonly peerId: number; readonly error?: RxmsgError }
  /** With `resume`: the session continues over a new physical connection; what was lost in between is replayed. */
  | { readonly type: 'resumed'; readonly peerId: number; readonly remoteAddress: string }
  | {
      readonly type: 'disconnected';
      readonly peerId: number;
      readonly reason: DisconnectReason;
      readonly error?: RxmsgError;
      /** The connection's final message and byte counters. */
      readonly stats: SessionStats;
    };

/**
 * Why a server refused a connection it accepted (and destroyed it at once):
 * - `max-connections`: `maxConnections` connections were open;
 * - `stopping`: the server is closing;
 * - `initial-state-failed`: the `initialState` callback threw; the event's `error` is a
 *   `CallbackError` whose `cause` is what it threw. Other connections are not affected.
 */
export type RefusalReason = 'max-connections' | 'stopping' | 'initial-state-failed';

/** Events of a server: its listeners, its connections, its stop. */
export type ServerEvent =
  | ConnectionEvent
  | { readonly type: 'listening'; readonly address: string }
  | { readonly type: 'listener-closed'; readonly address: string }
  /**
   * A listener survived a failure: a failed accept (`ACCEPT_FAILED`, e.g. out of file descriptors),
   * a failed TLS handshake (`TLS_HANDSHAKE_FAILED`), a refused WebSocket upgrade (`UPGRADE_FAILED`),
   * or another error of its socket (`LISTENER_FAILED`). Match on `error.code`. The listener goes on
   * (accepting resumes by itself once descriptors are free); each is counted in `snapshot().listenerErrors`.
   */
  | { readonly type: 'listener-error'; readonly listener: string; readonly error: ListenerError }
  | {
      readonly type: 'connection-refused';
      readonly remoteAddress: string;
      readonly listener: string;
      readonly reason: RefusalReason;
      /** What failed, for `initial-state-failed`. */
      readonly error?: CallbackError;
    }
  /**
   * With `resume`: a physical connection's resumption was refused (see `ResumeRefusedError`): an
   * unknown, expired, closed session, a bad token, an impossible offset, a stopping server, or a client
   * without resumption (`unsupported`). `peerId` names the session when the token named a live one.
   */
  | {
      readonly type: 'resume-refused';
      readonly remoteAddress: string;
      readonly reason: ResumeRefusalReason;
      readonly peerId?: number;
      readonly error?: RxmsgError;
    }
  /** An operation of the rooms adapter failed (a remote fan-out, a membership update); what happened on this node stands. */
  | { readonly type: 'room-error'; readonly error: RoomAdapterError }
  | { readonly type: 'stopped' };

/**
 * Why a client discarded a message given to its `send()` without handing it to a connection:
 * - `disconnected`: not connected, under `whileDisconnected: 'drop'`; or waiting for a later stage of
 *   a composite client's stack when the connection was lost, under `'drop'` or `'error'`;
 * - `queue-full`: `disconnectedQueueLimit` messages were already waiting (for a connection, or for
 *   the stage of a composite client's stack that speaks their protocol);
 * - `refused`: a queued message the next connection did not take (its stage ended or it began closing);
 * - `closed`: still queued when the client closed.
 */
export type SendDropCause = 'disconnected' | 'queue-full' | 'refused' | 'closed';

/**
 * Events of a client: its connection attempts and its connections. Each connection's events carry
 * its `peerId`: 1 for the first connection, 2 for the first reconnection, and so on.
 */
export type ClientEvent =
  | ConnectionEvent
  /** Attempt `attempt` at the first connection begins (the first at once, later ones after the wait of the last `connect-failed`). */
  | { readonly type: 'connecting'; readonly address: string; readonly attempt: number }
  | {
      readonly type: 'connect-failed';
      readonly address: string;
      /** The attempt that failed: counted from 1 for the first connection, and again for each reconnection. */
      readonly attempt: number;
      readonly error: RxmsgError;
      /** Delay before the next attempt, absent when no attempt is left. */
      readonly retryInMs?: number;
    }
  /** A connection was lost (or a reconnect attempt failed): attempt `attempt` is made after `delayMs`. */
  | { readonly type: 'reconnecting'; readonly address: string; readonly attempt: number; readonly delayMs: number }
  /** A message given to `send()` was discarded without reaching a connection. */
  | { readonly type: 'send-dropped'; readonly cause: SendDropCause; readonly message: unknown }
  /**
   * With `resume`: the session could not be resumed (`error` is a `ResumeRefusedError`); it ends (its
   * `disconnected` follows) and, under `reconnect`, a new session starts.
   */
  | { readonly type: 'resume-refused'; readonly peerId: number; readonly reason: ResumeRefusalReason; readonly error: RxmsgError }
  | { readonly type: 'closed'; readonly error?: RxmsgError };
