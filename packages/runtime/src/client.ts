import { ReplaySubject, Subject, defer, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import {
  AddressError,
  ConnectError,
  TransportError,
  parseAddress,
  resolveConfig,
  retryBackoff,
  toRxmsgError,
  type AnyProtocol,
  type ClientConfig,
  type ClientMessage,
  type ClientProcessor,
  type ConfigInput,
  type Connection,
  type EffectiveConfig,
  type ReplySides,
  type RxmsgError,
  type ServerMessage,
  type Side,
  type Transport,
} from '@rxmsg/core';
import type { ClientEvent } from './events';
import { Session, widenRouter, type Router, type SessionInfo } from './session';
import { clientStage, type CommonReplySides, type Stage } from './stage';
import { stageTable, type StageMap } from './stage-table';

/** Where a client is in its life. */
export type ClientStatus =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'connected'; readonly remoteAddress: string }
  | { readonly state: 'closed'; readonly error?: RxmsgError };

/** What every client handle offers. */
export interface ClientHandle<C, In, Out> {
  /** The effective config, frozen. */
  readonly config: C;
  /** Connection status; replays the current status to each subscriber, completes after `closed`. */
  readonly status$: Observable<ClientStatus>;
  /** Every decoded inbound message. Hot; completes when the client is closed. */
  readonly messages$: Observable<In>;
  /** Connection attempts, protocol changes, errors. Hot; completes after `closed`. */
  readonly events$: Observable<ClientEvent>;
  /**
   * Queue a message on the current protocol of the connection.
   * @returns `false` when not connected (nothing is queued).
   */
  send(message: Out): boolean;
  /** Close gracefully (flush up to `flushTimeoutMs`); resolves when the socket is gone. Safe to call twice. */
  close(): Promise<void>;
  /** Resolves when the client is closed, whoever closed it. */
  readonly closed: Promise<void>;
}

/** Options shared by {@link createClient} and {@link createCompositeClient}. */
interface ClientBaseOptions<C> {
  /** Address to connect to (`tcp://host:port`, `unix:/path`). */
  readonly connect: string;
  /** Transports for the address scheme (`@rxmsg/node` supplies TCP and Unix sockets by default). */
  readonly transports?: readonly Transport[];
  /** Client config (validated once, here). */
  readonly config?: C;
  /** Scheduler of retry delays (virtual time in tests). */
  readonly scheduler?: SchedulerLike;
}

/** Options of {@link createCompositeClient}. */
export interface CompositeClientOptions<S extends StageMap<'client', State>, State, C> extends ClientBaseOptions<C> {
  /** The protocols of the stack, each with its client processor (see {@link clientStage}). */
  readonly stages: S;
  /** Creates the connection's state. */
  readonly initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State;
  /** Picks the next stage, or `null` to end the connection. */
  readonly router: Router<State, keyof S & string>;
}

/** Options of {@link createClient}. */
export interface ClientOptions<P extends AnyProtocol, State, C> extends ClientBaseOptions<C> {
  /** The protocol spoken. */
  readonly protocol: P;
  /** Run on the connection: `(incoming$, peer) => outgoing$`. */
  readonly processor: ClientProcessor<P, State>;
  /** Creates the connection's state; `{}` by default. */
  readonly initialState?: (peer: Omit<SessionInfo<State>, 'state'>) => State;
}

function startClient<State, C, In, Out>(
  options: ClientBaseOptions<unknown>,
  stages: ReadonlyMap<string, Stage<Side, State>>,
  initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State,
  router: Router<State>,
  config: ClientConfig,
): ClientHandle<C, In, Out> {
  const address = parseAddress(options.connect);
  const transport = (options.transports ?? []).find((t) => t.schemes.includes(address.scheme));
  if (transport === undefined) throw new AddressError(options.connect, `no transport for "${address.scheme}"`);

  // Not a BehaviorSubject: that one stops replaying once completed, and a late subscriber must still see `closed`.
  const status = new ReplaySubject<ClientStatus>(1);
  status.next({ state: 'connecting', attempt: 1 });
  const events = new Subject<ClientEvent>();
  const messages = new Subject<In>();
  let session: Session<State> | undefined;
  let dial: Subscription | undefined;
  let finished = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const finish = (error?: RxmsgError): void => {
    if (finished) return;
    finished = true;
    dial?.unsubscribe();
    status.next(error === undefined ? { state: 'closed' } : { state: 'closed', error });
    events.next(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    status.complete();
    events.complete();
    messages.complete();
    resolveClosed();
  };

  const policy = config.connectRetry;
  let attempt = 1;
  const connect$ = defer(() => transport.connect(address, { noDelay: config.noDelay }));
  const retrying$ =
    policy === 'none'
      ? connect$
      : connect$.pipe(
          retryBackoff<Connection>(policy, {
            ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
            onRetry: (n, delay, error) => {
              events.next({
                type: 'connect-failed',
                address: options.connect,
                attempt: n,
                error: toRxmsgError(error, (c) => new TransportError(String(c), { cause: c })),
                retryInMs: delay,
              });
              attempt = n + 1;
              status.next({ state: 'connecting', attempt });
              events.next({ type: 'connecting', address: options.connect, attempt });
            },
          }),
        );

  const run = (connection: Connection): void => {
    const base = { id: 1, remoteAddress: connection.remoteAddress, listener: options.connect };
    let state: State;
    try {
      state = initialState(base);
    } catch (error) {
      connection.destroy();
      finish(toRxmsgError(error, (c) => new TransportError(`initialState failed: ${String(c)}`, { cause: c })));
      return;
    }
    let disconnectError: RxmsgError | undefined;
    session = new Session<State>({
      id: 1,
      side: 'client',
      connection,
      listener: options.connect,
      config,
      state,
      stages,
      router,
      emit: (e) => {
        if (e.type === 'disconnected' && e.error !== undefined) disconnectError = e.error;
        events.next(e);
      },
      onMessage: (m) => messages.next(m as In),
      onClosed: () => {
        session = undefined;
        finish(disconnectError);
      },
    });
    events.next({ type: 'connected', peerId: 1, remoteAddress: connection.remoteAddress, listener: options.connect });
    status.next({ state: 'connected', remoteAddress: connection.remoteAddress });
    session.start();
  };

  // Dial on the next microtask, so that whoever created the client has subscribed to events$ by then.
  queueMicrotask(() => {
    if (finished) return;
    events.next({ type: 'connecting', address: options.connect, attempt });
    dial = retrying$.subscribe({
      next: run,
      error: (error: unknown) => {
        const cause = toRxmsgError(error, (c) => new TransportError(String(c), { cause: c }));
        events.next({ type: 'connect-failed', address: options.connect, attempt, error: cause });
        finish(new ConnectError(options.connect, attempt, { cause }));
      },
    });
  });

  return {
    config: config as C,
    status$: status.asObservable(),
    messages$: messages.asObservable(),
    events$: events.asObservable(),
    send: (message) => session?.currentPeer?.send(message) ?? false,
    close: () => {
      if (session !== undefined) session.close('shutdown');
      else finish();
      return closed;
    },
    closed,
  };
}

/**
 * Connect a client that speaks a stack of protocols, routed like {@link createCompositeServer};
 * a stack may revisit a protocol (game → lobby → game).
 * @throws {@link ConfigError} for an invalid config, {@link AddressError} for a bad address.
 */
export function createCompositeClient<
  S extends StageMap<'client', State>,
  State,
  const C extends ConfigInput<'client', CommonReplySides<S>> = {},
>(options: CompositeClientOptions<S, State, C>): ClientHandle<EffectiveConfig<'client', C>, unknown, unknown> {
  const { stages, replySides } = stageTable('client', options.stages);
  const config = resolveConfig('client', options.config, replySides);
  return startClient(options, stages, options.initialState, widenRouter(options.router), config);
}

/** A single-protocol client. */
export type Client<P extends AnyProtocol, C> = ClientHandle<C, ServerMessage<P>, ClientMessage<P>>;

/**
 * Connect to a server speaking one protocol. Returns at once; watch `status$`.
 * With `connectRetry`, failed attempts are retried with exponential backoff.
 *
 * @example
 * ```ts
 * const client = createClient({
 *   connect: 'tcp://127.0.0.1:4000',
 *   transports: [tcpTransport()],
 *   protocol: HelloProtocol,
 *   processor: (in$) => concat(of({ kind: 'Hello', name: 'Ada' } as const), in$.pipe(take(1), ignoreElements())),
 *   config: { connectRetry: { initialMs: 50, maxMs: 1000, factor: 2, jitter: 0.5, maxAttempts: 5 } } as const,
 * });
 * client.messages$.subscribe((m) => console.log(m));
 * await client.closed;
 * ```
 * @throws {@link ConfigError} for an invalid config, {@link AddressError} for a bad address.
 */
export function createClient<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'client', ReplySides<P>> = {}>(
  options: ClientOptions<P, State, C>,
): Client<P, EffectiveConfig<'client', C>> {
  const config = resolveConfig('client', options.config, options.protocol.errorReplies.client ? ['client'] : []);
  // The one stage is named after the protocol, the name events and the peer report.
  const name = options.protocol.name;
  const stages = new Map([[name, clientStage(options.protocol, options.processor)]]);
  return startClient(
    options,
    stages,
    options.initialState ?? (() => ({}) as State),
    (_s, _p, previous) => (previous === null ? name : null),
    config,
  );
}

