import { Subject, asyncScheduler, concat, defer, from, type Observable, type SchedulerLike } from 'rxjs';
import {
  AddressError,
  CallbackError,
  ClosedError,
  MemoryLimitError,
  type Address,
  parseAddress,
  type ResumeOptions,
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
import { checkLanes, resolveConfig, resolveResumeOptions } from '@rxmsg/core/internal';
import type { RefusalReason, ServerEvent } from './events';
import { HandleHost } from './handle-host';
import type { ServerHandleData } from './handle-wire';
import { ServerEventStream, type ServerEventReader, type ServerEventsOptions } from './server-event-stream';
import { serverSend } from './server-send';
import type { ServerSnapshot } from './server-snapshot';
import { MemoryBudget } from './memory-budget';
import { ResumableConnection } from './resumable-connection';
import { ResumeRegistry } from './resume-registry';
import { deliverToSession } from './room-delivery';
import type { RoomName } from './room-target';
import { PEER_ID_NODE_STRIDE, type ClusterSnapshot } from './room-adapter';
import { DEFAULT_REMOTE_TIMEOUT_MS, Rooms, roomsAccess, type RoomsAccess } from './rooms';
import { Session } from './session';
import { ServerSessionOptions, type ServerSessionShared } from './server-session-options';
import { singleStageRouter, widenRouter, type Router, type SessionInfo } from './session-info';
import { serverStage, type CommonReplySides, type Stage, type StageSends } from './stage';
import { stageTable, type StageMap } from './stage-table';

/** A listen address with the application context of its listener (lstngrp's per-listener context). */
export interface ListenSpec {
  readonly address: string;
  /** Visible as `listenerContext` on every peer that comes through this listener, and in `snapshot()`. */
  readonly context?: unknown;
}

/** What `listen` accepts: addresses, with or without a context each. */
export type ListenInput = string | ListenSpec | readonly (string | ListenSpec)[];

export type { ConnectionSnapshot, ServerSnapshot } from './server-snapshot';

/**
 * What every server handle offers.
 * @typeParam In - the messages it receives (the `data` events of {@link ServerHandle.events}).
 */
export interface ServerHandle<C, P, In = unknown> {
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
   * @throws {@link @rxmsg/core!AddressError} for a bad address or unknown scheme, `TransportError` when binding fails, {@link ClosedError} after `close()`.
   */
  addListener(address: string, options?: { readonly context?: unknown }): Promise<string>;
  /**
   * Stop listening on `address` (as {@link ServerHandle.addresses} reports it). The connections that
   * came through it stay open unless `closeConnections` is set (then they close gracefully);
   * other listeners and their connections are untouched.
   */
  removeListener(address: string, options?: { readonly closeConnections?: boolean }): Promise<void>;
  /** Listeners and live connections with their counters. */
  snapshot(): ServerSnapshot;
  /**
   * The snapshot of every node sharing this server's rooms adapter (cluster workers, Redis
   * nodes), this one first; with the default adapter, just this one. A node that does not answer
   * within `timeoutMs` (default 5 s) is listed with an `error`. Listener contexts of other nodes
   * are left out (they need not cross processes).
   * @throws (rejects with) {@link @rxmsg/core!ClosedError} after `close()`.
   */
  snapshotAll(options?: { readonly timeoutMs?: number }): Promise<ClusterSnapshot>;
  /**
   * Read the server's `opened` / `data` / `closed` events with `for await`; `break` releases the
   * reader. Each reader buffers at most `bufferSize` events (1024 by default) and by default throws
   * an `EventBufferFullError` once that many are unread (or drops the oldest: see the options).
   * Readers do not change what processors see. The loop ends when the server has stopped.
   * @throws {@link @rxmsg/core!ConfigError} for bad options.
   */
  events(options?: ServerEventsOptions): ServerEventReader<In>;
  /**
   * A plain, structured-cloneable description of this server for `openHandle()` in any thread
   * (post it to a worker; no transfer list). The same data for every call.
   * @throws {@link @rxmsg/core!ClosedError} after `close()`.
   */
  handle(): ServerHandleData;
  /**
   * Stop accepting, let processors finish and queues flush up to `flushTimeoutMs`, close every
   * connection. Resolves when every socket and listener is gone. Safe to call twice.
   */
  close(): Promise<void>;
}

/** Options of {@link createCompositeServer}. */
export interface CompositeServerOptions<S extends StageMap<'server', State>, State, C> {
  /** One address or several (`tcp://host:port`, `unix:/path`, ...); all are served alike. */
  readonly listen: ListenInput;
  /** Transports for the address schemes used (the first one listing a scheme serves it; `@rxmsg/node` adds its built-in ones after these). */
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
  /** Session resumption (the clients must set it too): see `docs/resume.md`. Off by default. */
  readonly resume?: ResumeOptions;
  /** The rooms registry its processors use (`createRooms()`); one of its own by default. One registry per server. */
  readonly rooms?: Rooms<StageSends<S>>;
}

/**
 * A connection of a composite server, as `connections$` emits it.
 * @typeParam Out - the server messages of the stack's protocols.
 */
export interface PeerHandle<State, Out = unknown> extends SessionInfo<State> {
  /** Name of the protocol being spoken now, if any. */
  readonly protocol: string | undefined;
  /**
   * Send `message` in the protocol the connection speaks now, validated against it first.
   * @returns `false` when it speaks none now, is closing or closed, or the send policy refused it.
   * @throws `UnknownMessageError`/`InvalidMessageError` for a message that protocol rejects (not sent).
   */
  send(message: Out): boolean;
  /** Close gracefully (going-away message, processor finishes, queue flushes). */
  close(): void;
  /** Stop the processor, flush within `timeoutMs`, close; resolves with the messages not sent. */
  flushAndClose(timeoutMs?: number): Promise<number>;
  /** Drop the queue and close at once. */
  cancelAndClose(): void;
  /**
   * Add the connection to `room` of the server's rooms (it leaves when it closes).
   * @returns `false` when it is closing or closed. @throws `RoomLimitError` past the registry's bounds.
   */
  join(room: RoomName): boolean;
  /** Remove the connection from `room`. @returns whether it was a member. */
  leave(room: RoomName): boolean;
}

function peerHandle<State>(session: Session<State>, rooms: Rooms<unknown>): PeerHandle<State> {
  return Object.freeze({
    ...session.peerInfo,
    get protocol() {
      return session.protocol;
    },
    send: (message: unknown) => serverSend(session as Session<unknown>, message),
    join: (room: RoomName) => rooms.join(session.id, room),
    leave: (room: RoomName) => rooms.leave(session.id, room),
    close: () => session.close('local-close'),
    flushAndClose: (timeoutMs?: number) => session.flushAndClose(timeoutMs),
    cancelAndClose: () => session.cancelAndClose(),
  });
}

/** Handle of a composite server; `connections$` emits a {@link PeerHandle} per connection; `to`, `broadcast`, `sendTo` reach its rooms. */
export type CompositeServer<C, State, Out = unknown> = ServerHandle<C, PeerHandle<State, Out>> & RoomsAccess<Out>;

interface BoundListener<State> {
  readonly listener: Listener;
  readonly sessions: Set<Session<State>>;
  readonly context: unknown;
  /** Forgets a session of this listener once it closed. */
  readonly onClosed: (session: Session<State>) => void;
}

/** Parse `text` and find the transport for its scheme. */
function resolveListen(text: string, transports: readonly Transport[]): { address: Address; transport: Transport } {
  const address = parseAddress(text);
  const transport = transports.find((t) => t.schemes.includes(address.scheme));
  if (transport === undefined) throw new AddressError(text, `no transport for "${address.scheme}"`);
  transport.checkAddress?.(address, 'listen');
  return { address, transport };
}

/**
 * The one server implementation: every connection runs through a stack of stages
 * chosen by a router. {@link createServer} is its single-stage case.
 */
async function startServer<State, C, P, In = unknown>(
  listen: ListenInput,
  transports: readonly Transport[],
  stages: ReadonlyMap<string, Stage<Side, State>>,
  initialState: (peer: Omit<SessionInfo<State>, 'state'>) => State,
  router: Router<State>,
  config: ServerConfig,
  exposePeer: (session: Session<State>, rooms: Rooms<unknown>) => P,
  scheduler: SchedulerLike | undefined,
  resume: ResumeOptions | undefined,
  rooms: Rooms<unknown> = new Rooms(),
): Promise<ServerHandle<C, P, In> & RoomsAccess<unknown>> {
  const events = new Subject<ServerEvent>();
  const connections = new Subject<P>();
  const sessions = new Map<number, Session<State>>();
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
          const greediest = [...sessions.values()].filter((s) => !s.closing && s.heldBytes > 0).sort((a, b) => b.heldBytes - a.heldBytes);
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
  // Session resumption: each physical connection says hello first; a new session's connection comes back to accept().
  const registry =
    resume === undefined
      ? undefined
      : new ResumeRegistry({
          resume,
          scheduler: scheduler ?? asyncScheduler,
          handshakeTimeoutMs: config.handshakeTimeoutMs,
          maxFrameBytes: config.maxFrameBytes,
          emit: (e) => events.next(e),
        });
  const accept = (connection: Connection, bound: BoundListener<State>): void => {
    if (registry !== undefined && !(connection instanceof ResumableConnection) && stopping === undefined) {
      // Handshakes in progress count against maxConnections too (each is bounded in bytes and time).
      if (config.maxConnections > 0 && registry.handshaking >= config.maxConnections) refuse(connection, bound.listener.address, 'max-connections');
      else registry.accept(connection, (c) => accept(c, bound));
      return;
    }
    if (stopping !== undefined || (config.maxConnections > 0 && sessions.size >= config.maxConnections)) {
      refuse(connection, bound.listener.address, stopping !== undefined ? 'stopping' : 'max-connections');
      return;
    }
    const id = nextId++;
    const listener = bound.listener.address;
    const listenerContext = bound.context;
    // The handshake read through: a transport may make it only when asked for.
    const base = {
      id,
      remoteAddress: connection.remoteAddress,
      listener,
      listenerContext,
      get handshake() {
        return connection.handshake;
      },
    };
    let state: State;
    try {
      state = initialState(base);
    } catch (error) {
      // Application code: what it throws stays with this connection.
      refuse(connection, listener, 'initial-state-failed', new CallbackError('initialState', { cause: error }));
      return;
    }
    const session: Session<State> = new Session<State>(new ServerSessionOptions(shared, bound, id, connection, state));
    if (connection instanceof ResumableConnection) connection.peerId = id;
    sessions.set(id, session);
    bound.sessions.add(session);
    events.next({ type: 'connected', peerId: id, remoteAddress: connection.remoteAddress, listener });
    rooms.peerOpened(id);
    session.start();
    if (sessions.has(id)) connections.next(exposePeer(session, rooms));
  };

  const bound: BoundListener<State>[] = [];
  const bind = async (text: string, context: unknown): Promise<BoundListener<State>> => {
    const { address, transport } = resolveListen(text, transports);
    const entrySessions = new Set<Session<State>>();
    const entry: { listener?: Listener; sessions: Set<Session<State>>; context: unknown; onClosed: (s: Session<State>) => void } = {
      sessions: entrySessions,
      context,
      onClosed: (s) => {
        sessions.delete(s.id);
        rooms.peerClosed(s.id);
        entrySessions.delete(s);
        if (sessions.size === 0) allClosed?.();
      },
    };
    const onError = (error: ListenerError): void => {
      listenerErrors[error.code]++;
      events.next({ type: 'listener-error', listener: entry.listener?.address ?? text, error });
    };
    // `accept` only runs after listen() resolved, so `entry.listener` is set by then.
    entry.listener = await transport.listen(address, (c) => accept(c, entry as BoundListener<State>), {
      noDelay: config.noDelay,
      maxFrameBytes: config.maxFrameBytes,
      onError,
    });
    return entry as BoundListener<State>;
  };
  // Addresses are checked before the adapter attaches: a bad one must not leave it connected.
  const list = (typeof listen === 'string' || !isArray(listen) ? [listen] : [...listen]).map((l) => (typeof l === 'string' ? { address: l } : l));
  if (list.length === 0) throw new AddressError('', 'no listen address given');
  for (const l of list) resolveListen(l.address, transports);
  // Before listening: an adapter connects to its bus and names this node, whose number starts the peer ids.
  const node = await rooms.attachTo({
    deliver: (peerId, verdicts) => deliverToSession(sessions.get(peerId) as Session<unknown> | undefined, verdicts),
    isOpen: (peerId) => sessions.get(peerId)?.closing === false,
    peerIds: () => sessions.keys(),
    info: (peerId) => sessions.get(peerId)?.peerInfo,
    report: (error) => events.next({ type: 'room-error', error }),
    snapshot: () => snapshot(),
  });
  nextId = node * PEER_ID_NODE_STRIDE + 1;
  try {
    for (const l of list) bound.push(await bind(l.address, l.context));
  } catch (error) {
    await Promise.all(bound.map((b) => b.listener.close()));
    await rooms.close(scheduler);
    throw error;
  }
  const stream = new ServerEventStream<In>(events, (id) => sessions.get(id)?.peerInfo);
  // What every session's options read through (`accept` runs only after this line).
  const shared: ServerSessionShared<State> = { config, stages, router, emit, handshakeTimeoutMs: config.handshakeTimeoutMs, scheduler, meter: budget, dataTap: stream };
  let host: HandleHost | undefined;
  const snapshot = (): ServerSnapshot => ({
    listeners: bound.map((b) => ({ address: b.listener.address, connections: b.sessions.size, context: b.context })),
    connections: [...sessions.values()].map((s) => ({
      id: s.id,
      remoteAddress: s.peerInfo.remoteAddress,
      listener: s.peerInfo.listener,
      listenerContext: s.peerInfo.listenerContext,
      protocol: s.protocol,
      since: s.since,
      ...s.stats(),
      queued: s.queued,
      inputPaused: s.inputPaused,
      heldBytes: s.heldBytes,
    })),
    listenerErrors: { ...listenerErrors },
    refused: { ...refused },
    bufferedBytes: budget?.held ?? [...sessions.values()].reduce((sum, s) => sum + s.heldBytes, 0),
    shed,
  });
  const listening = (): ServerEvent[] =>
    stopping === undefined ? bound.map((b): ServerEvent => ({ type: 'listening', address: b.listener.address })) : [];

  return {
    ...roomsAccess(rooms),
    config: config as C,
    connections$: connections.asObservable(),
    // The listeners were bound before anyone could subscribe: each subscriber first gets a
    // `listening` event per listener still open, then live events.
    events$: defer(() => concat(from(listening()), events)),
    addresses: () => bound.map((b) => b.listener.address),
    addListener: async (text, options = {}) => {
      if (stopping !== undefined) throw new ClosedError('the server is closed');
      const b = await bind(text, options.context);
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
    snapshot,
    snapshotAll: async (options = {}) => {
      if (stopping !== undefined) throw new ClosedError('the server is closed');
      return rooms.snapshotAll(options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS);
    },
    events: (options) => stream.open(options),
    handle: () => {
      if (stopping !== undefined) throw new ClosedError('the server is closed');
      return (host ??= new HandleHost({ session: (id) => sessions.get(id) as Session<unknown> | undefined, snapshot })).data;
    },
    close: () => {
      stopping ??= (async () => {
        const listenersClosed = Promise.all(bound.map((b) => b.listener.close()));
        const drained = new Promise<void>((resolve) => {
          allClosed = resolve;
          if (sessions.size === 0) resolve();
        });
        host?.close();
        registry?.stop();
        for (const s of [...sessions.values()]) s.close('shutdown');
        await Promise.all([listenersClosed, drained]);
        await rooms.close(scheduler);
        events.next({ type: 'stopped' });
        stream.stop();
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
 * @throws {@link @rxmsg/core!ConfigError} for an invalid config, {@link AddressError} for a bad address, `TransportError` when binding fails.
 */
export async function createCompositeServer<
  S extends StageMap<'server', State>,
  State,
  const C extends ConfigInput<'server', CommonReplySides<S>> = {},
>(options: CompositeServerOptions<S, State, C>): Promise<CompositeServer<EffectiveConfig<'server', C>, State, StageSends<S>>> {
  const { stages, replySides } = stageTable('server', options.stages);
  const config = resolveConfig('server', options.config, replySides);
  checkLanes('server', config, [...stages.values()].map((st) => st.protocol));
  return startServer<State, EffectiveConfig<'server', C>, PeerHandle<State, StageSends<S>>>(
    options.listen,
    options.transports ?? [],
    stages,
    options.initialState,
    widenRouter(options.router),
    config,
    peerHandle,
    options.scheduler,
    resolveResumeOptions(options.resume),
    // Its sends accept the stack's messages; the server validates each against the peer's protocol.
    options.rooms as Rooms<unknown> | undefined,
  ) as Promise<CompositeServer<EffectiveConfig<'server', C>, State, StageSends<S>>>;
}

/** Options of {@link createServer}. */
export interface ServerOptions<P extends AnyProtocol, State, C> {
  /** One address or several (`tcp://host:port`, `unix:/path`), each optionally with a listener context; all are served alike. */
  readonly listen: ListenInput;
  /** Transports for the address schemes used (the first one listing a scheme serves it; `@rxmsg/node` adds its built-in ones after these). */
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
  /** Session resumption (the clients must set it too): see `docs/resume.md`. Off by default. */
  readonly resume?: ResumeOptions;
  /** The rooms registry its processors use (`createRooms()`); one of its own by default. One registry per server. */
  readonly rooms?: Rooms<ServerMessage<P>>;
}

/** A single-protocol server: `connections$` emits each connection's peer; `to`, `broadcast`, `sendTo` reach its rooms. */
export type Server<P extends AnyProtocol, C, State = unknown> = ServerHandle<C, Peer<ClientMessage<P>, ServerMessage<P>, State>, ClientMessage<P>> &
  RoomsAccess<ServerMessage<P>>;

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
 * @throws {@link @rxmsg/core!ConfigError} for an invalid config, {@link AddressError} for a bad address, `TransportError` when binding fails.
 */
export async function createServer<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'server', ReplySides<P>> = {}>(
  options: ServerOptions<P, State, C>,
): Promise<Server<P, EffectiveConfig<'server', C>, State>> {
  const config = resolveConfig('server', options.config, options.protocol.errorReplies.server ? ['server'] : []);
  checkLanes('server', config, [options.protocol]);
  // The one stage is named after the protocol, the name events, snapshots and peers report.
  const name = options.protocol.name;
  const stages = new Map([[name, serverStage(options.protocol, options.processor)]]);
  const initialState = options.initialState ?? (() => ({}) as State);
  return startServer<State, EffectiveConfig<'server', C>, Peer<ClientMessage<P>, ServerMessage<P>, State>, ClientMessage<P>>(
    options.listen,
    options.transports ?? [],
    stages,
    initialState,
    singleStageRouter(name),
    config,
    // A single-stage session's peer speaks P; the cast restores the types erased for storage.
    (s) => s.currentPeer as unknown as Peer<ClientMessage<P>, ServerMessage<P>, State>,
    options.scheduler,
    resolveResumeOptions(options.resume),
    // Its sends accept the protocol's messages; the server validates each against it.
    options.rooms as Rooms<unknown> | undefined,
  ) as Promise<Server<P, EffectiveConfig<'server', C>, State>>;
}

// Array.isArray does not narrow a readonly array out of a union.
function isArray(l: ListenInput): l is readonly (string | ListenSpec)[] {
  return Array.isArray(l);
}
