import type { Subscription } from 'rxjs';
import { ClosedError, RxmsgError, TimeoutError, textCodec, type Transport } from '@rxmsg/core';
import { AdminProtocol } from './admin-protocol';
import { dial } from './cli-transports';
import { WireLink } from './wire-link';

/** Largest admin reply read: a snapshot of `maxConnectionsListed` connections per node fits many times over. */
export const ADMIN_REPLY_MAX_BYTES = 64 * 1024 * 1024;

/** What one `Snapshot` request got. */
export type AdminReply = Exclude<ReturnType<typeof AdminProtocol.server.parse>, RxmsgError>;

/** A connection to an admin endpoint, asking for one snapshot at a time. */
export class AdminClient {
  private waiting: { resolve(reply: AdminReply): void; reject(error: RxmsgError): void } | undefined;
  private failure: RxmsgError | undefined;
  private readonly subscription: Subscription;

  private constructor(private readonly link: WireLink) {
    this.subscription = link.events$.subscribe({
      next: (event) => {
        if (event.type === 'drain') return;
        const reply = event.type === 'malformed' ? event.error : AdminProtocol.server.parse(event.value);
        const w = this.waiting;
        this.waiting = undefined;
        if (reply instanceof RxmsgError) w?.reject(reply);
        else w?.resolve(reply);
      },
      error: (error: unknown) => this.fail(error instanceof RxmsgError ? error : new ClosedError('admin connection failed', { cause: error })),
      complete: () => this.fail(new ClosedError('the admin endpoint closed the connection')),
    });
  }

  /** Connect to the admin endpoint at `address`. @throws the transport's `ConnectError`/`TimeoutError`. */
  static async connect(transports: readonly Transport[], address: string, timeoutMs: number): Promise<AdminClient> {
    return new AdminClient(new WireLink(await dial(transports, address, timeoutMs), textCodec, ADMIN_REPLY_MAX_BYTES));
  }

  private fail(error: RxmsgError): void {
    this.failure ??= error;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(error);
  }

  /** Ask for a snapshot. @throws a `TimeoutError` after `timeoutMs`, a `ClosedError` when the connection is gone, a `DecodeError` for a bad reply. */
  request(token: string, timeoutMs: number): Promise<AdminReply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<AdminReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new TimeoutError(`no admin reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.link.send({ kind: 'Snapshot', token });
    });
  }

  /** Close the connection. Safe to call twice. */
  close(): void {
    this.subscription.unsubscribe();
  }
}
