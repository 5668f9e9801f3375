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
 * @typeParam I - the messages side `W` receives in it.
 */
export interface Stage<W extends Side, State, R extends Side = Side, M = unknown, I = unknown> {
  readonly side: W;
  readonly protocol: AnyProtocol;
  readonly processor: Processor<unknown, unknown, State>;
  /**
   * The state the stage requires (see {@link StageOptions.requires}): checked each time the router
   * enters the stage; `false` (or a throw) ends the connection with a `StageStateError`.
   */
  readonly requires?: (state: State) => boolean;
  /** Type-only marker of the protocol's reply sides; always `undefined` at run time. */
  readonly replySides?: R;
  /** Type-only marker of the messages side `W` sends; always `undefined` at run time. */
  readonly sends?: M;
  /** Type-only marker of the messages side `W` receives; always `undefined` at run time. */
  readonly receives?: I;
}

/** The messages a stack of stages sends: the union over its protocols. */
export type StageSends<S> = { [K in keyof S]: S[K] extends { readonly sends?: infer M } ? M : never }[keyof S];

/** The messages a stack of stages receives: the union over its protocols. */
export type StageReceives<S> = { [K in keyof S]: S[K] extends { readonly receives?: infer I } ? I : never }[keyof S];

/**
 * Options of {@link serverStage} and {@link clientStage}.
 * @typeParam State - the state of the stack.
 */
export interface StageOptions<State> {
  /**
   * What the stage requires of the connection's state, as a type guard: with
   * `(s: AppState): s is AppState & { user: string } => s.user !== undefined` the stage's processor
   * is typed with `AppState & { user: string }` (no `user?: string` in later stages). Checked when
   * the router enters the stage: `false`, or a throw, ends that connection with a `processor-error`
   * event whose `ProcessorError` has a {@link @rxmsg/core!StageStateError} (code `STAGE_STATE`) as its `cause`.
   * A guard that returns a plain `boolean` checks the same at run time without narrowing the type.
   */
  readonly requires: (state: State) => boolean;
}

/**
 * A server stage: `protocol` spoken by `processor` (client messages in, server messages out).
 * With `options.requires`, a type guard on the state, the processor sees the narrowed state.
 *
 * @example
 * ```ts
 * const login: ServerProcessor<typeof Login, ChatState> = (in$, peer) => ...;
 * const chat: ServerProcessor<typeof Chat, ChatState & { user: string }> = (in$, peer) => ...; // peer.state.user is a string
 * const loggedIn = (s: ChatState): s is ChatState & { user: string } => s.user !== undefined;
 * createCompositeServer({ stages: { login: serverStage(Login, login), chat: serverStage(Chat, chat, { requires: loggedIn }) }, ... });
 * ```
 */
export function serverStage<P extends AnyProtocol, State>(protocol: P, processor: ServerProcessor<P, State>): ServerStage<P, State>;
export function serverStage<P extends AnyProtocol, State, Narrow extends State>(
  protocol: P,
  processor: ServerProcessor<P, Narrow>,
  options: { readonly requires: (state: State) => state is Narrow },
): ServerStage<P, State>;
export function serverStage<P extends AnyProtocol, State>(protocol: P, processor: ServerProcessor<P, State>, options: StageOptions<State>): ServerStage<P, State>;
export function serverStage<P extends AnyProtocol, State>(protocol: P, processor: ServerProcessor<P, State>, options?: StageOptions<State>): ServerStage<P, State> {
  // The session hands this processor only messages that `protocol` decoded on the server side, and
  // (with `requires`) only a state the guard accepted.
  const erased = processor as unknown as Processor<unknown, unknown, State>;
  return options === undefined ? { side: 'server', protocol, processor: erased } : { side: 'server', protocol, processor: erased, requires: options.requires };
}

/**
 * A client stage: `protocol` spoken by `processor` (server messages in, client messages out).
 * `options.requires` narrows the state as for {@link serverStage}.
 *
 * @example
 * ```ts
 * const hello: ClientProcessor<typeof Login, AppState> = (in$) => concat(of({ kind: 'Login', user: 'ada' } as const), in$.pipe(take(1), ignoreElements()));
 * createCompositeClient({ stages: { login: clientStage(Login, hello), chat: clientStage(Chat, chat) }, ... });
 * ```
 */
export function clientStage<P extends AnyProtocol, State>(protocol: P, processor: ClientProcessor<P, State>): ClientStage<P, State>;
export function clientStage<P extends AnyProtocol, State, Narrow extends State>(
  protocol: P,
  processor: ClientProcessor<P, Narrow>,
  options: { readonly requires: (state: State) => state is Narrow },
): ClientStage<P, State>;
export function clientStage<P extends AnyProtocol, State>(protocol: P, processor: ClientProcessor<P, State>, options: StageOptions<State>): ClientStage<P, State>;
export function clientStage<P extends AnyProtocol, State>(protocol: P, processor: ClientProcessor<P, State>, options?: StageOptions<State>): ClientStage<P, State> {
  // The session hands this processor only messages that `protocol` decoded on the client side, and
  // (with `requires`) only a state the guard accepted.
  const erased = processor as unknown as Processor<unknown, unknown, State>;
  return options === undefined ? { side: 'client', protocol, processor: erased } : { side: 'client', protocol, processor: erased, requires: options.requires };
}

/** What {@link serverStage} returns for protocol `P`. */
export type ServerStage<P extends AnyProtocol, State> = Stage<'server', State, ReplySides<P>, ServerMessage<P>, ClientMessage<P>>;
/** What {@link clientStage} returns for protocol `P`. */
export type ClientStage<P extends AnyProtocol, State> = Stage<'client', State, ReplySides<P>, ClientMessage<P>, ServerMessage<P>>;

/** The sides for which every stage of `S` defines an error reply. */
export type CommonReplySides<S> = {
  [W in Side]: false extends { [K in keyof S]: S[K] extends { readonly replySides?: infer R } ? (W extends R ? true : false) : false }[keyof S]
    ? never
    : W;
}[Side];
