import { Subject, concat, defer, from, type Observable, type SchedulerLike } from 'rxjs';
import {
  AddressError,
  CallbackError,
  ClosedError,
  MemoryLimitError,
  type Address,
  parseAddress,
  resolveConfig,
  type AnyProtocol,
  type ConfigInput,
  type Connection,
  type EffectiveConfig,
  type Listener,
  type ListenerError,
  type ListenerErrorCode,
  type Peer,
  type ReplySides,
  type ServerConfig,
  type ServerMessage,
  type ClientMessage,
  type ServerProcessor,
  type Side,
  type Transport,
} from '@rxmsg/core';
import type { RefusalReason, ServerEvent } from './events';
import type { SessionStats } from './session-stats';
import { MemoryBudget } from './memory-budget';
import { Session } from './session';
import { widenRouter, type Router, type SessionInfo } from './session-info';
import { serverStage, type CommonReplySides, type Stage } from './stage';
import { stageTable, type StageMap } from './stage-table';

/** One live connection in a {@link ServerSnapshot}: its identity, its counters, its flow state now. */
export interface ConnectionSnapshot extends SessionStats {
  readonly id: number;
  readonly remoteAddress: string;
  readonly listener: string;
  /** Protocol being spoken, if any. */
  readonly protocol: string | undefined;
  /** When it connected (ms since the epoch). */
  readonly since: number;
  /** Messages waiting in the outbound queue now. */
  readonly queued: number;
  /** Whether the socket is not being read now (backpressure). */
  readonly inputPaused: boolean;
  /** Bytes it holds in rxmsg's buffers now (undecoded input, outbound queue). */
  readonly heldBytes: number;
}

/** A server's listeners and live connections at one instant, and its failure counters since it started. */
export interface ServerSnapshot {
  readonly listeners: readonly { readonly address: string; readonly connections: number }[];
  readonly connections: readonly ConnectionSnapshot[];
  /** `listener-error` events so far, per `error.code` (every code is present, 0 when none happened). */
  readonly listenerErrors: Readonly<Record<ListenerErrorCode, number>>;
  /** `connection-refused` events so far, per reason (every reason is present). */
  readonly refused: Readonly<Record<RefusalReason, number>>;
  /** Bytes all connections hold in rxmsg's buffers now (undecoded input, outbound queues), against `maxBufferedBytes`. */
  readonly bufferedBytes: number;
  /** Connections closed so far to bring the server under `maxBufferedBytes` (reason `memory-limit`). */
  readonly shed: number;
}

/** What every server handle offers. */
export interface ServerHandle<C, P> {
  /** The effective config, frozen. */
  readonly config: C;
  /** Each connection as it opens. Hot; completes when the server is closed. */
  readonly connections$: Observable<P>;
  /**
   * Connections, protocol changes, errors, stop: hot, completes after `stopped`. Each subscriber
   * first receives one `listening` event per open listener.
   */
  readonly events$: Observable<ServerEvent>;
  /** The bound addresses, with real ports. */
  addresses(): string[];
  /**
   * Start listening on one more address while the server runs; its connections are served like
   * all others. Resolves with the bound address (the real port when 0 was asked).
   * @throws {@link AddressError} for a bad address or unknown scheme, `TransportError` when binding fails, {@link ClosedError} after `close()`.
   */
  addListener(address: string): Promise<string>;
  /**
   * Stop listening on `address` (as {@link ServerHandle.addresses} reports it). The connections that
   * came through it stay open unless `closeConnections` is set (then they close gracefully);
   * other listeners and their connections are untouched.
   */
  removeListener(address: string, options?: { readonly closeConnections?: boolean }): Promise<void>;
  /** Listeners and live connections with their counters. */
  snapshot(): ServerSnapshot;
  /**
   * Stop accepting, let processors finish and queues flush up to `flushTimeoutMs`, close every
   * connection. Resolves when every socket and listener is gone. Safe to call twice.
   */
  close(): Promise<void>;
}

/** Options of {@link createCompositeServer}. */
export interface CompositeServerOptions<S extends StageMap<'server', State>, State, C> {
  /** One address or several (`tcp://host:port`, `unix:/path`, ...); all are served alike. */
  readonly listen: string | readonly string[];
  /** Transports for the address schemes used (`@rxmsg/node` supplies TCP and Unix sockets by default). */
  readonly transports?: readonly Transport[];
  /** The protocols of the stack, each with its server processor (see {@link serverStage}), keyed by name. */
  readonly stages: S;
  /**
   * Creates each connection's state. When it throws, that one connection is refused (a
   * `connection-refused` event with reason `initial-state-failed` and a `CallbackError`); the server goes on.
   */
  readonly initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State;
  /** Picks the next stage, or `null` to end the connection. */
  readonly router: Router<State, keyof S & string>;
  /** Server config (validated once, here). */
  readonly config?: C;
  /** Scheduler of every timer (virtual time in tests); `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
}

/** A connection of a composite server, as `connections$` emits it. */
export interface PeerHandle<State> extends SessionInfo<State> {
  /** Name of the protocol being spoken now, if any. */
  readonly protocol: string | undefined;
  /** Close gracefully (going-away message, processor finishes, queue flushes). */
  close(): void;
  /** Stop the processor, flush within `timeoutMs`, close; resolves with the messages not sent. */
  flushAndClose(timeoutMs?: number): Promise<number>;
  /** Drop the queue and close at once. */
  cancelAndClose(): void;
}

function peerHandle<State>(session: Session<State>): PeerHandle<State> {
  return Object.freeze({
    ...session.peerInfo,
    get protocol() {
      return session.protocol;
    },
    close: () => session.close('local-close'),
    flushAndClose: (timeoutMs?: number) => session.flushAndClose(timeoutMs),
    cancelAndClose: () => session.cancelAndClose(),
  });
}

/** Handle of a composite server; `connections$` emits a {@link PeerHandle} per connection. */
export type CompositeServer<C, State> = ServerHandle<C, PeerHandle<State>>;

interface BoundListener<State> {
  readonly listener: Listener;
  readonly sessions: Set<Session<State>>;
  /** Forgets a session of this listener once it closed. */
  readonly onClosed: (session: Session<State>) => void;
}

/** Parse `text` and find the transport for its scheme. */
function resolveListen(text: string, transports: readonly Transport[]): { address: Address; transport: Transport } {
  const address = parseAddress(text);
  const transport = transports.find((t) => t.schemes.includes(address.scheme));
  if (transport === undefined) throw new AddressError(text, `no transport for "${address.scheme}"`);
  return { address, transport };
}

/**
 * The one server implementation: every connection runs through a stack of stages
 * chosen by a router. {@link createServer} is its single-stage case.
 */
async function startServer<State, C, P>(
  listen: string | readonly string[],
  transports: readonly Transport[],
  stages: ReadonlyMap<string, Stage<Side, State>>,
  initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State,
  router: Router<State>,
  config: ServerConfig,
  exposePeer: (session: Session<State>) => P,
  scheduler: SchedulerLike | undefined,
): Promise<ServerHandle<C, P>> {
  const events = new Subject<ServerEvent>();
  const connections = new Subject<P>();
  const sessions = new Set<Session<State>>();
  let nextId = 1;
  let stopping: Promise<void> | undefined;
  let allClosed: (() => void) | undefined;

  const listenerErrors: Record<ListenerErrorCode, number> = { ACCEPT_FAILED: 0, TLS_HANDSHAKE_FAILED: 0, UPGRADE_FAILED: 0, LISTENER_FAILED: 0 };
  const refused: Record<RefusalReason, number> = { 'max-connections': 0, stopping: 0, 'initial-state-failed': 0 };

  // The server-wide memory budget: past maxBufferedBytes, the connections holding the most are closed first.
  let shed = 0;
  const budget =
    config.maxBufferedBytes > 0
      ? new MemoryBudget(config.maxBufferedBytes, (held) => {
          const limit = config.maxBufferedBytes;
          const greediest = [...sessions].filter((s) => !s.closing && s.heldBytes > 0).sort((a, b) => b.heldBytes - a.heldBytes);
          let over = held - limit;
          for (const s of greediest) {
            if (over <= 0) break;
            const bytes = s.heldBytes;
            over -= bytes;
            shed++;
            s.close('memory-limit', new MemoryLimitError(bytes, limit));
          }
        })
      : undefined;

  // One emitter per server and one close callback per listener, not a pair of closures per connection.
  const emit = (e: ServerEvent): void => events.next(e);
  const refuse = (connection: Connection, listener: string, reason: RefusalReason, error?: CallbackError): void => {
    refused[reason]++;
    connection.destroy();
    const { remoteAddress } = connection;
    events.next(
      error === undefined
        ? { type: 'connection-refused', remoteAddress, listener, reason }
        : { type: 'connection-refused', remoteAddress, listener, reason, error },
    );
  };
  const accept = (connection: Connection, bound: BoundListener<State>): void => {
    if (stopping !== undefined || (config.maxConnections > 0 && sessions.size >= config.maxConnections)) {
      refuse(connection, bound.listener.address, stopping !== undefined ? 'stopping' : 'max-connections');
      return;
    }
    const id = nextId++;
    const listener = bound.listener.address;
    const base = { id, remoteAddress: connection.remoteAddress, listener };
    let state: State;
    try {
      state = initialState(base);
    } catch (error) {
      // Application code: what it throws stays with this connection.
      refuse(connection, listener, 'initial-state-failed', new CallbackError('initialState', { cause: error }));
      return;
    }
    const session: Session<State> = new Session<State>({
      id,
      side: 'server',
      connection,
      listener,
      config,
      state,
      stages,
      router,
      emit,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      ...(scheduler === undefined ? {} : { scheduler }),
      ...(budget === undefined ? {} : { meter: budget }),
      onClosed: bound.onClosed,
    });
    sessions.add(session);
    bound.sessions.add(session);
    events.next({ type: 'connected', peerId: id, remoteAddress: connection.remoteAddress, listener });
    session.start();
    if (sessions.has(session)) connections.next(exposePeer(session));
  };

  const bound: BoundListener<State>[] = [];
  const bind = async (text: string): Promise<BoundListener<State>> => {
    const { address, transport } = resolveListen(text, transports);
    const entrySessions = new Set<Session<State>>();
    const entry: { listener?: Listener; sessions: Set<Session<State>>; onClosed: (s: Session<State>) => void } = {
      sessions: entrySessions,
      onClosed: (s) => {
        sessions.delete(s);
        entrySessions.delete(s);
        if (sessions.size === 0) allClosed?.();
      },
    };
    const onError = (error: ListenerError): void => {
      listenerErrors[error.code]++;
      events.next({ type: 'listener-error', listener: entry.listener?.address ?? text, error });
    };
    // `accept` only runs after listen() resolved, so `entry.listener` is set by then.
    entry.listener = await transport.listen(address, (c) => accept(c, entry as BoundListener<State>), { noDelay: config.noDelay, onError });
    return entry as BoundListener<State>;
  };
  const list = typeof listen === 'string' ? [listen] : [...listen];
  if (list.length === 0) throw new AddressError('', 'no listen address given');
  for (const text of list) resolveListen(text, transports);
  try {
    for (const text of list) bound.push(await bind(text));
  } catch (error) {
    await Promise.all(bound.map((b) => b.listener.close()));
    throw error;
  }
  const listening = (): ServerEvent[] =>
    stopping === undefined ? bound.map((b): ServerEvent => ({ type: 'listening', address: b.listener.address })) : [];

  return {
    config: config as C,
    connections$: connections.asObservable(),
    // The listeners were bound before anyone could subscribe: each subscriber first gets a
    // `listening` event per listener still open, then live events.
    events$: defer(() => concat(from(listening()), events)),
    addresses: () => bound.map((b) => b.listener.address),
    addListener: async (text) => {
      if (stopping !== undefined) throw new ClosedError('the server is closed');
      const b = await bind(text);
      if (stopping !== undefined) {
        await b.listener.close();
        throw new ClosedError('the server is closed');
      }
      bound.push(b);
      events.next({ type: 'listening', address: b.listener.address });
      return b.listener.address;
    },
    removeListener: async (address, options = {}) => {
      const i = bound.findIndex((b) => b.listener.address === address);
      if (i < 0) throw new AddressError(address, 'no such listener');
      const [b] = bound.splice(i, 1) as [BoundListener<State>];
      await b.listener.close();
      if (options.closeConnections === true) for (const sess of [...b.sessions]) sess.close('shutdown');
      events.next({ type: 'listener-closed', address });
    },
    snapshot: () => ({
      listeners: bound.map((b) => ({ address: b.listener.address, connections: b.sessions.size })),
      connections: [...sessions].map((s) => ({
        id: s.id,
        remoteAddress: s.peerInfo.remoteAddress,
        listener: s.peerInfo.listener,
        protocol: s.protocol,
        since: s.since,
        ...s.stats(),
        queued: s.queued,
        inputPaused: s.inputPaused,
        heldBytes: s.heldBytes,
      })),
      listenerErrors: { ...listenerErrors },
      refused: { ...refused },
      bufferedBytes: budget?.held ?? [...sessions].reduce((sum, s) => sum + s.heldBytes, 0),
      shed,
    }),
    close: () => {
      stopping ??= (async () => {
        const listenersClosed = Promise.all(bound.map((b) => b.listener.close()));
        const drained = new Promise<void>((resolve) => {
          allClosed = resolve;
          if (sessions.size === 0) resolve();
        });
        for (const s of [...sessions]) s.close('shutdown');
        await Promise.all([listenersClosed, drained]);
        events.next({ type: 'stopped' });
        events.complete();
        connections.complete();
      })();
      return stopping;
    },
  };
}

/**
 * Start a composite server: several protocols over one set of listeners. Each connection
 * starts with `initialState`, the router picks its first protocol, and each time that
 * protocol's processor completes the router is asked again (same peer id, same state
 * object) until it answers `null`. Bytes received after the last message of one protocol
 * are decoded by the next: nothing is lost at a handover.
 *
 * @example
 * ```ts
 * const server = await createCompositeServer({
 *   listen: 'tcp://127.0.0.1:0',
 *   transports: [tcpTransport()],
 *   stages: { login: serverStage(Login, loginProcessor), chat: serverStage(Chat, chatProcessor) },
 *   initialState: () => ({ user: undefined as string | undefined }),
 *   router: (state, _peer, previous) => (previous === null ? 'login' : previous === 'login' && state.user ? 'chat' : null),
 * });
 * ```
 * @throws {@link ConfigError} for an invalid config, {@link AddressError} for a bad address, `TransportError` when binding fails.
 */
export async function createCompositeServer<
  S extends StageMap<'server', State>,
  State,
  const C extends ConfigInput<'server', CommonReplySides<S>> = {},
>(options: CompositeServerOptions<S, State, C>): Promise<CompositeServer<EffectiveConfig<'server', C>, State>> {
  const { stages, replySides } = stageTable('server', options.stages);
  const config = resolveConfig('server', options.config, replySides);
  return startServer<State, EffectiveConfig<'server', C>, PeerHandle<State>>(
    options.listen,
    options.transports ?? [],
    stages,
    options.initialState,
    widenRouter(options.router),
    config,
    peerHandle,
    options.scheduler,
  );
}

/** Options of {@link createServer}. */
export interface ServerOptions<P extends AnyProtocol, State, C> {
  /** One address or several (`tcp://host:port`, `unix:/path`); all are served alike. */
  readonly listen: string | readonly string[];
  /** Transports for the address schemes used (`@rxmsg/node` supplies TCP and Unix sockets by default). */
  readonly transports?: readonly Transport[];
  /** The protocol spoken. */
  readonly protocol: P;
  /** Run once per connection: `(incoming$, peer) => outgoing$`. */
  readonly processor: ServerProcessor<P, State>;
  /**
   * Creates each connection's state; `{}` by default. When it throws, that one connection is refused
   * (a `connection-refused` event with reason `initial-state-failed` and a `CallbackError`); the server goes on.
   */
  readonly initialState?: (peer: Omit<SessionInfo<State>, 'state'>) => State;
  /** Server config (validated once, here). */
  readonly config?: C;
  /** Scheduler of every timer (virtual time in tests); `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
}

/** A single-protocol server: `connections$` emits each connection's peer. */
export type Server<P extends AnyProtocol, C, State = unknown> = ServerHandle<C, Peer<ClientMessage<P>, ServerMessage<P>, State>>;

/**
 * Start a server speaking one protocol on one or more addresses.
 *
 * @example
 * ```ts
 * const server = await createServer({
 *   listen: 'tcp://127.0.0.1:4000',
 *   transports: [tcpTransport()],
 *   protocol: HelloProtocol,
 *   processor: (in$) => in$.pipe(map((m) => ({ kind: 'World', greeting: `hello ${m.name}` }))),
 *   config: { maxFrameBytes: 4096, onDecodeError: 'reply' } as const,
 * });
 * console.log(server.addresses());
 * await server.close();
 * ```
 * @throws {@link ConfigError} for an invalid config, {@link AddressError} for a bad address, `TransportError` when binding fails.
 */
export async function createServer<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'server', ReplySides<P>> = {}>(
  options: ServerOptions<P, State, C>,
): Promise<Server<P, EffectiveConfig<'server', C>, State>> {
  const config = resolveConfig('server', options.config, options.protocol.errorReplies.server ? ['server'] : []);
  // The one stage is named after the protocol, the name events, snapshots and peers report.
  const name = options.protocol.name;
  const stages = new Map([[name, serverStage(options.protocol, options.processor)]]);
  const initialState = options.initialState ?? (() => ({}) as State);
  return startServer(
    options.listen,
    options.transports ?? [],
    stages,
    initialState,
    (_state, _peer, previous) => (previous === null ? name : null),
    config,
    // A single-stage session's peer speaks P; the cast restores the types erased for storage.
    (s) => s.currentPeer as unknown as Peer<ClientMessage<P>, ServerMessage<P>, State>,
    options.scheduler,
  );
}
