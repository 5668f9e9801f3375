import { firstValueFrom, type Observable, type ObservableInput, type OperatorFunction } from 'rxjs';
import { ProtocolDefinitionError, type AnyProtocol, type Peer, type RequestPair, type RequestsOf } from '@rxmsg/core';
import { ActiveStage } from './active-stage';
import { clientRequest$, isClientHandle } from './client-request';
import { peerRequest$ } from './peer-request';
import type { RequestOptions } from './request-options';
import { respondTo, type AnyRequestHandler, type RespondOptions } from './respond';

/** The request messages of protocol `P` answered by one reply. */
export type SingleRequestOf<P> = RequestsOf<P> extends infer E ? (E extends RequestPair<string, 'client' | 'server', infer Req, unknown, false> ? Req : never) : never;
/** Every request message of protocol `P` (single and stream). */
export type RequestOf<P> = RequestsOf<P> extends infer E ? (E extends RequestPair<string, 'client' | 'server', infer Req> ? Req : never) : never;

/** The reply type of request message `M` of protocol `P` (for a request-stream: the type of each reply). */
export type ReplyOf<P, M> = RequestsOf<P> extends infer E ? (E extends RequestPair<string, 'client' | 'server', infer Req, infer Reply> ? (M extends Req ? Reply : never) : never) : never;

/**
 * Whatever a request can be made through: a processor's {@link Peer} (either side) or a client
 * handle. `send` accepting the request is what makes a client's request not type-check on a
 * server's peer (and the other way round).
 */
export interface RequestTarget<M> {
  send(message: M): boolean;
}

/** The handler of one declared request `E` (a {@link RequestPair}): its reply, or a stream of replies for a request-stream. */
export type RequestHandler<E, Pr> = E extends RequestPair<string, 'client' | 'server', infer Req, infer Reply, infer Stream>
  ? Stream extends true
    ? (message: Req, peer: Pr) => ObservableInput<Reply>
    : (message: Req, peer: Pr) => Reply | PromiseLike<Reply> | Observable<Reply>
  : never;

/** The requests of protocol `P` whose request messages are among `In`. */
type ReceivedPairs<P, In> = RequestsOf<P> extends infer E ? (E extends RequestPair<string, 'client' | 'server', infer Req> ? ([Req] extends [In] ? E : never) : never) : never;

/** Handlers keyed by request name, for the requests a peer receiving `In` is sent. */
export type RequestHandlers<P, In, Pr> = { readonly [E in ReceivedPairs<P, In> as E extends { readonly name: infer N extends string } ? N : never]?: RequestHandler<E, Pr> };

/** The typed request helpers of one protocol; see {@link rpc}. */
export interface Rpc<P> {
  /**
   * Send a request answered by one reply and wait for it.
   * @param target - a processor's peer, or a client handle (see `docs/requests.md` for the reconnect rule).
   * @returns the reply (without the correlation field).
   * @throws (rejects with) `TimeoutError`, `CancelledError`, `ClosedError`, `RequestLimitError`, `RemoteError`.
   */
  request<M extends SingleRequestOf<P>>(target: RequestTarget<NoInfer<M>>, message: M, options?: RequestOptions): Promise<ReplyOf<P, M>>;
  /**
   * A request as a cold Observable: subscribing sends it; it emits the reply (or each reply of a
   * request-stream, completing on `$end`); unsubscribing before the end sends `$cancel`.
   */
  request$<M extends RequestOf<P>>(target: RequestTarget<NoInfer<M>>, message: M, options?: RequestOptions): Observable<ReplyOf<P, M>>;
  /**
   * The responder: an operator over a processor's `incoming$` answering the requests it receives
   * with `handlers` (one per request name, typed by the protocol). Replies carry the request's
   * correlation id; a stream handler's completion sends `$end`; a handler that throws or errors
   * sends `$error` (code `HANDLER_FAILED`, or the code of a `RemoteError` it threw) and is
   * reported as a `processor-error` event, the connection staying up; `$cancel` unsubscribes the
   * handler. At most `concurrency` requests are handled at once, more are answered `BUSY`.
   * Messages that are not requests go to `options.others`, or are ignored.
   */
  respond<In, Out, State>(
    peer: Peer<In, Out, State>,
    handlers: NoInfer<RequestHandlers<P, In, Peer<In, Out, State>>>,
    options?: RespondOptions<In, Out>,
  ): OperatorFunction<In, Out>;
}

/**
 * The typed request/response helpers of a protocol that declares `requests`.
 *
 * @example
 * ```ts
 * const Kv = defineProtocol({
 *   name: 'kv', tag: 'kind',
 *   client: { Get: z.object({ key: z.string() }), Watch: z.object({ key: z.string() }) },
 *   server: { Value: z.object({ value: z.string().nullable() }), Changed: z.object({ value: z.string() }) },
 *   requests: { client: { Get: 'Value', Watch: { stream: 'Changed' } } },
 * });
 * const kv = rpc(Kv);
 * // server
 * const processor: ServerProcessor<typeof Kv> = (in$, peer) =>
 *   in$.pipe(kv.respond(peer, { Get: ({ key }) => ({ kind: 'Value', value: store.get(key) ?? null }), Watch: ({ key }) => changes(key) }));
 * // client
 * const { value } = await kv.request(client, { kind: 'Get', key: 'a' }, { timeoutMs: 1000, idempotent: true });
 * ```
 * @throws {@link @rxmsg/core!ProtocolDefinitionError} when `protocol` declares no requests.
 */
export function rpc<P extends AnyProtocol>(protocol: P): Rpc<P> {
  const spec = protocol.requests;
  if (spec === undefined) throw new ProtocolDefinitionError(`protocol ${protocol.name} declares no requests`);
  const request$ = (target: object, message: object, options?: RequestOptions): Observable<unknown> => {
    if (target instanceof ActiveStage) return peerRequest$(target.calls, message, options);
    if (isClientHandle(target)) {
      const name = (message as Record<string, unknown>)[protocol.tag];
      const stream = typeof name === 'string' && spec.sends.client.get(name)?.stream === true;
      return clientRequest$(target, protocol.name, message, stream, options);
    }
    // Any other Peer (a test double): it has no request table.
    return peerRequest$(undefined, message, options);
  };
  // The casts erase what the types above check: messages and replies are those the protocol declares.
  return {
    request$: request$ as unknown as Rpc<P>['request$'],
    request: ((target: object, message: object, options?: RequestOptions) => firstValueFrom(request$(target, message, options))) as unknown as Rpc<P>['request'],
    respond: ((peer: Peer<unknown, unknown, unknown>, handlers: Readonly<Record<string, AnyRequestHandler | undefined>>, options?: RespondOptions<unknown, unknown>) =>
      respondTo(peer, handlers, options)) as unknown as Rpc<P>['respond'],
  };
}
