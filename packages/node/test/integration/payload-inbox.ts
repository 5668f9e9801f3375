import type { Codec, ControlKind } from '@rxmsg/node';

/**
 * What a message-framed test peer ({@link WsPeer}, {@link SoePeer}) received: whole payloads,
 * each decoded once with the protocol's codec (control frames kept apart), and the waiting on
 * them. Waiters are woken once per turn of the event loop: a transport that delivers each payload
 * in its own callback (UDP) would otherwise run a predicate over every message per payload, and a
 * long test would turn quadratic.
 */
export class PayloadInbox {
  private readonly payloads: Uint8Array[] = [];
  /** How many payloads were decoded into `decoded` / `controlKinds`. */
  private seen = 0;
  private readonly decoded: unknown[] = [];
  private readonly controlKinds: ControlKind[] = [];
  private waiters: (() => void)[] = [];
  private wakeScheduled = false;

  constructor(
    private readonly codec: Codec,
    /** Whether the peer's connection is closed (waiting then fails rather than times out). */
    private readonly isClosed: () => boolean,
  ) {}

  /** Payloads received so far. */
  get count(): number {
    return this.payloads.length;
  }

  /** One payload arrived. */
  push(payload: Uint8Array): void {
    this.payloads.push(payload);
    this.wake();
  }

  /** Wake the waiters (the connection closed, say). */
  wake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
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
      if (this.isClosed() && !predicate()) throw new Error(`connection closed; received ${this.payloads.length} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
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
}
