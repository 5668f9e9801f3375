import { Observable, Subscription, from, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { InboundStream, type AcknowledgedSubscription } from './inbound-stream';
import { isPullable, paced } from './paced';

/**
 * `mergeMap` for a processor's `incoming$` with flow control: at most `concurrency` messages
 * are worked on at once, and a message counts as unconsumed until its inner stream completes.
 * While `receiveQueueLimit` messages are unconsumed the connection stops reading its socket,
 * so TCP backpressure reaches the sender instead of messages piling up in memory.
 * A projection that returns an iterable or async iterable (an array, a generator, a database
 * cursor) is pulled at the peer's pace (see {@link paced}): answering one request with millions of
 * rows is `consume(function* (req) { ... yield row; })`, and never overruns the send queue.
 * Applied to anything other than `incoming$`/`peer.messages$`, it is plain `mergeMap`.
 *
 * @example
 * ```ts
 * const processor: ServerProcessor<typeof Db> = (incoming$) =>
 *   incoming$.pipe(consume((req) => from(db.save(req)).pipe(map(() => ({ kind: 'Saved', id: req.id }) as const)), 4));
 * ```
 */
export function consume<T, R>(project: (value: T, index: number) => ObservableInput<R>, concurrency = 1): OperatorFunction<T, R> {
  return (source) => {
    if (!(source instanceof InboundStream)) return source.pipe(mergeMap(project, concurrency));
    const inbound = source as InboundStream<T>;
    const peer = inbound.peer;
    const inner = (value: T, index: number): ObservableInput<R> => {
      const result = project(value, index);
      return peer !== undefined && isPullable(result) ? paced(peer, result) : result;
    };
    return new Observable<R>((subscriber) => {
      const waiting: T[] = [];
      const inners = new Subscription();
      let active = 0;
      let index = 0;
      let sourceDone = false;
      const run = (): void => {
        while (active < concurrency && waiting.length > 0) start(waiting.shift()!);
        if (sourceDone && active === 0 && waiting.length === 0) subscriber.complete();
      };
      const start = (value: T): void => {
        active++;
        let done = false;
        let sub: Subscription | undefined;
        const finish = (): void => {
          if (done) return;
          done = true;
          active--;
          if (sub !== undefined) inners.remove(sub);
          if (upstream === undefined) earlyAcks++;
          else upstream.ack();
          run();
        };
        let input: Observable<R>;
        try {
          input = from(inner(value, index++));
        } catch (error) {
          // The projection is user code: what it throws (or returns that is no ObservableInput) fails the stream, as in mergeMap.
          subscriber.error(error);
          return;
        }
        sub = input.subscribe({
          next: (r) => subscriber.next(r),
          error: (e: unknown) => subscriber.error(e),
          complete: finish,
        });
        if (!done) inners.add(sub);
      };
      // A source that delivers synchronously on subscribe may see work finish before `upstream` is set.
      let earlyAcks = 0;
      let upstream: AcknowledgedSubscription | undefined;
      upstream = inbound.subscribeAcknowledged({
        next: (value) => {
          waiting.push(value);
          run();
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          run();
        },
      });
      for (; earlyAcks > 0; earlyAcks--) upstream.ack();
      return () => {
        inners.unsubscribe();
        // What was delivered and not finished no longer holds the connection's input back.
        if (upstream !== undefined) for (let n = active + waiting.length; n > 0; n--) upstream.ack();
        active = 0;
        waiting.length = 0;
        upstream?.unsubscribe();
      };
    });
  };
}
