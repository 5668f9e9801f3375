import { firstValueFrom } from 'rxjs';
import { parseAddress, type Connection, type ConnectionHandlers, type RxmsgError, type Transport } from '@rxmsg/core';

/** Handlers that keep what a connection delivers. */
export class Recorder implements ConnectionHandlers {
  readonly chunks: Uint8Array[] = [];
  ended = false;
  closes: (RxmsgError | undefined)[] = [];
  drains = 0;
  private waiters: (() => void)[] = [];

  onData(chunk: Uint8Array): void {
    // Copied: a transport may reuse its buffer.
    this.chunks.push(Uint8Array.from(chunk));
    this.wake();
  }
  onEnd(): void {
    this.ended = true;
    this.wake();
  }
  onDrain(): void {
    this.drains++;
  }
  onClose(error: RxmsgError | undefined): void {
    this.closes.push(error);
    this.wake();
  }

  /** Every byte delivered, in order. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get received(): number {
    let n = 0;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  /** Resolves once `predicate` holds; checked after each event (no clock involved). */
  until(predicate: () => boolean): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (predicate()) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** A listener of `transport` on `address` and one connection dialled to it through the same transport. */
export async function linkedPair(transport: Transport, address: string): Promise<{ accepted: Connection; dialled: Connection; close: () => Promise<void> }> {
  let accept: (c: Connection) => void = () => {};
  const acceptedPromise = new Promise<Connection>((resolve) => (accept = resolve));
  const listener = await transport.listen(parseAddress(address), (c) => accept(c), { noDelay: true });
  const dialled = await firstValueFrom(transport.connect(parseAddress(listener.address), { noDelay: true }));
  const accepted = await acceptedPromise;
  return {
    accepted,
    dialled,
    close: async () => {
      accepted.destroy();
      dialled.destroy();
      await listener.close();
    },
  };
}
