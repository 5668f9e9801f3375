import type { AnyProtocol, ClientMessage, ClientProcessor, Processor, ReplySides, ServerMessage, ServerProcessor, Side } from '@rxmsg/core';

/**
 * One protocol of a connection and the processor that speaks it on side `W`, with the
 * message types erased so that stages of different protocols can sit in one stack.
 * Build one with {@link serverStage} or {@link clientStage}, which check the types.
 *
 * @typeParam W - the side running the processor.
 * @typeParam State - the per-connection state shared by every stage of the stack.
 * @typeParam R - the sides for which the protocol defines an error reply.
 * @typeParam M - the messages side `W` sends in it.
 */
export interface Stage<W extends Side, State, R extends Side = Side, M = unknown> {
  readonly side: W;
  readonly protocol: AnyProtocol;
  readonly processor: Processor<unknown, unknown, State>;
  /** Type-only marker of the protocol's reply sides; always `undefined` at run time. */
  readonly replySides?: R;
  /** Type-only marker of the messages side `W` sends; always `undefined` at run time. */
  readonly sends?: M;
}

/** The messages a stack of stages sends: the union over its protocols. */
export type StageSends<S> = { [K in keyof S]: S[K] extends { readonly sends?: infer M } ? M : never }[keyof S];

/**
 * A server stage: `protocol` spoken by `processor` (client messages in, server messages out).
 *
 * @example
 * ```ts
 * const login: ServerProcessor<typeof Login, ChatState> = (in$, peer) => ...;
 * createCompositeServer({ stages: { login: serverStage(Login, login), chat: serverStage(Chat, chat) }, ... });
 * ```
 */
export function serverStage<P extends AnyProtocol, State>(protocol: P, processor: ServerProcessor<P, State>): Stage<'server', State, ReplySides<P>, ServerMessage<P>> {
  // The session hands this processor only messages that `protocol` decoded on the server side.
  return { side: 'server', protocol, processor: processor as unknown as Processor<unknown, unknown, State> };
}

/** A client stage: `protocol` spoken by `processor` (server messages in, client messages out). */
export function clientStage<P extends AnyProtocol, State>(protocol: P, processor: ClientProcessor<P, State>): Stage<'client', State, ReplySides<P>, ClientMessage<P>> {
  // The session hands this processor only messages that `protocol` decoded on the client side.
  return { side: 'client', protocol, processor: processor as unknown as Processor<unknown, unknown, State> };
}

/** The sides for which every stage of `S` defines an error reply. */
export type CommonReplySides<S> = {
  [W in Side]: false extends { [K in keyof S]: S[K] extends { readonly replySides?: infer R } ? (W extends R ? true : false) : false }[keyof S]
    ? never
    : W;
}[Side];
