import { firstValueFrom } from 'rxjs';
import { parseAddress, soeTransport, type Codec, type Connection, type ControlKind } from '@rxmsg/node';
import { PayloadInbox } from './payload-inbox';
import type { RawPeer } from './raw-peer';

/**
 * A hand-driven SOE client: one SOE session (through the transport's own connection, so the
 * session layer is rxmsg's), each message sent as one application payload and each payload
 * received decoded with the protocol's codec. The counterpart of {@link WirePeer} for `soe://`.
 */
export class SoePeer implements RawPeer {
  private readonly inbox: PayloadInbox;
  private isClosed = false;
  private writable = true;
  private drainWaiters: (() => void)[] = [];
  /** Resolves when the session ended. */
  readonly ended: Promise<void>;

  private constructor(
    private readonly connection: Connection,
    private readonly codec: Codec,
  ) {
    this.inbox = new PayloadInbox(codec, () => this.isClosed);
    this.ended = new Promise((resolve) =>
      connection.start({
        onData: (chunk) => this.inbox.push(chunk),
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
          this.inbox.wake();
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
    return this.inbox.messages();
  }

  controls(): ControlKind[] {
    return this.inbox.controls();
  }

  receive(n: number, timeoutMs?: number): Promise<unknown[]> {
    return this.inbox.receive(n, timeoutMs);
  }

  until(predicate: () => boolean, timeoutMs?: number): Promise<void> {
    return this.inbox.until(predicate, timeoutMs);
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
}
