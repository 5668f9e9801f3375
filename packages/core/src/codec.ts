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
   * A framework control frame, ready to write: heartbeats are sent and answered by rxmsg
   * itself and never reach processors. `framed` as for {@link Codec.encodeFrame}, else a payload.
   */
  controlFrame(kind: ControlKind, framed: boolean): string | Uint8Array;
  /** Whether a received payload is a control frame, and which; `undefined` for an application message. */
  controlOf(payload: Uint8Array | string): ControlKind | undefined;
}

/** Framework control frames: a heartbeat request and its answer. */
export type ControlKind = 'ping' | 'pong';
