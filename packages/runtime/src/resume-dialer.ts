import { Observable, Subscription, timer, type SchedulerLike } from 'rxjs';
import {
  ResumeFrameError,
  ResumeRefusedError,
  TimeoutError,
  TransportError,
  toRxmsgError,
  type Connection,
  type ResumeOptions,
  type ReconnectPolicy,
  type RetryPolicy,
  type RxmsgError,
} from '@rxmsg/core';
import {
  ResumeFrameType,
  backoffDelay,
  encodeHello,
  parseWelcome,
  type ResumeHello,
  type ResumeWelcome,
} from '@rxmsg/core/internal';
import { RESUME_MAX_DATA_FRAME, ResumableConnection, resumeDataLimit } from './resumable-connection';
import { ResumeLink } from './resume-link';

/**
 * Backoff between attempts to resume when the client has no `reconnect` policy; a resumed link that
 * carried nothing and lived less than `stableAfterMs` does not reset it.
 */
export const RESUME_REDIAL: ReconnectPolicy = Object.freeze({ initialMs: 50, maxMs: 1_000, factor: 2, jitter: 0.5, maxAttempts: Infinity, stableAfterMs: 1_000 });

/** What a client's resumable connections report. */
export type ResumeDialerEvent =
  | { readonly type: 'link-lost'; readonly peerId: number; readonly error?: RxmsgError }
  | { readonly type: 'resumed'; readonly peerId: number; readonly remoteAddress: string }
  | { readonly type: 'resume-refused'; readonly peerId: number; readonly reason: ResumeRefusedError['reason']; readonly error: RxmsgError };

/** Options of {@link resumeDialer}. */
export interface ResumeDialerOptions {
  readonly resume: ResumeOptions;
  /** One physical connection attempt (the client's transport). */
  readonly dial: () => Observable<Connection>;
  /** Deadline of the welcome after the hello (0: none). */
  readonly handshakeTimeoutMs: number;
  /** Largest message of the stack: bounds what a paused session holds. */
  readonly maxFrameBytes: number;
  /**
   * Backoff between attempts to resume (the client's `reconnect` policy, or {@link RESUME_REDIAL}): the
   * first is immediate after a link that lived `stableAfterMs`; after a shorter one the backoff goes on.
   */
  readonly redial: ReconnectPolicy;
  readonly scheduler: SchedulerLike;
  readonly emit: (event: ResumeDialerEvent) => void;
}

/**
 * A client's side of session resumption: a `dial` for the connection loop that opens a physical
 * connection, asks for a new session and emits a {@link ResumableConnection} for it. When that
 * connection's physical connection is lost, it dials again (at once, then under `redial`'s backoff)
 * and asks to resume, until resumed, refused (the connection closes with a `ResumeRefusedError`), or
 * `windowMs` passed (reason `window-expired`). A server that does not answer with the layer's welcome
 * fails the dial with a `ResumeRefusedError` of reason `unsupported`.
 */
export function resumeDialer(options: ResumeDialerOptions): () => Observable<Connection> {
  const { resume, scheduler } = options;
  const holdBytes = resume.bufferBytes + Math.max(RESUME_MAX_DATA_FRAME, options.maxFrameBytes);
  return () =>
    new Observable<Connection>((subscriber) => {
      const sub = handshake(options, { kind: 'new' }).subscribe({
        next: ({ link, welcome }) => {
          if (welcome.kind !== 'accepted') {
            link.drop();
            subscriber.error(welcome.kind === 'refused' ? new ResumeRefusedError(welcome.reason) : new ResumeRefusedError('unsupported', 'the server resumed a session not asked for'));
            return;
          }
          let redialing: Subscription | undefined;
          const tries: Tries = { attempt: 0, attachedAt: scheduler.now(), received: 0, acknowledged: 0 };
          const connection = new ResumableConnection({
            link,
            token: welcome.token,
            bufferBytes: resume.bufferBytes,
            windowMs: resume.windowMs,
            expiry: 'window-expired',
            holdBytes,
            scheduler,
            onDetached: (c, error) => {
              options.emit(error === undefined ? { type: 'link-lost', peerId: c.peerId } : { type: 'link-lost', peerId: c.peerId, error });
              // A link that broke soon after it was attached without carrying anything (a path that cuts every
              // link at once) does not reset the backoff: it would be redialled in a hot loop.
              const progressed = c.received > tries.received || c.acknowledged > tries.acknowledged;
              if (progressed || scheduler.now() - tries.attachedAt >= options.redial.stableAfterMs) tries.attempt = 0;
              redialing = redial(options, c, tries);
            },
            onClosed: (c, error) => {
              redialing?.unsubscribe();
              if (error instanceof ResumeRefusedError) options.emit({ type: 'resume-refused', peerId: c.peerId, reason: error.reason, error });
            },
          });
          subscriber.next(connection);
          subscriber.complete();
        },
        error: (e: unknown) =>
          subscriber.error(
            e instanceof TimeoutError ? new ResumeRefusedError('unsupported', `${e.message}: is resumption enabled on the server?`, { cause: e }) : e,
          ),
      });
      return () => sub.unsubscribe();
    });
}

/**
 * The backoff state of one connection's resumptions: attempts made since its last useful link, and
 * when its link was last attached, with the offsets it had then (a link is useful when it carried
 * bytes or lasted `stableAfterMs`).
 */
interface Tries {
  attempt: number;
  attachedAt: number;
  received: number;
  acknowledged: number;
}

/**
 * Try to resume `connection` until it is attached again or closed; unsubscribing stops trying. The
 * first try is immediate when no attempt was made since the last useful link, else after the backoff.
 */
function redial(options: ResumeDialerOptions, connection: ResumableConnection, tries: Tries): Subscription {
  const all = new Subscription();
  const later = (): void => {
    const wait = timer(delay(options.redial, tries.attempt), options.scheduler).subscribe(() => {
      all.remove(wait);
      tryOnce();
    });
    all.add(wait);
  };
  const tryOnce = (): void => {
    if (connection.isClosed || all.closed) return;
    tries.attempt++;
    const hello: ResumeHello = { kind: 'resume', token: connection.token, received: connection.received };
    // Added before subscribing: the handshake may fail synchronously (a dial refused at once).
    const step = new Subscription();
    all.add(step);
    step.add(handshake(options, hello).subscribe({
      next: ({ link, welcome }) => {
        all.remove(step);
        if (connection.isClosed) {
          link.drop();
          return;
        }
        if (welcome.kind === 'resumed') {
          if (connection.attach(link, welcome.received)) {
            Object.assign(tries, { attachedAt: options.scheduler.now(), received: connection.received, acknowledged: connection.acknowledged });
            options.emit({ type: 'resumed', peerId: connection.peerId, remoteAddress: link.connection.remoteAddress });
          } else {
            link.drop();
            connection.fail(new ResumeRefusedError('offset-out-of-range', 'the server received more than was sent'));
          }
          return;
        }
        link.drop();
        connection.fail(welcome.kind === 'refused' ? new ResumeRefusedError(welcome.reason) : new ResumeRefusedError('unsupported', 'the server started a new session instead'));
      },
      error: (e: unknown) => {
        all.remove(step);
        // Unreachable for now, or a hello it did not answer: try again while the window lasts.
        if (e instanceof ResumeRefusedError) {
          connection.fail(e);
          return;
        }
        later();
      },
    }));
  };
  if (tries.attempt === 0) tryOnce();
  else later();
  return all;
}

/**
 * Dial one physical connection, send `hello` and wait for the welcome (bounded by `handshakeTimeoutMs`).
 * Emits the link (its frames after the welcome not yet read) and the welcome; errors with the dial's
 * error, a `TransportError` when the connection closed first, a `TimeoutError`, or a `ResumeRefusedError`
 * (`unsupported`) when the answer is not the layer's welcome. Unsubscribing drops the attempt.
 */
function handshake(options: ResumeDialerOptions, hello: ResumeHello): Observable<{ link: ResumeLink; welcome: ResumeWelcome }> {
  return new Observable((subscriber) => {
    let link: ResumeLink | undefined;
    let done = false;
    let deadline: Subscription | undefined;
    const fail = (error: RxmsgError): void => {
      done = true;
      deadline?.unsubscribe();
      link?.drop();
      subscriber.error(error);
    };
    const dialing = options.dial().subscribe({
      next: (connection) => {
        if (link !== undefined) return;
        // No data frame before the welcome: the server's first frame is small, whatever it is.
        const l = (link = new ResumeLink(connection, 0, options.scheduler));
        l.start({
          frame: (_l, frame) => {
            if (done) return;
            done = true;
            deadline?.unsubscribe();
            let welcome: ResumeWelcome;
            try {
              if (frame.type !== ResumeFrameType.Welcome) throw new ResumeFrameError(`expected a welcome frame, got type 0x${frame.type.toString(16)}`);
              welcome = parseWelcome(frame.payload);
            } catch (error) {
              fail(new ResumeRefusedError('unsupported', 'the server does not speak session resumption', { cause: error }));
              return;
            }
            l.limitData(resumeDataLimit(connection.framing, options.maxFrameBytes));
            subscriber.next({ link: l, welcome });
            subscriber.complete();
          },
          linkDrained: () => {},
          linkLost: (_l, error) => {
            if (done) return;
            // Bytes that are not frames of the layer: the server speaks the protocol directly.
            if (error instanceof ResumeFrameError) fail(new ResumeRefusedError('unsupported', 'the server does not speak session resumption', { cause: error }));
            else fail(error ?? new TransportError(`${connection.remoteAddress} closed during the resume handshake`));
          },
        });
        if (!done) l.write(encodeHello(hello));
        if (!done && options.handshakeTimeoutMs > 0) {
          deadline = options.scheduler.schedule(() => {
            if (!done) fail(new TimeoutError(`no resume welcome within ${options.handshakeTimeoutMs} ms`));
          }, options.handshakeTimeoutMs);
        }
      },
      error: (e: unknown) => {
        if (!done) fail(toRxmsgError(e, (c) => new TransportError(String(c), { cause: c })));
      },
    });
    return () => {
      dialing.unsubscribe();
      deadline?.unsubscribe();
      if (!done) link?.drop();
    };
  });
}

function delay(policy: RetryPolicy, retry: number): number {
  const ms = backoffDelay(policy, retry);
  return Number.isFinite(ms) ? ms : 0;
}
