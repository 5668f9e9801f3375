import { WebSocket, type RawData } from 'ws';
import type { Codec, ControlKind } from '@rxmsg/node';
import { PayloadInbox } from './payload-inbox';
import type { RawPeer } from './raw-peer';

/**
 * A hand-driven WebSocket client (on `ws`): each message it sends is one WebSocket message
 * (text for a string, binary for bytes), and each message it receives is one payload, decoded
 * with the protocol's codec. The counterpart of {@link WirePeer} for the WebSocket transport.
 */
export class WsPeer implements RawPeer {
  private readonly inbox: PayloadInbox;
  /** Resolves when the connection is closed. */
  readonly ended: Promise<void>;

  private constructor(
    readonly ws: WebSocket,
    private readonly codec: Codec,
  ) {
    this.inbox = new PayloadInbox(codec, () => this.closed);
    ws.on('message', (data: RawData) => {
      // binaryType is the default 'nodebuffer': one Buffer per message.
      this.inbox.push(new Uint8Array(data as Buffer));
    });
    ws.on('error', () => {});
    this.ended = new Promise((resolve) =>
      ws.once('close', () => {
        this.inbox.wake();
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
}
