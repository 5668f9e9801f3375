import { Observable, Subject, Subscription, from, isObservable, of, type ObservableInput } from 'rxjs';
import { MAX_ERROR_CODE_LENGTH, MAX_ERROR_MESSAGE_LENGTH, ProtocolDefinitionError, RemoteError, type Peer, type RequestKind } from '@rxmsg/core';
import { END_TAG, ERROR_TAG, correlationSchema } from '@rxmsg/core/internal';
import { ActiveStage } from './active-stage';

/** Requests one `respondTo` operator handles at once when `concurrency` is not given. */
export const RESPOND_CONCURRENCY = 64;

/** A request handler, untyped (see `rpc(protocol).respond` for the typed form). */
export type AnyRequestHandler = (message: never, peer: never) => unknown;

/** Options of a responder. */
export interface RespondOptions<In, Out> {
  /**
   * Requests handled at once on this connection; one more is answered at once with an `$error`
   * of code `BUSY` (and reported as a `message-dropped` event with cause `busy`): never queued.
   * Default {@link RESPOND_CONCURRENCY}.
   */
  readonly concurrency?: number;
  /**
   * What to do with the messages that are not requests (or carry no correlation id): given them
   * as a stream, its output is sent too. Without it they are ignored.
   */
  readonly others?: (others$: Observable<In>) => ObservableInput<Out>;
}

/**
 * The responder, untyped: answers the requests among `incoming$` with `handlers` (see
 * `rpc(protocol).respond`, which types it). Its output carries the replies with their
 * correlation ids, `$end` after a stream handler completes, `$error` when a handler throws or
 * errors (reported as a `processor-error` event; the connection stays up); a `$cancel` from the
 * requester unsubscribes the handler. Completes once `incoming$` completed and every handler ended.
 * @throws (as an error of the returned Observable) {@link @rxmsg/core!ProtocolDefinitionError} when `peer` is not a stage whose protocol declares requests.
 */
export function respondTo(
  peer: Peer<unknown, unknown, unknown>,
  handlers: Readonly<Record<string, AnyRequestHandler | undefined>>,
  options: RespondOptions<unknown, unknown> = {},
): (incoming$: Observable<unknown>) => Observable<unknown> {
  const limit = options.concurrency ?? RESPOND_CONCURRENCY;
  return (incoming$) =>
    new Observable<unknown>((subscriber) => {
      const table = peer instanceof ActiveStage ? peer.calls : undefined;
      if (table === undefined) {
        subscriber.error(new ProtocolDefinitionError('respond(): the protocol of this peer declares no requests'));
        return undefined;
      }
      const { tag, correlation } = table;
      /** Handlers running, by correlation id. */
      const active = new Map<number, Subscription>();
      const subscriptions = new Subscription();
      let inputDone = false;
      let othersDone = options.others === undefined;
      const maybeComplete = (): void => {
        if (inputDone && othersDone && active.size === 0) subscriber.complete();
      };
      const refuse = (id: number, code: string, message: string): void => {
        subscriber.next({ [tag]: ERROR_TAG, [correlation]: id, code, message });
      };
      const finish = (id: number): boolean => {
        const was = active.delete(id);
        table.unserve(id);
        return was;
      };
      const failed = (id: number, name: string, error: unknown): void => {
        if (error instanceof RemoteError) {
          // Thrown on purpose, to answer with a code: that is the answer, not a failure. Cut to the
          // bounds the requester's schema enforces: a longer code would be a bad frame there.
          refuse(id, error.remoteCode.slice(0, MAX_ERROR_CODE_LENGTH), error.message.slice(0, MAX_ERROR_MESSAGE_LENGTH));
          return;
        }
        // The details stay here (reported); the requester learns only that it failed.
        table.handlerFailed(error, `the ${name} request handler`);
        refuse(id, 'HANDLER_FAILED', `the ${name} handler failed`);
      };
      let others: Subject<unknown> | undefined;
      if (options.others !== undefined) {
        others = new Subject<unknown>();
        let out$: Observable<unknown>;
        try {
          out$ = from(options.others(others.asObservable()));
        } catch (error) {
          subscriber.error(error);
          return undefined;
        }
        subscriptions.add(
          out$.subscribe({
            next: (m) => subscriber.next(m),
            error: (e: unknown) => subscriber.error(e),
            complete: () => {
              othersDone = true;
              maybeComplete();
            },
          }),
        );
      }
      const handle = (message: Record<string, unknown>, name: string, id: number, { stream, reply: replyName }: RequestKind): void => {
        // Own properties only: a request named like an Object.prototype member is not handled by it.
        const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
        if (handler === undefined) {
          refuse(id, 'UNHANDLED', `no handler for ${name}`);
          return;
        }
        if (active.size >= limit) {
          table.dropped('busy');
          refuse(id, 'BUSY', `${limit} requests are being handled`);
          return;
        }
        delete message[correlation];
        let replies$: Observable<unknown>;
        try {
          // Typed by rpc().respond: the handler of `name` takes this message and this peer.
          const result = (handler as (m: unknown, p: unknown) => unknown)(message, peer);
          replies$ = stream || isObservable(result) ? from(result as ObservableInput<unknown>) : isThenable(result) ? from(result) : of(result);
        } catch (error) {
          failed(id, name, error);
          return;
        }
        const run = new Subscription();
        active.set(id, run);
        table.serve(id, () => {
          finish(id);
          run.unsubscribe();
          maybeComplete();
        });
        run.add(
          replies$.subscribe({
            next: (reply) => {
              if (!active.has(id)) return;
              if (typeof reply !== 'object' || reply === null || (reply as Record<string, unknown>)[tag] !== replyName) {
                // Untyped code returned no message (`{ rid }` alone would be a bad frame for the other side), or
                // another message than the declared reply (the requester would drop it and wait for its deadline).
                finish(id);
                run.unsubscribe();
                failed(id, name, new TypeError(`the ${name} handler produced ${describeReply(reply, tag)}, not a ${replyName} message`));
                maybeComplete();
                return;
              }
              if (!stream) finish(id);
              subscriber.next({ ...(reply as object), [correlation]: id });
              if (!stream) {
                run.unsubscribe();
                maybeComplete();
              }
            },
            error: (error: unknown) => {
              if (!finish(id)) return;
              failed(id, name, error);
              maybeComplete();
            },
            complete: () => {
              if (!finish(id)) return;
              if (stream) subscriber.next({ [tag]: END_TAG, [correlation]: id });
              else refuse(id, 'NO_REPLY', `the ${name} handler completed without a reply`);
              maybeComplete();
            },
          }),
        );
      };
      subscriptions.add(
        incoming$.subscribe({
          next: (message) => {
            const m = message as Record<string, unknown>;
            const name = m[tag];
            const kind = typeof name === 'string' ? table.receives(name) : undefined;
            const id = m[correlation];
            if (kind === undefined || id === undefined) {
              others?.next(message);
              return;
            }
            // Checked here too: under `validation: 'tag'` the schema did not run.
            if (!correlationSchema.safeParse(id).success || active.has(id as number)) {
              table.dropped('uncorrelated');
              return;
            }
            handle(m, name as string, id as number, kind);
          },
          error: (e: unknown) => subscriber.error(e),
          complete: () => {
            inputDone = true;
            others?.complete();
            maybeComplete();
          },
        }),
      );
      return () => {
        subscriptions.unsubscribe();
        for (const [id, run] of active) {
          table.unserve(id);
          run.unsubscribe();
        }
        active.clear();
      };
    });
}

function describeReply(reply: unknown, tag: string): string {
  if (reply === null) return 'null';
  if (typeof reply !== 'object') return typeof reply;
  return `a message tagged ${String((reply as Record<string, unknown>)[tag])}`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
