import { Observable, isObservable } from 'rxjs';

/** How a timed request handler ended: answered (`ok`), threw or failed (`error`), or was cancelled before answering (`cancelled`). */
export type HandlerOutcome = 'ok' | 'error' | 'cancelled';

/** Starts timing one handler call; the returned function ends it (called at most once). */
export type HandlerTimer = (request: string) => (outcome: HandlerOutcome) => void;

/** A record of request handlers as `rpc(protocol).respond` takes them. */
export type HandlerRecord = Readonly<Record<string, ((message: never, peer: never) => unknown) | undefined>>;

/**
 * Wraps every handler of `handlers` so each call is timed with `timer`, labelled with the request
 * name (a key of the record, so bounded by the protocol). The clock stops when the handler's
 * answer is ready: on return for a plain value, when a Promise settles, at the first value (or the
 * end) of an Observable — for a request-stream, the time to its first reply. Errors and throws
 * are timed with outcome `error` and passed on unchanged; an Observable unsubscribed before its
 * first value (a `$cancel`) is timed as `cancelled`. Types are kept, so the result goes to
 * `respond()` as the record did.
 *
 * @example
 * const timed = timeHandlers(timer, { Get: ({ key }) => ({ kind: 'Value', key, value: store.get(key) ?? null }) });
 * in$.pipe(kv.respond(peer, timed));
 */
export function timeHandlers<H extends HandlerRecord>(timer: HandlerTimer, handlers: H): H {
  const out: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    out[name] = handler === undefined ? undefined : timed(timer, name, handler as (...args: unknown[]) => unknown);
  }
  // Same keys, each function replaced by one with its signature.
  return out as H;
}

function timed(timer: HandlerTimer, name: string, handler: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return (...args) => {
    const end = timer(name);
    let result: unknown;
    try {
      result = handler(...args);
    } catch (error) {
      end('error');
      throw error;
    }
    if (isObservable(result)) return timedObservable(result, end);
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (value) => (end('ok'), value),
        (error: unknown) => {
          end('error');
          throw error;
        },
      );
    }
    end('ok');
    return result;
  };
}

function timedObservable(source: Observable<unknown>, end: (outcome: HandlerOutcome) => void): Observable<unknown> {
  // One call, one observation, however often the answer is subscribed.
  let timing = true;
  const stop = (outcome: HandlerOutcome): void => {
    if (!timing) return;
    timing = false;
    end(outcome);
  };
  return new Observable<unknown>((subscriber) => {
    const inner = source.subscribe({
      next: (value) => (stop('ok'), subscriber.next(value)),
      error: (error: unknown) => (stop('error'), subscriber.error(error)),
      complete: () => (stop('ok'), subscriber.complete()),
    });
    return () => {
      inner.unsubscribe();
      stop('cancelled');
    };
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
