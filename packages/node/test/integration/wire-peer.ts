import { type Codec, type ControlKind, type Framer } from '@rxmsg/node';
import { concatBytes } from '@rxmsg/node/internal';
import { RawSocket, type RawSocketOptions } from '@rxmsg/testing';
import type { RawPeer } from './raw-peer';

/**
 * A hand-driven client over a raw socket: writes frames or arbitrary bytes, decodes what
 * the server sent with the protocol's codec. Like {@link RawSocket} it ends its side when
 * the server ends its own, unless `stayOpen` is set (a peer that ignores the server's FIN).
 */
export class WirePeer implements RawPeer {
  /** One framer for the life of the peer, fed each received chunk once. */
  private readonly framer: Framer;
  /** How many of the socket's chunks the framer has been given. */
  private fed = 0;
  private readonly decoded: unknown[] = [];
  private readonly controlKinds: ControlKind[] = [];
  private framingError: Error | undefined;

  private constructor(
    readonly raw: RawSocket,
    private readonly codec: Codec,
  ) {
    this.framer = codec.createFramer(0x7fffffff);
  }

  /** Connect to `address`; `options.tls` (e.g. `{ ca }`) is used for a `tls://` address. */
  static async connect(address: string, codec: Codec, options: { stayOpen?: boolean } & RawSocketOptions = {}): Promise<WirePeer> {
    const raw = await RawSocket.connect(address, options.tls === undefined ? {} : { tls: options.tls });
    // Node reads allowHalfOpen when the FIN arrives: set now, the socket keeps its side open.
    if (options.stayOpen === true) raw.socket.allowHalfOpen = true;
    return new WirePeer(raw, codec);
  }

  /** Resolves when the socket is closed. */
  get ended(): Promise<void> {
    return this.raw.ended;
  }

  /** `true` once the socket is closed. */
  get closed(): boolean {
    return this.raw.socket.destroyed;
  }

  /** Encode `messages` as frames and write them in one write. */
  send(...messages: readonly unknown[]): Promise<void> {
    return this.raw.write(frames(this.codec, messages));
  }

  /** Write raw bytes or text. */
  write(data: string | Uint8Array): Promise<void> {
    return this.raw.write(data);
  }

  /** Write text as it is: part of a frame, or the end of one. */
  writeFragment(text: string): Promise<void> {
    return this.raw.write(text);
  }

  /** Every complete message received so far, decoded but not validated; control frames (heartbeats) are left out. */
  messages(): unknown[] {
    this.catchUp();
    return this.decoded.slice();
  }

  /** The control frames (heartbeats) received so far. */
  controls(): ControlKind[] {
    this.catchUp();
    return this.controlKinds.slice();
  }

  /** Wait until `predicate` holds, or reject after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void> {
    return this.raw.until(() => predicate(), timeoutMs);
  }

  /** Stop reading the socket. */
  pause(): void {
    this.raw.socket.pause();
  }

  /** Read the socket again. */
  resume(): void {
    this.raw.socket.resume();
  }

  /**
   * Frame and decode the chunks that arrived since the last call: each byte is framed and each
   * message decoded once, however often a test polls. A framing or decoding error is thrown
   * now and on every later call.
   */
  private catchUp(): void {
    if (this.framingError !== undefined) throw this.framingError;
    const chunks = this.raw.chunks();
    try {
      for (; this.fed < chunks.length; this.fed++) {
        const c = chunks[this.fed]!;
        this.framer.push(new Uint8Array(c.buffer, c.byteOffset, c.length));
        for (let f = this.framer.next(); f !== undefined; f = this.framer.next()) {
          if (f instanceof Error) throw f;
          const frame = typeof f === 'string' ? new TextEncoder().encode(f) : f;
          const kind = this.codec.controlOf(frame);
          if (kind === undefined) this.decoded.push(this.codec.decode(frame));
          else this.controlKinds.push(kind);
        }
      }
    } catch (e) {
      this.framingError = e instanceof Error ? e : new Error(String(e));
      throw this.framingError;
    }
  }

  /** Wait until at least `n` messages arrived; returns them all. */
  async receive(n: number, timeoutMs = 3000): Promise<unknown[]> {
    await this.raw.until(() => {
      this.catchUp();
      return this.decoded.length >= n;
    }, timeoutMs);
    return this.messages();
  }

  destroy(): void {
    this.raw.destroy();
  }
}

/** `messages` encoded as consecutive frames of `codec`, as one chunk. */
export function frames(codec: Codec, messages: readonly unknown[]): Uint8Array {
  const chunks = messages.map((m) => {
    const c = codec.encodeFrame(m);
    return typeof c === 'string' ? new TextEncoder().encode(c) : c;
  });
  return concatBytes(chunks, chunks.reduce((n, c) => n + c.length, 0));
}

/** A 4-byte big-endian length prefix. */
export function lengthPrefix(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
