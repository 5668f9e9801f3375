import { EMPTY, type Observable } from 'rxjs';
import type { OutboundStream, Peer } from '@rxmsg/core';
import { CreditLedger } from '../../src/credit-ledger';
import type { CreditStreamHost } from '../../src/credit-stream';

/**
 * A {@link Peer} whose demand the test drives: `writable` is set by the test, `relieve()` wakes
 * the producers waiting for room, `end()` makes it unable to send. Streams are real
 * {@link CreditLedger} streams; `grant()` records the grants it is asked to send.
 */
export class FakePeer implements Peer<unknown, unknown, unknown>, CreditStreamHost {
  readonly id = 1;
  readonly remoteAddress = 'fake:remote';
  readonly listener = 'fake';
  readonly listenerContext: unknown = undefined;
  readonly protocol = 'fake';
  readonly state = {};
  readonly messages$: Observable<unknown> = EMPTY;
  readonly sent: unknown[] = [];
  readonly grants: [number, number][] = [];
  readonly ledger = new CreditLedger(this);
  writable = true;
  canSend = true;
  /** Calls of `whenWritable()` (and of stream readiness waits) that found no room. */
  waits = 0;
  noCredits = 0;
  private waiters: ((ok: boolean) => void)[] = [];

  send(message: unknown): boolean {
    if (!this.canSend) return false;
    this.sent.push(message);
    return true;
  }

  whenWritable(): Promise<boolean> {
    if (!this.canSend) return Promise.resolve(false);
    if (this.writable) return Promise.resolve(true);
    this.waits++;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  grant(stream: number, n: number): boolean {
    this.grants.push([stream, n]);
    return this.canSend;
  }

  openStream(stream: number): OutboundStream<unknown> {
    return this.ledger.openStream(stream);
  }

  awaitRoom(): void {
    this.waits++;
  }

  noCredit(): void {
    this.noCredits++;
  }

  /** The queue drained: room again, waiting producers wake. */
  relieve(): void {
    this.writable = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(true);
    this.ledger.relieved();
  }

  /** The peer can send no more (its stage ended). */
  end(): void {
    this.canSend = false;
    this.writable = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(false);
    this.ledger.closeAll();
  }

  close(): void {
    this.end();
  }

  flushAndClose(): Promise<number> {
    this.end();
    return Promise.resolve(0);
  }

  cancelAndClose(): void {
    this.end();
  }
}

/** Let every pending promise callback (and async generator step) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
