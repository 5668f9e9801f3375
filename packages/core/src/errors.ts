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
  | 'SEND_QUEUE_FULL';

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

/** A frame (line or length-prefixed payload) is over `maxFrameBytes`. Raised as soon as the limit is crossed. */
export class FrameTooLargeError extends DecodeError {
  readonly code = 'FRAME_TOO_LARGE' as const;
  /** The configured limit. */
  readonly limit: number;
  /** The announced size for length-prefixed frames, or the bytes seen when the limit was crossed for lines. */
  readonly size: number;

  constructor(size: number, limit: number) {
    super(`frame of ${size} bytes or more exceeds maxFrameBytes ${limit}`);
    this.size = size;
    this.limit = limit;
  }
}

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

  constructor(messageName: string, issues: readonly MessageIssue[]) {
    const first = issues[0];
    const where = first === undefined ? '' : ` at ${first.path.length === 0 ? '(root)' : first.path.map(String).join('.')}: ${first.message}`;
    super(`invalid ${messageName}${where}`);
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

/** A processor threw or its stream errored. `cause` holds what it raised. */
export class ProcessorError extends RxmsgError {
  readonly code = 'PROCESSOR_FAILED' as const;
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
 * Wrap anything thrown into an {@link RxmsgError}: rxmsg errors pass through,
 * anything else becomes `make(cause)`.
 */
export function toRxmsgError(cause: unknown, make: (cause: unknown) => RxmsgError): RxmsgError {
  return cause instanceof RxmsgError ? cause : make(cause);
}
