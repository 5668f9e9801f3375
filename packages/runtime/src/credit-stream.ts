import { MAX_CREDIT, type OutboundStream } from '@rxmsg/core';

/** What a {@link CreditStream} asks of the stage it sends on. */
export interface CreditStreamHost {
  /** Whether the peer has room for a message now. */
  readonly writable: boolean;
  /** Whether the peer can still send at all. */
  readonly canSend: boolean;
  /** Send one message. @returns whether it was queued. */
  send(message: unknown): boolean;
  /** Tell the queue that someone waits for room (so that its relief is reported). */
  awaitRoom(): void;
  /** A message was not sent for want of a credit. */
  noCredit(): void;
}

/**
 * One stream opened with `peer.openStream(id)`: its credits, and the producers waiting for one.
 * A message takes one credit; grants add up to {@link MAX_CREDIT}.
 */
export class CreditStream<Out> implements OutboundStream<Out> {
  private left: number;
  private isClosed = false;
  private waiters: ((ok: boolean) => void)[] | undefined;

  constructor(
    private readonly host: CreditStreamHost,
    readonly id: number,
    credits: number,
    private readonly onClose: () => void,
  ) {
    this.left = credits;
  }

  get credits(): number {
    return this.left;
  }

  ready(): Promise<boolean> {
    if (this.isClosed || !this.host.canSend) return Promise.resolve(false);
    if (this.left > 0 && this.host.writable) return Promise.resolve(true);
    if (this.left > 0) this.host.awaitRoom();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  send(message: Out): boolean {
    if (!this.take()) return false;
    return this.host.send(message);
  }

  /**
   * Take one credit for a message sent another way (`paced()` emits it into the processor's output).
   * @returns `false` without a credit (reported as `no-credit`) or once closed.
   */
  take(): boolean {
    if (this.isClosed || !this.host.canSend) return false;
    if (this.left === 0) {
      this.host.noCredit();
      return false;
    }
    this.left--;
    return true;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.onClose();
    this.settle(false);
  }

  /** @internal The remote consumer granted `n` more. */
  granted(n: number): void {
    this.left = Math.min(MAX_CREDIT, this.left + n);
    this.wake();
  }

  /** @internal Resolve the waiters if a message may be sent now (or with `false` if none ever may). */
  wake(): void {
    if (this.waiters === undefined) return;
    if (!this.host.canSend) this.settle(false);
    else if (this.left > 0) {
      if (this.host.writable) this.settle(true);
      else this.host.awaitRoom();
    }
  }

  private settle(ok: boolean): void {
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve(ok);
  }
}
