import { Observable, Subscription, from, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import { InboundStream, type AcknowledgedSubscription } from './inbound-stream';

/**
 * `mergeMap` for a processor's `incoming$` with flow control: at most `concurrency` messages
 * are worked on at once, and a message counts as unconsumed until its inner stream completes.
 * While `receiveQueueLimit` messages are unconsumed the connection stops reading its socket,
 * so TCP backpressure reaches the sender instead of messages piling up in memory.
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
    return new Observable<R>((subscriber) => {
      const waiting: T[] = [];
      const inner = new Subscription();
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
          if (sub !== undefined) inner.remove(sub);
          if (upstream === undefined) earlyAcks++;
          else upstream.ack();
          run();
        };
        sub = from(project(value, index++)).subscribe({
          next: (r) => subscriber.next(r),
          error: (e: unknown) => subscriber.error(e),
          complete: finish,
        });
        if (!done) inner.add(sub);
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
        upstream?.unsubscribe();
        inner.unsubscribe();
      };
    });
  };
}
