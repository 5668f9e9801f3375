import { WebSocket, type RawData } from 'ws';
import type { Codec, ControlKind } from '@rxmsg/node';
import type { RawPeer } from './raw-peer';

/**
 * A hand-driven WebSocket client (on `ws`): each message it sends is one WebSocket message
 * (text for a string, binary for bytes), and each message it receives is one payload, decoded
 * with the protocol's codec. The counterpart of {@link WirePeer} for the WebSocket transport.
 */
export class WsPeer implements RawPeer {
  private readonly payloads: Uint8Array[] = [];
  /** How many payloads were decoded into `decoded` / `controlKinds` (each payload is decoded once). */
  private seen = 0;
  private readonly decoded: unknown[] = [];
  private readonly controlKinds: ControlKind[] = [];
  private waiters: (() => void)[] = [];
  /** Resolves when the connection is closed. */
  readonly ended: Promise<void>;

  private constructor(
    readonly ws: WebSocket,
    private readonly codec: Codec,
  ) {
    ws.on('message', (data: RawData) => {
      // binaryType is the default 'nodebuffer': one Buffer per message.
      this.payloads.push(new Uint8Array(data as Buffer));
      this.wake();
    });
    ws.on('error', () => {});
    this.ended = new Promise((resolve) =>
      ws.once('close', () => {
        this.wake();
        resolve();
      }),
    );
  }

  /** Connect to a `ws://` or `wss://` address; `options.tls` (e.g. `{ ca }`) is used for `wss://`. */
  static connect(address: string, codec: Codec, options: { readonly stayOpen?: boolean; readonly tls?: { readonly ca?: string } } = {}): Promise<WsPeer> {
    if (options.stayOpen === true) {
      // A half-open byte stream has no WebSocket counterpart: ws answers a close frame itself.
      return Promise.reject(new Error('stayOpen has no WebSocket equivalent'));
    }
    const ws = new WebSocket(address, options.tls?.ca === undefined ? {} : { ca: options.tls.ca });
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        resolve(new WsPeer(ws, codec));
      });
    });
  }

  get closed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED;
  }

  send(...messages: readonly unknown[]): Promise<void> {
    return Promise.all(messages.map((m) => this.sendOne(this.codec.encodePayload(m), true))).then(() => undefined);
  }

  write(data: string | Uint8Array): Promise<void> {
    return this.sendOne(data, true);
  }

  writeFragment(text: string, last: boolean): Promise<void> {
    return this.sendOne(text, last);
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

  /** Decode the payloads that arrived since the last call (a decoding error is thrown, and the payload retried next call). */
  private catchUp(): void {
    for (; this.seen < this.payloads.length; this.seen++) {
      const p = this.payloads[this.seen]!;
      const kind = this.codec.controlOf(p);
      if (kind === undefined) this.decoded.push(this.codec.decode(p));
      else this.controlKinds.push(kind);
    }
  }

  async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${this.payloads.length} messages`);
      if (this.closed && !predicate()) throw new Error(`connection closed; received ${this.payloads.length} messages`);
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
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  destroy(): void {
    this.ws.terminate();
  }

  /** Send one message, or one fragment of a text message (`fin: false`); resolves once it is handed to the socket. */
  private sendOne(data: string | Uint8Array, fin: boolean): Promise<void> {
    return new Promise((resolve, reject) =>
      this.ws.send(data, { binary: typeof data !== 'string', fin }, (error) => (error === undefined || error === null ? resolve() : reject(error))),
    );
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
