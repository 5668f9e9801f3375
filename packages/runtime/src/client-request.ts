import { Observable, type Observer, type SchedulerLike, type Subscription } from 'rxjs';
import { CancelledError, ClosedError, TimeoutError, type Peer, type RxmsgError } from '@rxmsg/core';
import { ActiveStage } from './active-stage';
import type { ClientEvent } from './events';
import { peerRequest$ } from './peer-request';
import { DEFAULT_REQUEST_TIMEOUT_MS, type RequestOptions } from './request-options';

/** Times one idempotent request is sent again after lost connections before it fails with a `ClosedError`. */
export const MAX_REQUEST_RESENDS = 8;

/** What a client handle lends to requests made through it. */
export interface ClientLink {
  /** The peer of the live connection's current stage, if any. */
  readonly peer: () => Peer<unknown, unknown, unknown> | undefined;
  /** The client's events: a `protocol-entered` is a chance to send, `closed` the end. */
  readonly events$: Observable<ClientEvent>;
  /** The client's scheduler (request deadlines). */
  readonly scheduler: SchedulerLike;
  /** Whether the client is closed. */
  readonly finished: () => boolean;
}

const links = new WeakMap<object, ClientLink>();

/** Lend `link` to the requests made through client handle `handle`. */
export function linkClient(handle: object, link: ClientLink): void {
  links.set(handle, link);
}

/** Whether `target` is a client handle. */
export function isClientHandle(target: object): boolean {
  return links.has(target);
}

/**
 * One request made through a client handle: sent on the live connection once its current stage
 * speaks `protocol` (waiting for one while connecting or reconnecting, within the deadline).
 * When the connection is lost with the request outstanding it fails with a `ClosedError`, or,
 * with `idempotent`, is sent again on the next connection (at most {@link MAX_REQUEST_RESENDS}
 * times, within the deadline). The deadline runs on the client's scheduler from the subscription
 * (for a request-stream: until its first reply).
 */
export function clientRequest$(handle: object, protocol: string, message: object, stream: boolean, options: RequestOptions = {}): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const link = links.get(handle);
    if (link === undefined || link.finished()) {
      subscriber.error(new ClosedError('the client is closed'));
      return undefined;
    }
    const signal = options.signal;
    if (signal?.aborted === true) {
      subscriber.error(new CancelledError('the request was aborted before it was sent', { cause: signal.reason }));
      return undefined;
    }
    let attempt: Subscription | undefined;
    let lastStage: ActiveStage<unknown> | undefined;
    let resends = 0;
    let settled = false;
    let timer: Subscription | undefined;
    let watch: Subscription | undefined;
    let onAbort: (() => void) | undefined;
    const release = (): void => {
      settled = true;
      timer?.unsubscribe();
      watch?.unsubscribe();
      attempt?.unsubscribe();
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      onAbort = undefined;
    };
    const fail = (error: RxmsgError): void => {
      if (settled) return;
      release();
      subscriber.error(error);
    };
    const observer: Observer<unknown> = {
      next: (reply) => {
        // A stream's deadline is for its first reply.
        if (stream) timer?.unsubscribe();
        subscriber.next(reply);
      },
      complete: () => {
        if (settled) return;
        release();
        subscriber.complete();
      },
      error: (error: RxmsgError) => {
        attempt = undefined;
        const lost = error instanceof ClosedError && !link.finished();
        if (lost && options.idempotent === true && resends < MAX_REQUEST_RESENDS) {
          resends++;
          // Sent again on the next stage of this protocol (`protocol-entered`), or now if one is live already.
          tryNow();
          return;
        }
        fail(error);
      },
    };
    const tryNow = (): void => {
      if (settled || attempt !== undefined) return;
      const peer = link.peer();
      if (!(peer instanceof ActiveStage) || peer.ended || peer === lastStage || peer.protocol !== protocol) return;
      lastStage = peer;
      // The deadline and the signal are this request's, across connections: not handed to each attempt.
      attempt = peerRequest$(peer.calls, message, { timeoutMs: 0 }).subscribe(observer);
      if (attempt.closed) attempt = undefined;
    };
    const timeoutMs = options.timeoutMs ?? (stream ? 0 : DEFAULT_REQUEST_TIMEOUT_MS);
    if (timeoutMs > 0) {
      timer = link.scheduler.schedule(() => fail(new TimeoutError(`no reply within ${timeoutMs} ms`)), timeoutMs);
    }
    if (signal !== undefined) {
      onAbort = () => fail(new CancelledError('the request was aborted', { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    watch = link.events$.subscribe({
      next: (e) => {
        if (e.type === 'protocol-entered' && e.protocol === protocol) tryNow();
      },
      complete: () => fail(new ClosedError('the client closed before the answer came')),
    });
    tryNow();
    return release;
  });
}
