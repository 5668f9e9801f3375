import { firstValueFrom } from 'rxjs';
import { parseAddress, soeTransport, type Codec, type Connection, type ControlKind } from '@rxmsg/node';
import type { RawPeer } from './raw-peer';

/**
 * A hand-driven SOE client: one SOE session (through the transport's own connection, so the
 * session layer is rxmsg's), each message sent as one application payload and each payload
 * received decoded with the protocol's codec. The counterpart of {@link WirePeer} for `soe://`.
 */
export class SoePeer implements RawPeer {
  private readonly payloads: Uint8Array[] = [];
  private seen = 0;
  private readonly decoded: unknown[] = [];
  private readonly controlKinds: ControlKind[] = [];
  private waiters: (() => void)[] = [];
  private isClosed = false;
  private wakeScheduled = false;
  private writable = true;
  private drainWaiters: (() => void)[] = [];
  /** Resolves when the session ended. */
  readonly ended: Promise<void>;

  private constructor(
    private readonly connection: Connection,
    private readonly codec: Codec,
  ) {
    this.ended = new Promise((resolve) =>
      connection.start({
        onData: (chunk) => {
          this.payloads.push(chunk);
          this.wake();
        },
        // Like a socket with allowHalfOpen off: the peer's end is answered with this side's.
        onEnd: () => connection.end(),
        onDrain: () => {
          this.writable = true;
          const w = this.drainWaiters;
          this.drainWaiters = [];
          for (const f of w) f();
        },
        onClose: () => {
          this.isClosed = true;
          this.wake();
          for (const f of this.drainWaiters) f();
          resolve();
        },
      }),
    );
  }

  /** Open an SOE session to an `soe://` address. */
  static async connect(address: string, codec: Codec, options: { readonly stayOpen?: boolean } = {}): Promise<SoePeer> {
    if (options.stayOpen === true) throw new Error('stayOpen has no SOE equivalent: a session has no half-close');
    const connection = await firstValueFrom(soeTransport().connect(parseAddress(address), { noDelay: true }));
    return new SoePeer(connection, codec);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async send(...messages: readonly unknown[]): Promise<void> {
    for (const m of messages) await this.write(this.codec.encodePayload(m));
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (this.isClosed) throw new Error('SOE peer closed');
    if (!this.writable) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    if (!this.connection.write(data)) this.writable = false;
  }

  writeFragment(): Promise<void> {
    // An SOE application payload is delivered whole; there is no partial message to send.
    return Promise.reject(new Error('an SOE payload cannot be sent in parts'));
  }

  messages(): unknown[] {
    this.catchUp();
    return this.decoded.slice();
  }

  controls(): ControlKind[] {
    this.catchUp();
    return this.controlKinds.slice();
  }

  async receive(n: number, timeoutMs = 3000): Promise<unknown[]> {
    await this.until(() => {
      this.catchUp();
      return this.decoded.length >= n;
    }, timeoutMs);
    return this.messages();
  }

  async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${this.payloads.length} messages`);
      if (this.isClosed && !predicate()) throw new Error(`connection closed; received ${this.payloads.length} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  pause(): void {
    this.connection.pause();
  }

  resume(): void {
    this.connection.resume();
  }

  destroy(): void {
    this.connection.destroy();
  }

  private catchUp(): void {
    for (; this.seen < this.payloads.length; this.seen++) {
      const p = this.payloads[this.seen]!;
      const kind = this.codec.controlOf(p);
      if (kind === undefined) this.decoded.push(this.codec.decode(p));
      else this.controlKinds.push(kind);
    }
  }

  /**
   * Wakes the waiters once per turn of the event loop: each datagram is its own callback, and a
   * predicate run per payload (over every message so far) would make a long test quadratic.
   */
  private wake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }
}
