import { Observable, ReplaySubject, Subject, asyncScheduler, ignoreElements, type SchedulerLike, type Subscription } from 'rxjs';
import {
  AddressError,
  ClosedError,
  TransportError,
  validatesOutbound,
  parseAddress,
  type ResumeOptions,
  toRxmsgError,
  type AnyProtocol,
  type ClientConfig,
  type ClientMessage,
  type ClientProcessor,
  type ConfigInput,
  type Connection,
  type EffectiveConfig,
  type Peer,
  type ReplySides,
  type RxmsgError,
  type ServerMessage,
  type Side,
  type Transport,
} from '@rxmsg/core';
import { checkLanes, resolveConfig, resolveResumeOptions } from '@rxmsg/core/internal';
import { connectionLoop, type ConnectionEnd, type ConnectionLoopEvent } from './connection-loop';
import { DisconnectedQueue } from './disconnected-queue';
import { linkClient } from './client-request';
import type { ClientEvent, ConnectionEvent, SendDropCause } from './events';
import { ResumableConnection } from './resumable-connection';
import { RESUME_REDIAL, resumeDialer } from './resume-dialer';
import { Session } from './session';
import { widenRouter, type Router, type SessionInfo } from './session-info';
import { shouldReconnect } from './should-reconnect';
import { SendRoutes } from './send-routes';
import { clientStage, type CommonReplySides, type Stage, type StageReceives, type StageSends } from './stage';
import { stageTable, type StageMap } from './stage-table';

/**
 * Where a client is in its life: `connecting` (the first connection, attempt `attempt`) →
 * `connected` → `reconnecting` (a lost connection is dialled again: attempt `attempt` after
 * `delayMs`; see the `reconnect` policy) → `connected` → … → `closed`.
 */
export type ClientStatus =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'connected'; readonly remoteAddress: string }
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly state: 'closed'; readonly error?: RxmsgError };

/** What every client handle offers. */
export interface ClientHandle<C, In, Out> {
  /** The effective config, frozen. */
  readonly config: C;
  /** Connection status; replays the current status to each subscriber, completes after `closed`. */
  readonly status$: Observable<ClientStatus>;
  /** Every decoded inbound message, of every connection in turn. Hot; completes when the client is closed. */
  readonly messages$: Observable<In>;
  /** Connection attempts, reconnections, protocol changes, errors. Hot; completes after `closed`. */
  readonly events$: Observable<ClientEvent>;
  /**
   * Send a message in the protocol it belongs to.
   *
   * **Which stage carries it.** A single-protocol client sends every message on its one protocol
   * (unchecked, unless `validateOutbound` asks). A composite client first finds the protocols of
   * its stack that accept the message (its tag and its full zod schema, as the server will check
   * it): when none does, `send()` throws that protocol's `DecodeError` and nothing is sent or kept.
   * The message then goes to the current stage if that stage's protocol accepts it; otherwise it
   * waits until a stage speaking one of those protocols is current (say, a chat message sent
   * during the login stage goes out once the router has entered the chat stage, never in the login
   * protocol), and `send()` returns `true`. A stage takes the messages waiting for it in the order
   * they were sent, as soon as it is entered (in the same turn of the event loop, after what its
   * processor emits when it starts); messages meant for other stages keep waiting, in order.
   *
   * **The bound.** Waiting messages (for a later stage, or for a connection) count against one
   * limit, `disconnectedQueueLimit`: past it the message is refused, `false`, and a `send-dropped`
   * event (`queue-full`) reports it. Messages still waiting when the client closes are dropped,
   * each with a `send-dropped` event (`closed`), as are those waiting for a stage the router never
   * enters before the client closes.
   *
   * **While connected** (status `connected` and the connection not closing), a message for the
   * current stage goes to it, behind any message still waiting for it; the result is the stage's:
   * `true` when queued for the socket, `false` when refused (the stage ended, the connection is
   * closing, or its outbound policy dropped it).
   *
   * **While not connected** (connecting, reconnecting, or a lost connection still closing),
   * `whileDisconnected` decides:
   * - `'queue'`: the message is kept and `true` returned; it waits for a stage that takes it on the
   *   next connection (for a single-protocol client: as soon as each new connection starts).
   * - `'drop'`: `false`, and a `send-dropped` event (`disconnected`).
   * - `'error'`: throws a {@link ClosedError}.
   *
   * When a connection is lost with messages waiting for a later stage, the same policy applies to
   * them: under `'queue'` they wait for that stage on the next connection; under `'drop'` and
   * `'error'` each is dropped with a `send-dropped` event (`disconnected`).
   *
   * Once the client is closed: `false` (with `'error'`: throws a {@link ClosedError}).
   * @throws `UnknownMessageError`/`InvalidMessageError` (a {@link @rxmsg/core!DecodeError}) for a message no
   * protocol of a composite client's stack accepts, or, under `validateOutbound`, that a
   * single-protocol client's protocol refuses.
   * @throws {@link @rxmsg/core!ClosedError} with `whileDisconnected: 'error'`, when not connected.
   */
  send(message: Out): boolean;
  /**
   * Close gracefully (flush up to `flushTimeoutMs`); stops any connection attempt or reconnect wait at
   * once. Resolves when the socket is gone. Safe to call twice.
   */
  close(): Promise<void>;
  /** Resolves when the client is closed, whoever closed it. */
  readonly closed: Promise<void>;
}

/** Options shared by {@link createClient} and {@link createCompositeClient}. */
export interface ClientBaseOptions<C> {
  /** Address to connect to (`tcp://host:port`, `unix:/path`). */
  readonly connect: string;
  /** Transports for the address scheme (the first one listing a scheme serves it; `@rxmsg/node` adds its built-in ones after these). */
  readonly transports?: readonly Transport[];
  /** Client config (validated once, here). */
  readonly config?: C;
  /**
   * Scheduler of every timer: retry and reconnect delays, the `stableAfterMs` measure, and the
   * session's timers (close deadline, heartbeats, timeouts). `asyncScheduler` by default; virtual time in tests.
   */
  readonly scheduler?: SchedulerLike;
  /**
   * Session resumption (the server must set it too): a connection lost for less than
   * `windowMs` is resumed, same session and state, nothing lost or repeated. See `docs/resume.md`. Off by default.
   */
  readonly resume?: ResumeOptions;
}

/** Options of {@link createCompositeClient}. */
export interface CompositeClientOptions<S extends StageMap<'client', State>, State, C> extends ClientBaseOptions<C> {
  /** The protocols of the stack, each with its client processor (see {@link clientStage}). */
  readonly stages: S;
  /** Creates the connection's state; called again for each new connection. A throw closes the client with that error. */
  readonly initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State;
  /** Picks the next stage, or `null` to end the connection. */
  readonly router: Router<State, keyof S & string>;
}

/** Options of {@link createClient}. */
export interface ClientOptions<P extends AnyProtocol, State, C> extends ClientBaseOptions<C> {
  /** The protocol spoken. */
  readonly protocol: P;
  /**
   * Run on the connection: `(incoming$, peer) => outgoing$`; run anew on each new connection.
   * When it completes, the connection ends (and the client closes, unless the server ended first
   * and `reconnect` applies): `() => EMPTY` ends the connection at once.
   *
   * Optional: without a processor the client is send-only. It keeps each connection until
   * `close()` (or until the server goes away, when `reconnect` applies), `send()` sends on it, and
   * `messages$` shows every message that arrives (see the second example of {@link createClient}).
   */
  readonly processor?: ClientProcessor<P, State>;
  /** Creates the connection's state; `{}` by default. Called again for each new connection; a throw closes the client with that error. */
  readonly initialState?: (peer: Omit<SessionInfo<State>, 'state'>) => State;
}

function startClient<State, C, In, Out>(
  options: ClientBaseOptions<unknown>,
  stages: ReadonlyMap<string, Stage<Side, State>>,
  initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State,
  router: Router<State>,
  config: ClientConfig,
  routes: SendRoutes | undefined,
): ClientHandle<C, In, Out> {
  const address = parseAddress(options.connect);
  const transport = (options.transports ?? []).find((t) => t.schemes.includes(address.scheme));
  if (transport === undefined) throw new AddressError(options.connect, `no transport for "${address.scheme}"`);
  transport.checkAddress?.(address, 'connect');
  const resume = resolveResumeOptions(options.resume);

  // Not a BehaviorSubject: that one stops replaying once completed, and a late subscriber must still see `closed`.
  const status = new ReplaySubject<ClientStatus>(1);
  status.next({ state: 'connecting', attempt: 1 });
  const events = new Subject<ClientEvent>();
  const messages = new Subject<In>();
  /** Subscribers of `messages$`: while there are none, the session calls nothing per message (its `onMessage` is unset). */
  let messageReaders = 0;
  // Subject.next costs a closure and an array per call even with no subscriber, and with thousands of
  // clients a call per message into each one's closure costs cache misses: only while someone reads.
  const deliverMessage = (m: unknown): void => messages.next(m as In);
  /** The session of the connection that is up (or closing), if any. */
  let session: Session<State> | undefined;
  let loop: Subscription | undefined;
  let connections = 0;
  /** `close()` was called. */
  let closing = false;
  let finished = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const dropped = (cause: SendDropCause, message: Out): void => events.next({ type: 'send-dropped', cause, message });
  /** Messages `send()` kept while not connected (`whileDisconnected: 'queue'`), or for a later stage of the stack. */
  const pending = new DisconnectedQueue<Out>(config.disconnectedQueueLimit, dropped);

  const finish = (error?: RxmsgError): void => {
    if (finished) return;
    finished = true;
    loop?.unsubscribe();
    for (const message of pending.clear()) dropped('closed', message);
    status.next(error === undefined ? { state: 'closed' } : { state: 'closed', error });
    events.next(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    status.complete();
    events.complete();
    messages.complete();
    resolveClosed();
  };

  /** The peer of the connection's current stage, when the connection is up and not closing (or closing at our request). */
  const livePeer = (): Peer<unknown, unknown, State> | undefined => {
    const s = session;
    return s === undefined || (s.closing && !closing) ? undefined : s.currentPeer;
  };

  /** Hand the queued messages to the current stage, if the connection is up and the stage speaks their protocol. */
  const flushPending = (): void => {
    const peer = livePeer();
    if (peer !== undefined) pending.flush(peer, () => livePeer() === peer);
  };

  /** Use one connection: run the stack on it until it ends, then tell whether it was lost. */
  const run = (connection: Connection): Observable<ConnectionEnd> =>
    new Observable<ConnectionEnd>((subscriber) => {
      const id = ++connections;
      const base = { id, remoteAddress: connection.remoteAddress, listener: options.connect, listenerContext: undefined };
      let state: State;
      try {
        state = initialState(base);
      } catch (error) {
        connection.destroy();
        subscriber.error(toRxmsgError(error, (c) => new TransportError(`initialState failed: ${String(c)}`, { cause: c })));
        return undefined;
      }
      let disconnected: Extract<ConnectionEvent, { type: 'disconnected' }> | undefined;
      const s: Session<State> = new Session<State>({
        id,
        side: 'client',
        // The session reports a stack that completed because the server closed as `completed`, like one that completed on its own.
        connection,
        listener: options.connect,
        config,
        state,
        stages,
        router,
        ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
        emit: (e) => {
          if (e.type === 'disconnected') disconnected = e;
          // A later stage of a stack may be the one queued messages wait for; hand them over once it runs.
          if (e.type === 'protocol-entered' && pending.length > 0) queueMicrotask(flushPending);
          events.next(e);
        },
        ...(messageReaders === 0 ? {} : { onMessage: deliverMessage }),
        // The server ended its side: for a client, the server is gone, whatever the processor is still doing.
        // A stack that completed because its input did is closing already; anything else closes as lost.
        onRemoteEnd: () => {
          if (!s.closing) s.close('remote-closed');
        },
        onClosed: () => {
          if (session === s) session = undefined;
          // Messages that waited for a later stage of the lost connection follow whileDisconnected.
          if (config.whileDisconnected !== 'queue') for (const message of pending.clear()) dropped(closing ? 'closed' : 'disconnected', message);
          const lost = !closing && disconnected !== undefined && shouldReconnect(disconnected.reason, s.endedByRemote);
          const error = disconnected?.error;
          subscriber.next(error === undefined ? { lost } : { lost, error });
          subscriber.complete();
        },
      });
      if (connection instanceof ResumableConnection) connection.peerId = id;
      session = s;
      events.next({ type: 'connected', peerId: id, remoteAddress: connection.remoteAddress, listener: options.connect });
      status.next({ state: 'connected', remoteAddress: connection.remoteAddress });
      s.start();
      flushPending();
      return () => {
        // Only when the client ends while this connection is up, which close() does not do: drop it.
        if (session === s) {
          session = undefined;
          s.destroy();
        }
      };
    });

  const onLoopEvent = (e: ConnectionLoopEvent<Connection>): void => {
    switch (e.type) {
      case 'connecting':
        // Attempt 1 is the status since creation.
        if (e.attempt > 1) status.next({ state: 'connecting', attempt: e.attempt });
        events.next({ type: 'connecting', address: options.connect, attempt: e.attempt });
        break;
      case 'connect-failed': {
        const { attempt, error, retryInMs } = e;
        events.next(
          retryInMs === undefined
            ? { type: 'connect-failed', address: options.connect, attempt, error }
            : { type: 'connect-failed', address: options.connect, attempt, error, retryInMs },
        );
        break;
      }
      case 'reconnecting':
        status.next({ state: 'reconnecting', attempt: e.attempt, delayMs: e.delayMs });
        events.next({ type: 'reconnecting', address: options.connect, attempt: e.attempt, delayMs: e.delayMs });
        break;
      case 'connected':
        // `run` reports the connection once its session exists.
        break;
      case 'ended':
        finish(e.error);
        break;
    }
  };

  // Dial on the next microtask, so that whoever created the client has subscribed to events$ by then.
  queueMicrotask(() => {
    if (finished) return;
    const dial = (): Observable<Connection> => transport.connect(address, {
        noDelay: config.noDelay,
        connectTimeoutMs: config.connectTimeoutMs,
        maxFrameBytes: config.maxFrameBytes,
      });
    loop = connectionLoop({
      address: options.connect,
      dial:
        resume === undefined
          ? dial
          : resumeDialer({
              resume,
              dial,
              handshakeTimeoutMs: config.connectTimeoutMs,
              maxFrameBytes: config.maxFrameBytes,
              redial: config.reconnect === 'none' ? RESUME_REDIAL : config.reconnect,
              scheduler: options.scheduler ?? asyncScheduler,
              emit: (e) => events.next(e),
            }),
      run,
      connectRetry: config.connectRetry,
      reconnect: config.reconnect,
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    }).subscribe(onLoopEvent);
  });

  const send = (message: Out): boolean => {
    const policy = config.whileDisconnected;
    // The stages that may carry it (undefined: any); throws the DecodeError of a message none accepts.
    const carriers = routes?.stagesFor(message);
    if (finished) {
      if (policy === 'error') throw new ClosedError(`client of ${options.connect} is closed`);
      return false;
    }
    const peer = livePeer();
    if (peer !== undefined) {
      // Sent from a handler the flush triggered: behind the queued messages.
      if (pending.flushing) return pending.offer(message, carriers);
      flushPending();
      if (carriers === undefined || carriers.includes(peer.protocol)) return peer.send(message);
      // For a later stage of the stack: it waits for it.
      return pending.offer(message, carriers);
    }
    switch (policy) {
      case 'error':
        throw new ClosedError(`client of ${options.connect} is not connected (whileDisconnected: 'error')`);
      case 'drop':
        dropped('disconnected', message);
        return false;
      case 'queue':
        return pending.offer(message, carriers);
    }
  };

  const handle: ClientHandle<C, In, Out> = {
    config: config as C,
    status$: status.asObservable(),
    messages$: new Observable<In>((subscriber) => {
      if (messageReaders++ === 0 && session !== undefined) session.onMessage = deliverMessage;
      const subscription = messages.subscribe(subscriber);
      return () => {
        if (--messageReaders === 0 && session !== undefined) session.onMessage = undefined;
        subscription.unsubscribe();
      };
    }),
    events$: events.asObservable(),
    send,
    close: () => {
      closing = true;
      if (session !== undefined) session.close('shutdown');
      else finish();
      return closed;
    },
    closed,
  };
  // Requests through the handle (`rpc(protocol).request(client, …)`) reach its live connection through this.
  linkClient(handle, { peer: livePeer, events$: handle.events$, scheduler: options.scheduler ?? asyncScheduler, finished: () => finished });
  return handle;
}

/**
 * A composite client: `send()` takes the client messages of every protocol of the stack `S`,
 * `messages$` carries their server messages.
 */
export type CompositeClient<S, C> = ClientHandle<C, StageReceives<S>, StageSends<S>>;

/**
 * Connect a client that speaks a stack of protocols, routed like {@link createCompositeServer};
 * a stack may revisit a protocol (game → lobby → game). `send()` is typed by the stack's client
 * messages and sends each in the protocol that accepts it: a message for a later stage waits until
 * the router has entered it (see {@link ClientHandle.send} for the rule and its bound). With
 * `reconnect`, each new connection runs the stack from its first stage, with a new state.
 *
 * @example
 * ```ts
 * const client = createCompositeClient({
 *   connect: 'tcp://127.0.0.1:4000',
 *   transports: [tcpTransport()],
 *   stages: { login: clientStage(Login, login), kv: clientStage(Kv, kv) },
 *   initialState: () => ({ token: undefined as string | undefined }),
 *   router: (state, _peer, previous) => (previous === null ? 'login' : previous === 'login' && state.token ? 'kv' : null),
 * });
 * client.send({ op: 'Put', key: 'a', value: 1 }); // a Kv message: waits for the kv stage, then goes out in its protocol
 * ```
 * @throws {@link @rxmsg/core!ConfigError} for an invalid config, {@link AddressError} for a bad address.
 */
export function createCompositeClient<
  S extends StageMap<'client', State>,
  State,
  const C extends ConfigInput<'client', CommonReplySides<S>> = {},
>(options: CompositeClientOptions<S, State, C>): CompositeClient<S, EffectiveConfig<'client', C>> {
  const { stages, replySides } = stageTable('client', options.stages);
  const config = resolveConfig('client', options.config, replySides);
  checkLanes('client', config, [...stages.values()].map((st) => st.protocol));
  return startClient(options, stages, options.initialState, widenRouter(options.router), config, new SendRoutes('client', stages));
}

/**
 * The processor of a client created without one: it reads every message (so that `messages$`
 * shows them) and sends nothing of its own; it completes when the server ends its side, so the
 * connection lasts until `close()` or until the server goes away.
 */
const sendOnly = <In, Out>(incoming$: Observable<In>): Observable<Out> => incoming$.pipe(ignoreElements());

/** A single-protocol client. */
export type Client<P extends AnyProtocol, C> = ClientHandle<C, ServerMessage<P>, ClientMessage<P>>;

/**
 * Connect to a server speaking one protocol. Returns at once; watch `status$`.
 * With `connectRetry`, failed attempts are retried with exponential backoff; with `reconnect`, a lost
 * connection is dialled again (see `shouldReconnect` for what counts as lost) and the processor
 * runs anew on each new connection; `whileDisconnected` decides what `send()` does in between.
 *
 * @example
 * ```ts
 * const client = createClient({
 *   connect: 'tcp://127.0.0.1:4000',
 *   transports: [tcpTransport()],
 *   protocol: HelloProtocol,
 *   processor: (in$) => concat(of({ kind: 'Hello', name: 'Ada' } as const), in$.pipe(take(1), ignoreElements())),
 *   config: {
 *     connectRetry: { initialMs: 50, maxMs: 1000, factor: 2, jitter: 0.5, maxAttempts: 5 },
 *     reconnect: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 1, maxAttempts: Infinity, stableAfterMs: 5_000 },
 *   } as const,
 * });
 * client.messages$.subscribe((m) => console.log(m));
 * await client.closed;
 * ```
 *
 * @example A send-only client
 * No processor: it stays connected until `close()`; what arrives shows on `messages$`.
 * ```ts
 * const logger = createClient({ connect: 'tcp://127.0.0.1:4000', transports: [tcpTransport()], protocol: LogProtocol });
 * logger.send({ kind: 'Log', line: 'started' }); // kept until connected (whileDisconnected: 'queue'), then sent
 * logger.messages$.subscribe((m) => console.log(m));
 * await logger.close(); // flushes what send() queued, within flushTimeoutMs
 * ```
 * @throws {@link @rxmsg/core!ConfigError} for an invalid config, {@link AddressError} for a bad address.
 */
export function createClient<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'client', ReplySides<P>> = {}>(
  options: ClientOptions<P, State, C>,
): Client<P, EffectiveConfig<'client', C>> {
  const config = resolveConfig('client', options.config, options.protocol.errorReplies.client ? ['client'] : []);
  checkLanes('client', config, [options.protocol]);
  // The one stage is named after the protocol, the name events and the peer report.
  const name = options.protocol.name;
  const stages = new Map([[name, clientStage(options.protocol, options.processor ?? sendOnly)]]);
  return startClient(
    options,
    stages,
    options.initialState ?? (() => ({}) as State),
    (_s, _p, previous) => (previous === null ? name : null),
    config,
    // Unchecked unless validateOutbound asks: a single protocol has nothing to route.
    validatesOutbound(config) ? new SendRoutes('client', stages) : undefined,
  );
}

