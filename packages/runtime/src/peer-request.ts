import { Observable, type Subscription } from 'rxjs';
import { CancelledError, ProtocolDefinitionError, RemoteError, TimeoutError, type RxmsgError } from '@rxmsg/core';
import { DEFAULT_REQUEST_TIMEOUT_MS, type RequestOptions } from './request-options';
import type { OutgoingCall, RequestTable } from './request-table';

/**
 * One request on one protocol stage, as a cold Observable: subscribing sends it; it emits the
 * reply and completes (a single request), or each reply until `$end` (a request-stream). It
 * fails with a `RemoteError` on `$error`, a `TimeoutError` past `timeoutMs`, a `CancelledError`
 * when `signal` aborts, a `ClosedError` when the stage ends first, a `RequestLimitError` when
 * `maxRequestsInFlight` requests are outstanding. Unsubscribing before the end sends `$cancel`.
 * Its timer and abort listener are removed exactly once, whichever way it ends.
 * @param table - the stage's requests (`undefined`: the protocol declares none).
 */
export function peerRequest$(table: RequestTable | undefined, message: object, options: RequestOptions = {}): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    if (table === undefined) {
      subscriber.error(new ProtocolDefinitionError('the protocol of this peer declares no requests'));
      return undefined;
    }
    const name = (message as Record<string, unknown>)[table.tag];
    const kind = typeof name === 'string' ? table.sends(name) : undefined;
    if (kind === undefined) {
      subscriber.error(new ProtocolDefinitionError(`${String(name)} is not a request the ${table.side} sends`));
      return undefined;
    }
    const signal = options.signal;
    if (signal?.aborted === true) {
      subscriber.error(new CancelledError('the request was aborted before it was sent', { cause: signal.reason }));
      return undefined;
    }
    let id: number | undefined;
    let timer: Subscription | undefined;
    let onAbort: (() => void) | undefined;
    const release = (): void => {
      timer?.unsubscribe();
      timer = undefined;
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      onAbort = undefined;
    };
    /** Give up: forget the call, tell the other side, fail. */
    const abandon = (error: RxmsgError): void => {
      const open = id;
      id = undefined;
      release();
      if (open !== undefined) table.abandon(open);
      subscriber.error(error);
    };
    const call: OutgoingCall = {
      kind,
      next: (reply) => {
        // A stream's deadline is for its first reply.
        timer?.unsubscribe();
        timer = undefined;
        if (kind.stream) {
          subscriber.next(reply);
          return;
        }
        id = undefined;
        release();
        subscriber.next(reply);
        subscriber.complete();
      },
      end: () => {
        id = undefined;
        release();
        if (kind.stream) subscriber.complete();
        else subscriber.error(new RemoteError('NO_REPLY', 'the request ended without a reply'));
      },
      fail: (error) => {
        id = undefined;
        release();
        subscriber.error(error);
      },
    };
    const opened = table.open(message, call);
    if (typeof opened !== 'number') {
      subscriber.error(opened);
      return undefined;
    }
    // Answered while being sent (an in-memory peer): nothing to arm. A stream its subscriber left
    // during that first answer (`take(1)`) is still open on the other side: cancel it.
    if (subscriber.closed) {
      table.abandon(opened);
      return undefined;
    }
    id = opened;
    const timeoutMs = options.timeoutMs ?? (kind.stream ? 0 : DEFAULT_REQUEST_TIMEOUT_MS);
    if (timeoutMs > 0) {
      timer = table.scheduler.schedule(() => {
        timer = undefined;
        abandon(new TimeoutError(`no reply to ${String(name)} within ${timeoutMs} ms`));
      }, timeoutMs);
    }
    if (signal !== undefined) {
      onAbort = () => abandon(new CancelledError('the request was aborted', { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    return () => {
      const open = id;
      id = undefined;
      release();
      if (open !== undefined) table.abandon(open);
    };
  });
}
