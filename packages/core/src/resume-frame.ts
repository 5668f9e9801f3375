import { ResumeFrameError, type ResumeRefusalReason } from './errors';

/**
 * The framing of the resumable-connection layer (see `docs/resume.md`): every frame is a type byte,
 * a payload length (uint32, big-endian) and the payload. Pure functions over `Uint8Array`: browser-safe.
 */
export const RESUME_FRAME_HEADER_BYTES = 5;
/** Largest payload of a handshake frame (`hello`, `welcome`); larger ones are refused before they are buffered. */
export const RESUME_MAX_CONTROL_PAYLOAD = 64;
/** The four bytes every handshake frame's payload starts with (`RXRS`), then the version byte. */
export const RESUME_MAGIC: Readonly<Uint8Array> = new Uint8Array([0x52, 0x58, 0x52, 0x53]);
/** Version of the layer's wire format. */
const VERSION = 1;
/** Bytes of a session token: an 8-byte id and a 16-byte secret, both random. */
export const RESUME_TOKEN_BYTES = 24;

/** Frame types, as their type byte. */
export const ResumeFrameType = {
  /** Bytes of the session, in order. */
  Data: 0x01,
  /** The sender received this many bytes of the session (uint64). */
  Ack: 0x02,
  /** The sender's session ended its output; counts as one byte of the offsets. */
  End: 0x03,
  /** The sender's session closed at once: do not resume. */
  Reset: 0x04,
  /** Client → server, first frame of each physical connection: new session or resume. */
  Hello: 0x10,
  /** Server → client, answer to `hello`: accepted, resumed or refused. */
  Welcome: 0x11,
} as const;
/** One of {@link ResumeFrameType}'s values. */
export type ResumeFrameType = (typeof ResumeFrameType)[keyof typeof ResumeFrameType];

/** One decoded frame; `payload` is a view into the decoder's input (valid until the next `push`). */
export interface ResumeFrame {
  readonly type: ResumeFrameType;
  readonly payload: Uint8Array;
}

/** What a client asks for at the start of a physical connection. */
export type ResumeHello =
  | { readonly kind: 'new' }
  | { readonly kind: 'resume'; readonly token: Uint8Array; readonly received: number };

/** What the server answers. */
export type ResumeWelcome =
  | { readonly kind: 'accepted'; readonly token: Uint8Array }
  | { readonly kind: 'resumed'; readonly received: number }
  | { readonly kind: 'refused'; readonly reason: ResumeRefusalReason };

/** Refusal reasons by their wire byte (index). Append only. */
const REASONS: readonly ResumeRefusalReason[] = [
  'unknown-session',
  'expired',
  'closed',
  'bad-token',
  'offset-out-of-range',
  'stopping',
  'unsupported',
  'window-expired',
];

/**
 * One frame: header and payload in one new array (one write per frame keeps message transports'
 * boundaries and avoids a second syscall on stream ones).
 */
export function encodeResumeFrame(type: ResumeFrameType, payload?: Uint8Array, offset = 0, length = payload === undefined ? 0 : payload.length - offset): Uint8Array {
  const out = new Uint8Array(RESUME_FRAME_HEADER_BYTES + length);
  out[0] = type;
  writeU32(out, 1, length);
  if (payload !== undefined && length > 0) out.set(payload.subarray(offset, offset + length), RESUME_FRAME_HEADER_BYTES);
  return out;
}

/** An `ack` frame for `received` bytes. */
export function encodeAck(received: number): Uint8Array {
  const out = encodeResumeFrame(ResumeFrameType.Ack, undefined, 0, 8);
  writeU64(out, RESUME_FRAME_HEADER_BYTES, received);
  return out;
}

/** The `hello` frame of `hello`. */
export function encodeHello(hello: ResumeHello): Uint8Array {
  const body = hello.kind === 'new' ? new Uint8Array(6) : new Uint8Array(6 + RESUME_TOKEN_BYTES + 8);
  body.set(RESUME_MAGIC, 0);
  body[4] = VERSION;
  if (hello.kind === 'resume') {
    body[5] = 1;
    body.set(hello.token.subarray(0, RESUME_TOKEN_BYTES), 6);
    writeU64(body, 6 + RESUME_TOKEN_BYTES, hello.received);
  }
  return encodeResumeFrame(ResumeFrameType.Hello, body);
}

/** The `welcome` frame of `welcome`. */
export function encodeWelcome(welcome: ResumeWelcome): Uint8Array {
  let body: Uint8Array;
  switch (welcome.kind) {
    case 'accepted':
      body = new Uint8Array(6 + RESUME_TOKEN_BYTES);
      body.set(welcome.token.subarray(0, RESUME_TOKEN_BYTES), 6);
      break;
    case 'resumed':
      body = new Uint8Array(6 + 8);
      body[5] = 1;
      writeU64(body, 6, welcome.received);
      break;
    case 'refused':
      body = new Uint8Array(7);
      body[5] = 2;
      body[6] = REASONS.indexOf(welcome.reason);
      break;
  }
  body.set(RESUME_MAGIC, 0);
  body[4] = VERSION;
  return encodeResumeFrame(ResumeFrameType.Welcome, body);
}

/**
 * Parse a `hello` payload.
 * @throws {@link ResumeFrameError} for a bad magic, version, kind or length.
 */
export function parseHello(payload: Uint8Array): ResumeHello {
  const kind = handshakeKind(payload, 'hello');
  if (kind === 0 && payload.length === 6) return { kind: 'new' };
  if (kind === 1 && payload.length === 6 + RESUME_TOKEN_BYTES + 8) {
    return { kind: 'resume', token: payload.slice(6, 6 + RESUME_TOKEN_BYTES), received: readU64(payload, 6 + RESUME_TOKEN_BYTES) };
  }
  throw new ResumeFrameError(`bad hello: kind ${kind}, ${payload.length} bytes`);
}

/**
 * Parse a `welcome` payload.
 * @throws {@link ResumeFrameError} for a bad magic, version, kind, reason or length.
 */
export function parseWelcome(payload: Uint8Array): ResumeWelcome {
  const kind = handshakeKind(payload, 'welcome');
  if (kind === 0 && payload.length === 6 + RESUME_TOKEN_BYTES) return { kind: 'accepted', token: payload.slice(6) };
  if (kind === 1 && payload.length === 14) return { kind: 'resumed', received: readU64(payload, 6) };
  if (kind === 2 && payload.length === 7) {
    const reason = REASONS[payload[6] as number];
    if (reason !== undefined) return { kind: 'refused', reason };
  }
  throw new ResumeFrameError(`bad welcome: kind ${kind}, ${payload.length} bytes`);
}

/** Read an `ack` payload (8 bytes, checked by the decoder). */
export function parseAck(payload: Uint8Array): number {
  return readU64(payload, 0);
}

function handshakeKind(payload: Uint8Array, what: string): number {
  if (payload.length < 6) throw new ResumeFrameError(`${what} too short: ${payload.length} bytes`);
  for (let i = 0; i < 4; i++) if (payload[i] !== RESUME_MAGIC[i]) throw new ResumeFrameError(`${what} without the resume magic`);
  if (payload[4] !== VERSION) throw new ResumeFrameError(`${what} of unknown version ${payload[4]}`);
  return payload[5] as number;
}

/**
 * Splits a byte stream into {@link ResumeFrame}s. Bounded: a frame whose declared length is over
 * its type's limit (`maxDataPayload` for data, 8 for an ack, 0 for end and reset,
 * {@link RESUME_MAX_CONTROL_PAYLOAD} for handshakes) is refused from its header, before its payload
 * is buffered, so the decoder never holds more than one frame's worth plus the chunk being pushed.
 *
 * @example
 * ```ts
 * const decoder = new ResumeFrameDecoder(65536);
 * decoder.push(chunk);
 * for (let f = decoder.next(); f !== undefined; f = decoder.next()) handle(f);
 * ```
 */
export class ResumeFrameDecoder {
  private parts: Uint8Array[] = [];
  private held = 0;

  /** @param maxDataPayload - largest payload of a `data` frame accepted (0 during a handshake: none is). */
  constructor(public maxDataPayload: number) {}

  /** Bytes pushed and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.held;
  }

  /** Add received bytes (kept by reference: the caller must not reuse the array). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.held += chunk.length;
  }

  /**
   * The next complete frame, or `undefined` when more bytes are needed.
   * @throws {@link ResumeFrameError} for an unknown type or a length over its type's limit.
   */
  next(): ResumeFrame | undefined {
    if (this.held < RESUME_FRAME_HEADER_BYTES) return undefined;
    let head = this.parts[0] as Uint8Array;
    if (head.length < RESUME_FRAME_HEADER_BYTES) head = this.merge();
    const type = head[0] as number;
    const length = readU32(head, 1);
    const limit = this.limitOf(type);
    if (limit < 0) throw new ResumeFrameError(`unknown frame type 0x${type.toString(16)}`);
    if (length > limit || (type === ResumeFrameType.Data && length === 0) || (type === ResumeFrameType.Ack && length !== 8)) {
      throw new ResumeFrameError(`frame of type 0x${type.toString(16)} with a bad length ${length}`);
    }
    const total = RESUME_FRAME_HEADER_BYTES + length;
    if (this.held < total) return undefined;
    if (head.length < total) head = this.merge();
    const payload = head.subarray(RESUME_FRAME_HEADER_BYTES, total);
    if (head.length === total) this.parts.shift();
    else this.parts[0] = head.subarray(total);
    this.held -= total;
    return { type: type as ResumeFrameType, payload };
  }

  private limitOf(type: number): number {
    switch (type) {
      case ResumeFrameType.Data:
        return this.maxDataPayload;
      case ResumeFrameType.Ack:
        return 8;
      case ResumeFrameType.End:
      case ResumeFrameType.Reset:
        return 0;
      case ResumeFrameType.Hello:
      case ResumeFrameType.Welcome:
        return RESUME_MAX_CONTROL_PAYLOAD;
      default:
        return -1;
    }
  }

  /** Join every part into one (once per frame that spans chunks: linear in the bytes). */
  private merge(): Uint8Array {
    const all = new Uint8Array(this.held);
    let at = 0;
    for (const part of this.parts) {
      all.set(part, at);
      at += part.length;
    }
    this.parts = [all];
    return all;
  }
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (((bytes[at] as number) << 24) >>> 0) + ((bytes[at + 1] as number) << 16) + ((bytes[at + 2] as number) << 8) + (bytes[at + 3] as number);
}

function writeU64(out: Uint8Array, at: number, value: number): void {
  writeU32(out, at, Math.floor(value / 4294967296));
  writeU32(out, at + 4, value >>> 0);
}

/** @throws {@link ResumeFrameError} for a value over `Number.MAX_SAFE_INTEGER`. */
function readU64(bytes: Uint8Array, at: number): number {
  const hi = readU32(bytes, at);
  if (hi > 0x1fffff) throw new ResumeFrameError('offset over 2^53');
  return hi * 4294967296 + readU32(bytes, at + 4);
}
