import type { Framer } from './framer';

/**
 * A wire format: how messages become bytes and back. Each protocol picks one.
 * Stream transports (TCP, Unix sockets) use {@link Codec.createFramer} and
 * {@link Codec.encodeFrame}; message transports (WebSocket) send one payload per
 * transport message with {@link Codec.encodePayload}.
 */
export interface Codec {
  /** Short name used in docs and snapshots: `text` or `binary`. */
  readonly name: string;
  /** Whether payloads are text (sent as WebSocket text frames) or bytes. */
  readonly payloadType: 'text' | 'binary';
  /** A new framer for one inbound byte stream. */
  createFramer(maxFrameBytes: number): Framer;
  /** One message as one framed chunk, ready to write to a byte stream. */
  encodeFrame(message: unknown): string | Uint8Array;
  /** One message as an unframed payload. */
  encodePayload(message: unknown): string | Uint8Array;
  /**
   * Decode one payload into a plain value, not yet validated.
   * @throws {@link MalformedMessageError} when the payload is not a well-formed encoding.
   */
  decode(payload: Uint8Array | string): unknown;
  /** Encoded size in bytes of a chunk produced by this codec. */
  byteLength(chunk: string | Uint8Array): number;
  /**
   * A framework heartbeat frame, ready to write: heartbeats are sent and answered by rxmsg
   * itself and never reach processors. `framed` as for {@link Codec.encodeFrame}, else a payload.
   */
  controlFrame(kind: HeartbeatKind, framed: boolean): string | Uint8Array;
  /** Whether a received payload is a control frame, and which; `undefined` for an application message. */
  controlOf(payload: Uint8Array | string): ControlKind | undefined;
  /**
   * A credit frame, ready to write: the sender grants the producer of `stream` `n` more messages
   * (see {@link Credit}). Codecs without it cannot carry stream credits.
   */
  creditFrame?(stream: number, n: number, framed: boolean): string | Uint8Array;
  /**
   * The grant a payload that {@link Codec.controlOf} called `credit` carries.
   * @throws {@link MalformedMessageError} when it is not a well-formed credit frame.
   */
  creditOf?(payload: Uint8Array | string): Credit;
}

/** Heartbeat control frames: a request and its answer. */
export type HeartbeatKind = 'ping' | 'pong';

/** Framework control frames: heartbeats, and credit grants for streams of messages. */
export type ControlKind = HeartbeatKind | 'credit';

/**
 * A credit grant: the consumer of `stream` may take `n` more of its messages. Grants add up; a
 * producer sends on a stream only while it holds credits for it.
 */
export interface Credit {
  /** The stream, an unsigned 32-bit id chosen by the application (a request id, a subscription id). */
  readonly stream: number;
  /** Messages granted, 1 to {@link MAX_CREDIT}. */
  readonly n: number;
}

/** The largest stream id a credit frame carries. */
export const MAX_STREAM_ID = 0xffff_ffff;

/** The most credits one grant carries, and the most a stream holds at once (grants saturate there). */
export const MAX_CREDIT = 0x7fff_ffff;

/** Whether `stream` and `n` fit a credit frame. */
export function isValidCredit(stream: number, n: number): boolean {
  return Number.isInteger(stream) && stream >= 0 && stream <= MAX_STREAM_ID && Number.isInteger(n) && n >= 1 && n <= MAX_CREDIT;
}
