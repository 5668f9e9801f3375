import { Observable, ReplaySubject, Subject, asyncScheduler, ignoreElements, type SchedulerLike, type Subscriber, type Subscription, type Unsubscribable } from 'rxjs';
import {
  AddressError,
  ClosedError,
  TransportError,
  validatesOutbound,
  parseAddress,
  type ResumeOptions,
  toRxmsgError,
  type Address,
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
import { linkClient, type ClientLink } from './client-request';
import type { ClientEvent, ConnectionEvent, SendDropCause } from './events';
import { ResumableConnection } from './resumable-connection';
import { ClientLoop } from './client-loop';
import { Session, type SessionOptions } from './session';
import { singleStageRouter, widenRouter, type Router, type SessionInfo } from './session-info';
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
  const client = new ClientCore<State, C, In, Out>(options, stages, initialState, router, config, routes);
  // Requests through the handle (`rpc(protocol).request(client, …)`) reach its live connection through this.
  linkClient(client, client);
  // Dial on the next microtask, so that whoever created the client has subscribed to events$ by then.
  queueMicrotask(() => client.dial(transport, address, resume));
  return client;
}

/**
 * One client: the handle itself, its state in fields and its behaviour in prototype methods, so
 * that an idle client costs one object and what it uses (a process may hold thousands). The
 * Subjects behind `status$`, `events$` and `messages$`, the `closed` Promise and the queue of
 * `send()` are created on first use.
 */
class ClientCore<State, C, In, Out> implements ClientHandle<C, In, Out>, ClientLink, ClientCoreOf<State> {
  readonly config: C;
  readonly scheduler: SchedulerLike;
  /** The current status, replayed to each subscriber of `status$` (the subject is made by the first one). */
  private status: ClientStatus = { state: 'connecting', attempt: 1 };
  // Not a BehaviorSubject: that one stops replaying once completed, and a late subscriber must still see `closed`.
  private statusSubject: ReplaySubject<ClientStatus> | undefined;
  private eventsSubject: Subject<ClientEvent> | undefined;
  private messagesSubject: Subject<In> | undefined;
  /** Subscribers of `messages$`: while there are none, the session calls nothing per message (its `onMessage` is unset). */
  private messageReaders = 0;
  /** The session of the connection that is up (or closing), if any. */
  private session: Session<State> | undefined;
  private loop: Subscription | undefined;
  private connections = 0;
  /** `close()` was called. */
  private closing = false;
  private done = false;
  /** `finish()` completed the streams: a Subject made from now on is made complete. */
  private completed = false;
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  /** Messages `send()` kept while not connected (`whileDisconnected: 'queue'`), or for a later stage of the stack; made by the first. */
  private queue: DisconnectedQueue<Out> | undefined;
  /**
   * Hands each inbound message to `messages$`. Subject.next costs a closure and an array per call even
   * with no subscriber, and with thousands of clients a call per message into each one's closure costs
   * cache misses: the session gets it only while someone reads; made by the first reader.
   */
  private deliver: ((m: unknown) => void) | undefined;

  constructor(
    /** @internal */ readonly options: ClientBaseOptions<unknown>,
    /** @internal */ readonly stages: ReadonlyMap<string, Stage<Side, State>>,
    private readonly initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State,
    /** @internal */ readonly router: Router<State>,
    /** @internal */ readonly clientConfig: ClientConfig,
    private readonly routes: SendRoutes | undefined,
  ) {
    this.config = clientConfig as C;
    this.scheduler = options.scheduler ?? asyncScheduler;
  }

  // Each Subject is dropped when its last subscriber leaves (a client that waited once for `connected`
  // keeps none): the next subscriber makes a new one, the status one seeded with the current status.
  get status$(): Observable<ClientStatus> {
    return new Observable<ClientStatus>((subscriber) => {
      let subject = this.statusSubject;
      if (subject === undefined) {
        subject = this.statusSubject = new ReplaySubject<ClientStatus>(1);
        subject.next(this.status);
        if (this.completed) subject.complete();
      }
      const subscription = subject.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (this.statusSubject === subject && !subject.observed) this.statusSubject = undefined;
      };
    });
  }

  get events$(): Observable<ClientEvent> {
    return new Observable<ClientEvent>((subscriber) => {
      const subject = (this.eventsSubject ??= this.newSubject<ClientEvent>());
      const subscription = subject.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (this.eventsSubject === subject && !subject.observed) this.eventsSubject = undefined;
      };
    });
  }

  get messages$(): Observable<In> {
    return new Observable<In>((subscriber) => {
      const subject = (this.messagesSubject ??= this.newSubject<In>());
      if (this.messageReaders++ === 0 && this.session !== undefined) this.session.onMessage = this.deliverMessage();
      const subscription = subject.subscribe(subscriber);
      return () => {
        if (--this.messageReaders === 0 && this.session !== undefined) this.session.onMessage = undefined;
        subscription.unsubscribe();
        if (this.messagesSubject === subject && !subject.observed) this.messagesSubject = undefined;
      };
    });
  }

  get closed(): Promise<void> {
    if (this.closedPromise === undefined) {
      this.closedPromise = this.done ? Promise.resolve() : new Promise<void>((resolve) => (this.resolveClosed = resolve));
    }
    return this.closedPromise;
  }

  /** A Subject made on first use: complete already when the client is. */
  private newSubject<T>(): Subject<T> {
    const subject = new Subject<T>();
    if (this.completed) subject.complete();
    return subject;
  }

  /** The one function the sessions hand inbound messages to. */
  private deliverMessage(): (m: unknown) => void {
    return (this.deliver ??= (m: unknown): void => this.messagesSubject?.next(m as In));
  }

  /** @internal What a new session hands its inbound messages to: nothing while `messages$` has no reader. */
  onMessage(): ((m: unknown) => void) | undefined {
    return this.messageReaders === 0 ? undefined : this.deliverMessage();
  }

  private setStatus(status: ClientStatus): void {
    this.status = status;
    this.statusSubject?.next(status);
  }

  /** @internal {@link ClientLoopHost.emit}. */
  emit(e: ClientEvent): void {
    this.eventsSubject?.next(e);
  }

  private dropped(cause: SendDropCause, message: Out): void {
    this.emit({ type: 'send-dropped', cause, message });
  }

  private pending(): DisconnectedQueue<Out> {
    return (this.queue ??= new DisconnectedQueue<Out>(this.clientConfig.disconnectedQueueLimit, (cause, message) => this.dropped(cause, message)));
  }

  /** Drop every queued message with `cause`. */
  private dropPending(cause: SendDropCause): void {
    if (this.queue !== undefined && this.queue.length > 0) for (const message of this.queue.clear()) this.dropped(cause, message);
  }

  finished(): boolean {
    return this.done;
  }

  private finish(error?: RxmsgError): void {
    if (this.done) return;
    this.done = true;
    this.loop?.unsubscribe();
    this.dropPending('closed');
    this.setStatus(error === undefined ? { state: 'closed' } : { state: 'closed', error });
    this.emit(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    this.completed = true;
    this.statusSubject?.complete();
    this.eventsSubject?.complete();
    this.messagesSubject?.complete();
    this.resolveClosed?.();
  }

  /** The peer of the connection's current stage, when the connection is up and not closing (or closing at our request). */
  peer(): Peer<unknown, unknown, State> | undefined {
    const s = this.session;
    return s === undefined || (s.closing && !this.closing) ? undefined : s.currentPeer;
  }

  /** Hand the queued messages to the current stage, if the connection is up and the stage speaks their protocol. */
  private flushPending(): void {
    const queue = this.queue;
    if (queue === undefined || queue.length === 0) return;
    const peer = this.peer();
    if (peer !== undefined) queue.flush(peer, () => this.peer() === peer);
  }

  /** Start the connection loop (on the microtask after creation). */
  dial(transport: Transport, address: Address, resume: ResumeOptions | undefined): void {
    if (this.done) return;
    const loop = new ClientLoop(this, transport, address, this.options.connect, this.clientConfig, this.options.scheduler, resume, this.scheduler);
    this.loop = loop;
    connectionLoop(loop).subscribe(loop);
  }

  /** @internal {@link ClientLoopHost.run}: use one connection, run the stack on it until it ends, then tell whether it was lost. */
  run(connection: Connection): Observable<ConnectionEnd> {
    return new Observable<ConnectionEnd>((subscriber) => this.use(connection, subscriber));
  }

  private use(connection: Connection, subscriber: Subscriber<ConnectionEnd>): Unsubscribable | undefined {
    const id = ++this.connections;
    const listener = this.options.connect;
    const base = { id, remoteAddress: connection.remoteAddress, listener, listenerContext: undefined };
    let state: State;
    try {
      state = this.initialState(base);
    } catch (error) {
      connection.destroy();
      subscriber.error(toRxmsgError(error, (c) => new TransportError(`initialState failed: ${String(c)}`, { cause: c })));
      return undefined;
    }
    const run = new ClientRun<State>(this, subscriber, id, connection, state);
    const s = new Session<State>(run);
    run.session = s;
    if (connection instanceof ResumableConnection) connection.peerId = id;
    this.session = s;
    this.emit({ type: 'connected', peerId: id, remoteAddress: connection.remoteAddress, listener });
    this.setStatus({ state: 'connected', remoteAddress: connection.remoteAddress });
    s.start();
    this.flushPending();
    return run;
  }

  /** @internal An event of a connection's session. */
  sessionEvent(e: ConnectionEvent): void {
    // A later stage of a stack may be the one queued messages wait for; hand them over once it runs.
    if (e.type === 'protocol-entered' && this.queue !== undefined && this.queue.length > 0) queueMicrotask(() => this.flushPending());
    this.emit(e);
  }

  /** @internal The session `s` of `run` is gone: tell the loop whether the connection was lost. */
  sessionClosed(run: ClientRun<State>, s: Session<State>): void {
    if (this.session === s) this.session = undefined;
    // Messages that waited for a later stage of the lost connection follow whileDisconnected.
    if (this.clientConfig.whileDisconnected !== 'queue') this.dropPending(this.closing ? 'closed' : 'disconnected');
    const disconnected = run.disconnected;
    const lost = !this.closing && disconnected !== undefined && shouldReconnect(disconnected.reason, s.endedByRemote);
    const error = disconnected?.error;
    run.subscriber.next(error === undefined ? { lost } : { lost, error });
    run.subscriber.complete();
  }

  /** @internal The loop let go of the connection of session `s`. */
  runEnded(s: Session<State> | undefined): void {
    // Only when the client ends while this connection is up, which close() does not do: drop it.
    if (s !== undefined && this.session === s) {
      this.session = undefined;
      s.destroy();
    }
  }

  /** @internal {@link ClientLoopHost.loopEvent}. */
  loopEvent(e: ConnectionLoopEvent<Connection>): void {
    const connect = this.options.connect;
    switch (e.type) {
      case 'connecting':
        // Attempt 1 is the status since creation.
        if (e.attempt > 1) this.setStatus({ state: 'connecting', attempt: e.attempt });
        this.emit({ type: 'connecting', address: connect, attempt: e.attempt });
        break;
      case 'connect-failed': {
        const { attempt, error, retryInMs } = e;
        this.emit(
          retryInMs === undefined
            ? { type: 'connect-failed', address: connect, attempt, error }
            : { type: 'connect-failed', address: connect, attempt, error, retryInMs },
        );
        break;
      }
      case 'reconnecting':
        this.setStatus({ state: 'reconnecting', attempt: e.attempt, delayMs: e.delayMs });
        this.emit({ type: 'reconnecting', address: connect, attempt: e.attempt, delayMs: e.delayMs });
        break;
      case 'connected':
        // `run` reports the connection once its session exists.
        break;
      case 'ended':
        this.finish(e.error);
        break;
    }
  }

  send(message: Out): boolean {
    const policy = this.clientConfig.whileDisconnected;
    // The stages that may carry it (undefined: any); throws the DecodeError of a message none accepts.
    const carriers = this.routes?.stagesFor(message);
    if (this.done) {
      if (policy === 'error') throw new ClosedError(`client of ${this.options.connect} is closed`);
      return false;
    }
    const peer = this.peer();
    if (peer !== undefined) {
      const queue = this.queue;
      if (queue !== undefined) {
        // Sent from a handler the flush triggered: behind the queued messages.
        if (queue.flushing) return queue.offer(message, carriers);
        this.flushPending();
      }
      if (carriers === undefined || carriers.includes(peer.protocol)) return peer.send(message);
      // For a later stage of the stack: it waits for it.
      return this.pending().offer(message, carriers);
    }
    switch (policy) {
      case 'error':
        throw new ClosedError(`client of ${this.options.connect} is not connected (whileDisconnected: 'error')`);
      case 'drop':
        this.dropped('disconnected', message);
        return false;
      case 'queue':
        return this.pending().offer(message, carriers);
    }
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.session !== undefined) this.session.close('shutdown');
    else this.finish();
    return this.closed;
  }
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

/** The state of a client created without `initialState`: `{}` (one function for every such client). */
const emptyState = (): object => ({});

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
    options.initialState ?? (emptyState as () => State),
    singleStageRouter(name),
    config,
    // Unchecked unless validateOutbound asks: a single protocol has nothing to route.
    validatesOutbound(config) ? new SendRoutes('client', stages) : undefined,
  );
}

/** What a {@link ClientRun} uses of its client. */
interface ClientCoreOf<State> {
  readonly options: ClientBaseOptions<unknown>;
  readonly clientConfig: ClientConfig;
  readonly stages: ReadonlyMap<string, Stage<Side, State>>;
  readonly router: Router<State>;
  onMessage(): ((m: unknown) => void) | undefined;
  sessionEvent(e: ConnectionEvent): void;
  sessionClosed(run: ClientRun<State>, s: Session<State>): void;
  runEnded(s: Session<State> | undefined): void;
}

/**
 * One connection of a client: the options of its session (whose callbacks the session calls as
 * methods of this object) and the teardown of the loop's subscription to it, so that a connection
 * costs one object rather than a closure per callback.
 */
class ClientRun<State> implements SessionOptions<State>, Unsubscribable {
  readonly onMessage?: (message: unknown) => void;
  /** The session, once made. */
  session: Session<State> | undefined;
  /** The `disconnected` event of the session, once emitted. */
  disconnected: Extract<ConnectionEvent, { type: 'disconnected' }> | undefined;

  constructor(
    private readonly client: ClientCoreOf<State>,
    readonly subscriber: Subscriber<ConnectionEnd>,
    readonly id: number,
    readonly connection: Connection,
    readonly state: State,
  ) {
    const onMessage = client.onMessage();
    if (onMessage !== undefined) this.onMessage = onMessage;
  }

  // What every connection of the client shares is read through, not copied into each run.
  get side(): 'client' {
    return 'client';
  }

  get listener(): string {
    return this.client.options.connect;
  }

  get config(): ClientConfig {
    return this.client.clientConfig;
  }

  get stages(): ReadonlyMap<string, Stage<Side, State>> {
    return this.client.stages;
  }

  get router(): Router<State> {
    return this.client.router;
  }

  get scheduler(): SchedulerLike | undefined {
    return this.client.options.scheduler;
  }

  emit(e: ConnectionEvent): void {
    if (e.type === 'disconnected') this.disconnected = e;
    this.client.sessionEvent(e);
  }

  // The server ended its side: for a client, the server is gone, whatever the processor is still doing.
  // A stack that completed because its input did is closing already; anything else closes as lost.
  onRemoteEnd(): void {
    const s = this.session;
    if (s !== undefined && !s.closing) s.close('remote-closed');
  }

  onClosed(s: Session<State>): void {
    this.client.sessionClosed(this, s);
  }

  unsubscribe(): void {
    this.client.runEnded(this.session);
  }
}
