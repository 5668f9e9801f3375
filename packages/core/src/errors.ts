/**
 * Every error rxmsg raises or reports is an {@link RxmsgError} with a stable,
 * machine-readable `code`. Match on `code` (or `instanceof`), never on message text.
 */

/** Codes of every error class in rxmsg. Stable across releases. */
export type RxmsgErrorCode =
  | 'CONFIG_INVALID'
  | 'ADDRESS_INVALID'
  | 'PROTOCOL_INVALID'
  | 'FRAME_TOO_LARGE'
  | 'FRAME_TRUNCATED'
  | 'MESSAGE_MALFORMED'
  | 'MESSAGE_UNKNOWN'
  | 'MESSAGE_INVALID'
  | 'TRANSPORT_FAILED'
  | 'CONNECT_FAILED'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'PROCESSOR_FAILED'
  | 'SEND_QUEUE_FULL'
  | 'MEMORY_LIMIT'
  | 'CALLBACK_FAILED'
  | 'RECEIVE_BUFFER_FULL'
  | 'FLOW_CONTROL'
  | 'EVENT_BUFFER_FULL'
  | 'STAGE_STATE'
  | 'RESUME_REFUSED'
  | 'RESUME_FRAME_INVALID'
  | RequestErrorCode
  | 'ROOM_LIMIT'
  | 'ROOM_ADAPTER_FAILED'
  | 'PEER_NOT_FOUND'
  | 'REMOTE_UNDELIVERED'
  | 'WORKER_FAILED'
  | ListenerErrorCode
  | SoeErrorCode;

/**
 * Codes of the errors of the SOE reliable-UDP transport (`@rxmsg/soe`), listed here so that every
 * rxmsg error's code is an {@link RxmsgErrorCode}; their meanings are documented with `SoePacketError`.
 */
export type SoeErrorCode = 'SOE_MALFORMED' | 'SOE_CRC' | 'SOE_UNKNOWN_OPCODE' | 'SOE_TOO_LARGE' | 'SOE_NO_SESSION' | 'SOE_INVALID';

/** Base class of all rxmsg errors. */
export abstract class RxmsgError extends Error {
  /** Stable identifier of the failure kind. */
  abstract readonly code: RxmsgErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A config object failed validation; `field` is the dotted path of the first bad field. */
export class ConfigError extends RxmsgError {
  readonly code = 'CONFIG_INVALID' as const;
  /** Dotted path of the offending field, e.g. `connectRetry.factor`. */
  readonly field: string;
  /** Every problem found, one line each. */
  readonly problems: readonly string[];

  constructor(field: string, problems: readonly string[], options?: { cause?: unknown }) {
    super(`invalid config field "${field}": ${problems.join('; ')}`, options);
    this.field = field;
    this.problems = problems;
  }
}

/** An address string could not be parsed or no transport handles its scheme. */
export class AddressError extends RxmsgError {
  readonly code = 'ADDRESS_INVALID' as const;
  /** The address as given. */
  readonly address: string;

  constructor(address: string, reason: string) {
    super(`invalid address "${address}": ${reason}`);
    this.address = address;
  }
}

/** A protocol definition is inconsistent (for example a message name used twice). */
export class ProtocolDefinitionError extends RxmsgError {
  readonly code = 'PROTOCOL_INVALID' as const;
}

/** Codes of the errors raised while turning received bytes into messages. */
export type DecodeErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'FRAME_TRUNCATED'
  | 'MESSAGE_MALFORMED'
  | 'MESSAGE_UNKNOWN'
  | 'MESSAGE_INVALID';

/** Base class of the errors raised while decoding inbound bytes. */
export abstract class DecodeError extends RxmsgError {
  abstract override readonly code: DecodeErrorCode;
}

/**
 * A frame (line or length-prefixed payload) is over `maxFrameBytes`. Raised as soon as the limit is crossed.
 * Framing resumes after a frame that can be skipped (`resumable`); one that cannot (a declared
 * length past {@link MAX_SKIP_FACTOR} times the limit: most likely not a length at all, and the
 * stream cannot be resynchronised) ends the connection with reason `frame-too-large`, whatever
 * the decode policy.
 */
export class FrameTooLargeError extends DecodeError {
  readonly code = 'FRAME_TOO_LARGE' as const;
  /** The configured limit. */
  readonly limit: number;
  /** The announced size for length-prefixed frames, or the bytes seen when the limit was crossed for lines. */
  readonly size: number;
  /** Whether framing can go on after this frame (it is skipped); `false` ends the connection. */
  readonly resumable: boolean;

  constructor(size: number, limit: number, resumable = true) {
    super(`frame of ${size} bytes or more exceeds maxFrameBytes ${limit}${resumable ? '' : ': the stream cannot be resynchronised'}`);
    this.size = size;
    this.limit = limit;
    this.resumable = resumable;
  }
}

/**
 * An oversized length-prefixed frame is skipped (its bytes read and dropped) only while its
 * declared length is at most this many times `maxFrameBytes`; past that the connection is closed.
 */
export const MAX_SKIP_FACTOR = 4;

/** The stream ended in the middle of a frame. */
export class FrameTruncatedError extends DecodeError {
  readonly code = 'FRAME_TRUNCATED' as const;
  /** Bytes of the unfinished frame that were received. */
  readonly bytes: number;

  constructor(bytes: number) {
    super(`stream ended inside a frame (${bytes} bytes pending)`);
    this.bytes = bytes;
  }
}

/** A frame's payload is not a well-formed encoded object (bad JSON, bad MessagePack, not an object). */
export class MalformedMessageError extends DecodeError {
  readonly code = 'MESSAGE_MALFORMED' as const;
}

/** A well-formed object whose tag names no message of the protocol. */
export class UnknownMessageError extends DecodeError {
  readonly code = 'MESSAGE_UNKNOWN' as const;
  /** The tag value received (stringified), or `undefined` if the tag field was missing. */
  readonly tag: string | undefined;

  constructor(tagField: string, tag: string | undefined) {
    super(tag === undefined ? `message has no "${tagField}" field` : `unknown message ${tagField}=${JSON.stringify(tag)}`);
    this.tag = tag;
  }
}

/** One schema violation, as reported by zod. */
export interface MessageIssue {
  /** Where in the message, e.g. `["player", 0]`. */
  readonly path: readonly PropertyKey[];
  /** zod's issue code, e.g. `invalid_type`. */
  readonly code: string;
  /** Human-readable explanation. */
  readonly message: string;
}

/** A known message that fails its zod schema. */
export class InvalidMessageError extends DecodeError {
  readonly code = 'MESSAGE_INVALID' as const;
  /** Name of the message (its tag value). */
  readonly messageName: string;
  /** The schema violations. */
  readonly issues: readonly MessageIssue[];

  constructor(messageName: string, issues: readonly MessageIssue[], options?: { cause?: unknown }) {
    const first = issues[0];
    const where = first === undefined ? '' : ` at ${first.path.length === 0 ? '(root)' : first.path.map(String).join('.')}: ${first.message}`;
    super(`invalid ${messageName}${where}`, options);
    this.messageName = messageName;
    this.issues = issues;
  }
}

/** A socket failed (reset, refused, unreachable...). `cause` holds the platform error. */
export class TransportError extends RxmsgError {
  readonly code = 'TRANSPORT_FAILED' as const;
}

/**
 * A connection could not be made: one attempt of a transport (refused, unreachable, a failed
 * handshake; `attempts` is 1 and `cause` holds the platform error), or a client after every
 * attempt its retry policy allowed (`cause` is the last attempt's error).
 */
export class ConnectError extends RxmsgError {
  readonly code = 'CONNECT_FAILED' as const;
  /** Attempts made. */
  readonly attempts: number;

  constructor(address: string, attempts: number, options?: { cause?: unknown }) {
    const cause = options?.cause;
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(`could not connect to ${address} after ${attempts} attempt(s)${why}`, options);
    this.attempts = attempts;
  }
}

/** A deadline passed (flush on close, connect, handshake...). */
export class TimeoutError extends RxmsgError {
  readonly code = 'TIMEOUT' as const;
}

/** An operation on something already closed. */
export class ClosedError extends RxmsgError {
  readonly code = 'CLOSED' as const;
}

/**
 * Why a session could not be resumed (see `docs/resume.md`):
 * - `unknown-session`: the server does not know the session (it restarted, or never issued the token);
 * - `expired`: the session was detached for longer than `windowMs` and was closed;
 * - `closed`: the session ended (it closed itself) before it could be resumed;
 * - `bad-token`: the token's secret does not match;
 * - `offset-out-of-range`: the received offset claimed is outside what the other side still holds;
 * - `stopping`: the server is closing;
 * - `unsupported`: the other side does not speak session resumption (not enabled there);
 * - `window-expired`: the client could not reach the server again within `windowMs`.
 */
export type ResumeRefusalReason =
  | 'unknown-session'
  | 'expired'
  | 'closed'
  | 'bad-token'
  | 'offset-out-of-range'
  | 'stopping'
  | 'unsupported'
  | 'window-expired';

/** A session could not be resumed: `reason` says why. The session ends; a client starts afresh. */
export class ResumeRefusedError extends RxmsgError {
  readonly code = 'RESUME_REFUSED' as const;
  /** Why it was refused. */
  readonly reason: ResumeRefusalReason;

  constructor(reason: ResumeRefusalReason, message?: string, options?: { cause?: unknown }) {
    super(message ?? `session resumption refused: ${reason}`, options);
    this.reason = reason;
  }
}

/** Bytes of the resumable-connection layer that do not form a valid frame (bad type, bad length, bad handshake). */
export class ResumeFrameError extends RxmsgError {
  readonly code = 'RESUME_FRAME_INVALID' as const;
}

/** A processor threw or its stream errored. `cause` holds what it raised. */
export class ProcessorError extends RxmsgError {
  readonly code = 'PROCESSOR_FAILED' as const;
}

/**
 * The connections of a server together held more than `maxBufferedBytes` in rxmsg's buffers, and
 * this one, among those holding the most, was closed to bring the sum back under it.
 */
export class MemoryLimitError extends RxmsgError {
  readonly code = 'MEMORY_LIMIT' as const;
  /** Bytes this connection held when it was closed. */
  readonly held: number;
  /** The server's `maxBufferedBytes`. */
  readonly limit: number;

  constructor(held: number, limit: number) {
    super(`closed to bring the server under maxBufferedBytes ${limit}: this connection held ${held} bytes`);
    this.held = held;
    this.limit = limit;
  }
}

/** The per-peer outbound queue reached `sendQueueLimit`. */
export class SendQueueFullError extends RxmsgError {
  readonly code = 'SEND_QUEUE_FULL' as const;
  /** The configured limit. */
  readonly limit: number;

  constructor(limit: number) {
    super(`send queue is full (${limit} messages)`);
    this.limit = limit;
  }
}

/**
 * A callback of the application (an `initialState`, a router, a hook) threw. `cause` holds what it
 * threw; `callback` names it. The failure is contained to the one connection it concerns.
 */
export class CallbackError extends RxmsgError {
  readonly code = 'CALLBACK_FAILED' as const;
  /** Name of the option the callback was given as, e.g. `initialState`. */
  readonly callback: string;

  constructor(callback: string, options?: { cause?: unknown }) {
    const cause: unknown = options?.cause;
    super(`${callback} threw: ${cause instanceof Error ? cause.message : String(cause)}`, options);
    this.callback = callback;
  }
}

/**
 * A connection that cannot pause reading (a browser WebSocket) received more than `limit` bytes
 * while its reader was paused; it was closed rather than buffer without bound.
 */
export class ReceiveBufferFullError extends RxmsgError {
  readonly code = 'RECEIVE_BUFFER_FULL' as const;
  /** The bound, in bytes, of what is held while reading is paused. */
  readonly limit: number;

  constructor(limit: number) {
    super(`more than ${limit} bytes received while reading was paused`);
    this.limit = limit;
  }
}

/**
 * Credit-based flow control was used wrongly or broken: a stream id or grant out of range, a
 * stream opened twice, a codec without credit frames, or a remote producer that sent more
 * messages on a stream than it was granted.
 */
export class FlowControlError extends RxmsgError {
  readonly code = 'FLOW_CONTROL' as const;
}

/**
 * A reader of a server's event stream (`server.events()`) fell `limit` events behind under the
 * `'error'` overflow policy: the stream ends with this error after the events it buffered.
 */
export class EventBufferFullError extends RxmsgError {
  readonly code = 'EVENT_BUFFER_FULL' as const;
  /** The stream's `bufferSize`. */
  readonly limit: number;

  constructor(limit: number) {
    super(`event stream reader fell ${limit} events behind`);
    this.limit = limit;
  }
}

/** Codes of the failures of a request (see `docs/requests.md`): {@link RequestLimitError}, {@link RemoteError}, {@link CancelledError}. */
export type RequestErrorCode = 'REQUEST_LIMIT' | 'REMOTE_ERROR' | 'CANCELLED';

/** A request was refused before it was sent: `maxRequestsInFlight` requests of this peer were outstanding. */
export class RequestLimitError extends RxmsgError {
  readonly code = 'REQUEST_LIMIT' as const;
  /** The configured bound. */
  readonly limit: number;

  constructor(limit: number) {
    super(`${limit} requests are in flight on this peer (maxRequestsInFlight)`);
    this.limit = limit;
  }
}

/** Which bound of a rooms registry a {@link RoomLimitError} is about. */
export type RoomLimit = 'room-name-length' | 'rooms-per-peer';

/**
 * A rooms registry refused a join: the room name is empty or longer than `maxRoomNameLength`,
 * or the peer is in `maxRoomsPerPeer` rooms already. Nothing was changed.
 */
export class RoomLimitError extends RxmsgError {
  readonly code = 'ROOM_LIMIT' as const;
  /** The bound that was hit. */
  readonly limit: RoomLimit;
  /** Its configured value. */
  readonly max: number;

  constructor(limit: RoomLimit, max: number, detail: string) {
    super(`room ${limit} limit ${max}: ${detail}`);
    this.limit = limit;
    this.max = max;
  }
}

/**
 * The other side answered a request with an error (a `$error` control message): `remoteCode` says
 * why, e.g. `BUSY` (its bound on concurrent requests was reached), `HANDLER_FAILED`, `UNHANDLED`,
 * `NO_REPLY`. `message` is the remote text, untrusted.
 */
export class RemoteError extends RxmsgError {
  readonly code = 'REMOTE_ERROR' as const;
  /** The code the other side sent (at most 64 characters). */
  readonly remoteCode: string;

  constructor(remoteCode: string, message: string) {
    super(`remote error ${remoteCode}: ${message}`);
    this.remoteCode = remoteCode;
  }
}

/** A request was cancelled by its `AbortSignal`; `cause` holds the signal's reason. */
export class CancelledError extends RxmsgError {
  readonly code = 'CANCELLED' as const;
}

/**
 * A stage's `requires` guard refused the connection's state when the router entered it (the
 * guard returned `false`, or threw: then `cause` holds what it threw). The connection is closed
 * with a `processor-error` event whose `ProcessorError` has this error as its `cause`.
 */
export class StageStateError extends RxmsgError {
  readonly code = 'STAGE_STATE' as const;
  /** Name of the stage that was refused. */
  readonly stage: string;

  constructor(stage: string, options?: { cause?: unknown }) {
    const cause: unknown = options?.cause;
    const why = options === undefined || !('cause' in options) ? 'its requires guard returned false' : `its requires guard threw: ${cause instanceof Error ? cause.message : String(cause)}`;
    super(`the connection's state does not meet stage "${stage}": ${why}`, options);
    this.stage = stage;
  }
}

/**
 * An operation of a rooms adapter failed (it threw, or its promise rejected): a remote fan-out,
 * a membership update sent to other nodes. Reported as a `room-error` server event, never thrown
 * to the caller of `send`/`join`; what happened on this node stands. `cause` holds what failed.
 */
export class RoomAdapterError extends RxmsgError {
  readonly code = 'ROOM_ADAPTER_FAILED' as const;
  /** The adapter operation: `join`, `leave`, `leaveAll`, `publish`, `forward`, `attach`, `deliver`, `close`. */
  readonly operation: string;

  constructor(operation: string, options?: { cause?: unknown }) {
    const cause: unknown = options?.cause;
    super(`room adapter ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, options);
    this.operation = operation;
  }
}

/**
 * A send to one peer (`rooms.sendToConfirmed`) found no such peer: `reason` `node-down` when the
 * node its id names is not alive (known without asking it: the send failed fast), `no-such-peer`
 * when that node answered it has no open connection with this id.
 */
export class PeerNotFoundError extends RxmsgError {
  readonly code = 'PEER_NOT_FOUND' as const;
  /** The id asked for. */
  readonly peerId: number;
  /** Why it was not found. */
  readonly reason: 'node-down' | 'no-such-peer';

  constructor(peerId: number, reason: 'node-down' | 'no-such-peer') {
    super(reason === 'node-down' ? `peer ${peerId}: its node is down` : `peer ${peerId}: no such peer`);
    this.peerId = peerId;
    this.reason = reason;
  }
}

/**
 * Messages a rooms adapter could not carry to other nodes (its bus is down or too slow): the cause
 * of a `room-error` event. Adapters report these in batches, so `count` may be more than one.
 * Delivery on this node is not affected.
 */
export class RemoteDeliveryError extends RxmsgError {
  readonly code = 'REMOTE_UNDELIVERED' as const;
  /** Messages (broadcasts, forwarded sends) that did not leave this node since the previous report. */
  readonly count: number;

  constructor(count: number, reason: string, options?: { cause?: unknown }) {
    super(`${count} message${count === 1 ? '' : 's'} not delivered to other nodes: ${reason}`, options);
    this.count = count;
  }
}

/**
 * A cluster worker (`@rxmsg/cluster`) failed to start its server, or exited before it listened:
 * `runCluster` rejects with it. `remoteCode` is the `code` of the error the worker's build threw
 * (when it was an rxmsg error), `exitCode`/`signal` how the process ended, when it did.
 */
export class WorkerFailedError extends RxmsgError {
  readonly code = 'WORKER_FAILED' as const;
  /** The worker's node number. */
  readonly node: number;
  /** The `code` of the error the worker reported, if any. */
  readonly remoteCode: string | undefined;
  /** The exit code, when the worker exited. */
  readonly exitCode: number | null;
  /** The signal that ended it, when one did. */
  readonly signal: string | null;

  constructor(node: number, message: string, details: { readonly remoteCode?: string; readonly exitCode?: number | null; readonly signal?: string | null } = {}, options?: { cause?: unknown }) {
    super(`cluster worker (node ${node}) failed: ${message}`, options);
    this.node = node;
    this.remoteCode = details.remoteCode;
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
  }
}

/**
 * Codes of the failures of a listener, one per kind:
 * - `ACCEPT_FAILED`: accepting a connection failed (`EMFILE`/`ENFILE`: out of file descriptors).
 *   The listener keeps accepting once descriptors are free again;
 * - `TLS_HANDSHAKE_FAILED`: a peer's TLS handshake failed (bad certificate, not TLS, reset mid-handshake);
 * - `UPGRADE_FAILED`: an HTTP request on a WebSocket listener could not be upgraded (malformed
 *   request or handshake headers, an upgrade check that threw); it was answered with an HTTP error;
 * - `LISTENER_FAILED`: any other error of the listening socket.
 *
 * None of them closes the listener: each is reported and the listener goes on.
 */
export type ListenerErrorCode = 'ACCEPT_FAILED' | 'TLS_HANDSHAKE_FAILED' | 'UPGRADE_FAILED' | 'LISTENER_FAILED';

/** Base class of the failures of a listener that it survives; see {@link ListenerErrorCode}. `cause` holds the platform error. */
export abstract class ListenerError extends RxmsgError {
  abstract override readonly code: ListenerErrorCode;
  /** Remote end of the connection concerned, when there is one and it is known. */
  readonly remoteAddress: string | undefined;

  constructor(message: string, options?: { cause?: unknown; remoteAddress?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.remoteAddress = options?.remoteAddress;
  }
}

/** Accepting a connection failed, typically `EMFILE`/`ENFILE`; the listener goes on accepting. */
export class AcceptError extends ListenerError {
  readonly code = 'ACCEPT_FAILED' as const;
}

/** A peer's TLS handshake failed; its socket was destroyed. */
export class TlsHandshakeError extends ListenerError {
  readonly code = 'TLS_HANDSHAKE_FAILED' as const;
}

/** An HTTP request on a WebSocket listener could not be upgraded; it was answered with an HTTP error. */
export class UpgradeError extends ListenerError {
  readonly code = 'UPGRADE_FAILED' as const;
}

/** The listening socket reported an error other than a failed accept. */
export class ListenerSocketError extends ListenerError {
  readonly code = 'LISTENER_FAILED' as const;
}

/**
 * Wrap anything thrown into an {@link RxmsgError}: rxmsg errors pass through,
 * anything else becomes `make(cause)`.
 */
export function toRxmsgError(cause: unknown, make: (cause: unknown) => RxmsgError): RxmsgError {
  return cause instanceof RxmsgError ? cause : make(cause);
}
