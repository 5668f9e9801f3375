import { Subject, merge, type Observable } from 'rxjs';
import {
  CallbackError,
  ClosedError,
  type AnyProtocol,
  type ConfigInput,
  type EffectiveConfig,
  type ReplySides,
} from '@rxmsg/core';
import type { ServerEvent } from './events';
import { SessionLink, type HostedSession, type SessionLinkHost } from './hosted-session';
import { memoryTransport, type MemoryTransport } from './memory-transport';
import { nextTurn } from './next-turn';
import {
  createCompositeServer,
  createServer,
  type CompositeServerOptions,
  type ServerHandle,
  type ServerOptions,
  type ServerSnapshot,
} from './server';
import type { CommonReplySides } from './stage';
import type { StageMap } from './stage-table';

/** Where a {@link SessionHost} writes its error-level messages (a leaked session). */
export interface SessionLogger {
  error(message: string, details: object): void;
}

/**
 * Events of a {@link SessionHost}: those of its server (`connected`, `decode-error`,
 * `disconnected`, ...; each session's `peerId`), and two of its own:
 * - `session-leaked`: a session was garbage-collected without `close()`; `createdAt` is the stack
 *   where it was made (absent with `captureStacks: false`), `loggerError` set when the logger threw;
 * - `session-send-failed`: the session's `send` threw (`error.cause`); that session was closed.
 */
export type SessionHostEvent =
  | ServerEvent
  | {
      readonly type: 'session-leaked';
      readonly sessionId: number;
      readonly peerId: number | undefined;
      readonly createdAt: string | undefined;
      readonly loggerError?: CallbackError;
    }
  | { readonly type: 'session-send-failed'; readonly sessionId: number; readonly peerId: number | undefined; readonly error: CallbackError };

/** Options a session host adds to those of a server. */
export interface SessionHostExtras {
  /** Receives one error-level message per leaked session; `console` by default. */
  readonly logger?: SessionLogger;
  /** Unread bytes the server side of a session may hold before `handleRequest` waits (64 KiB by default). */
  readonly highWaterMark?: number;
  /** `stream` (default): `handleRequest` takes any slice of the byte stream; `message`: one whole frame per call. */
  readonly framing?: 'stream' | 'message';
  /** Record where each session is made, for the leak report (`true` by default; costs one `Error` per session). */
  readonly captureStacks?: boolean;
}

/** Options of {@link createSessionHost} for one protocol: those of `createServer`, without addresses or transports. */
export interface SessionHostOptions<P extends AnyProtocol, State, C> extends Omit<ServerOptions<P, State, C>, 'listen' | 'transports'>, SessionHostExtras {}

/** Options of {@link createSessionHost} for a stack of protocols: those of `createCompositeServer`, without addresses or transports. */
export interface CompositeSessionHostOptions<S extends StageMap<'server', State>, State, C>
  extends Omit<CompositeServerOptions<S, State, C>, 'listen' | 'transports'>,
    SessionHostExtras {}

/** A server without sockets: see {@link createSessionHost}. */
export interface SessionHost<C> {
  /** The effective server config, frozen. */
  readonly config: C;
  /** The server's events and the host's own ({@link SessionHostEvent}). Hot; completes after `stopped`. */
  readonly events$: Observable<SessionHostEvent>;
  /**
   * Open a session: one connection of the server, whose replies (and whatever else the server
   * writes to it, such as a broadcast from another session's processor) reach `send`, one chunk
   * at a time, never re-entrantly from `handleRequest`. A `send` that throws closes that session
   * (a `session-send-failed` event).
   * @throws {@link @rxmsg/core!ClosedError} once the host is closing.
   */
  session(send: (bytes: Uint8Array) => void): HostedSession;
  /**
   * Resolves once everything deferred was delivered, for every session: requests accepted so far were
   * decoded and processed as far as the processors do it synchronously or within the current turns,
   * and the replies queued reached `send`. It waits for turns of the event loop until one passes in
   * which no byte moved (at most {@link POLL_MAX_TURNS}); bytes held for a session whose server side
   * paused reading stay held.
   */
  poll(): Promise<void>;
  /** Sessions open now, with their counters, as the server sees them. */
  snapshot(): ServerSnapshot;
  /** Close every session gracefully (as `server.close()` does) and stop. Resolves when all are gone. Safe to call twice. */
  close(): Promise<void>;
}

/** The most event-loop turns one `poll()` waits while bytes keep moving (a processor that never stops talking). */
export const POLL_MAX_TURNS = 1000;

const ADDRESS = 'memory://session-host:0';

/** What the server hands out per connection that the host needs: its id and a graceful close. */
interface PeerLike {
  readonly id: number;
}

/**
 * Start a server without sockets, for bytes that travel over something rxmsg does not own. Each
 * `host.session(send)` is one connection of an ordinary rxmsg server running over a private
 * {@link memoryTransport}: the same framer, codec, validation, processors, policies and events as
 * on a socket.
 *
 * @example
 * ```ts
 * const host = await createSessionHost({ protocol: HelloProtocol, processor: helloProcessor, config: { onDecodeError: 'reply' } as const });
 * const session = host.session((bytes) => worker.postMessage(bytes)); // replies
 * worker.on('message', (bytes: Uint8Array) => void session.handleRequest(bytes)); // requests
 * // ...
 * await session.close();
 * await host.close();
 * ```
 * @throws {@link @rxmsg/core!ConfigError} for an invalid config.
 */
export function createSessionHost<P extends AnyProtocol, State = unknown, const C extends ConfigInput<'server', ReplySides<P>> = {}>(
  options: SessionHostOptions<P, State, C>,
): Promise<SessionHost<EffectiveConfig<'server', C>>>;
export function createSessionHost<
  S extends StageMap<'server', State>,
  State,
  const C extends ConfigInput<'server', CommonReplySides<S>> = {},
>(options: CompositeSessionHostOptions<S, State, C>): Promise<SessionHost<EffectiveConfig<'server', C>>>;
export async function createSessionHost(
  options: SessionHostOptions<AnyProtocol, unknown, unknown> | CompositeSessionHostOptions<StageMap<'server', unknown>, unknown, unknown>,
): Promise<SessionHost<unknown>> {
  const transport = memoryTransport({
    ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    ...(options.framing === undefined ? {} : { framing: options.framing }),
  });
  // Both calls are typed by their overloads' callers; here the options are only passed through.
  type Start = (o: object) => Promise<ServerHandle<unknown, PeerLike>>;
  const start = ('protocol' in options ? createServer : createCompositeServer) as unknown as Start;
  const { logger, highWaterMark: _h, framing: _f, captureStacks: _c, ...serverOptions } = options;
  const server = await start({ ...serverOptions, listen: ADDRESS, transports: [transport] });
  return hostOver(server, transport, logger ?? console, options.captureStacks ?? true);
}

/** The host around a started server. */
function hostOver(server: ServerHandle<unknown, PeerLike>, transport: MemoryTransport, logger: SessionLogger, captureStacks: boolean): SessionHost<unknown> {
  const own = new Subject<SessionHostEvent>();
  const address = server.addresses()[0] as string;
  const links = new Set<SessionLink>();
  let nextId = 1;
  let stopping: Promise<void> | undefined;
  // The connection just dialled: accepted synchronously by the server, which emits its peer here.
  let accepted: PeerLike | undefined;
  const peers = server.connections$.subscribe((peer) => {
    accepted = peer;
  });

  // Holds links, never sessions: the link is what is left to release once the session is gone.
  const registry = new FinalizationRegistry<SessionLink>((link) => {
    if (link.closed) return;
    const createdAt = link.origin?.stack;
    const details = { sessionId: link.id, peerId: link.peerId, createdAt };
    let loggerError: CallbackError | undefined;
    try {
      logger.error(`rxmsg: session ${link.id} was garbage-collected without close(); its connection is released now`, details);
    } catch (error) {
      loggerError = new CallbackError('logger', { cause: error });
    }
    own.next(
      loggerError === undefined
        ? { type: 'session-leaked', ...details }
        : { type: 'session-leaked', ...details, loggerError },
    );
    link.release();
  });

  const linkHost: SessionLinkHost = {
    flushTimeoutMs: (server.config as { readonly flushTimeoutMs: number }).flushTimeoutMs,
    sendFailed: (link, error) => own.next({ type: 'session-send-failed', sessionId: link.id, peerId: link.peerId, error }),
    closed: (link) => {
      links.delete(link);
      registry.unregister(link);
    },
  };

  const poll = async (): Promise<void> => {
    for (let turn = 0; turn < POLL_MAX_TURNS; turn++) {
      const before = transport.delivered;
      await new Promise<void>((resolve) => nextTurn(resolve));
      if (transport.delivered === before) return;
    }
  };

  return {
    config: server.config,
    events$: merge(server.events$, own),
    session: (send) => {
      if (stopping !== undefined) throw new ClosedError('the session host is closed');
      const id = nextId++;
      // The Error is cheap: V8 formats its stack only if a leak report reads it.
      const origin = captureStacks ? new Error(`session ${id} created here`) : undefined;
      accepted = undefined;
      const connection = transport.dial(address);
      const peer = accepted as PeerLike | undefined;
      accepted = undefined;
      const link = new SessionLink(id, peer?.id, connection, send, linkHost, origin);
      connection.start(link);
      const session: HostedSession = {
        id,
        peerId: link.peerId,
        get closed() {
          return link.closed;
        },
        handleRequest: (bytes) => link.handleRequest(bytes),
        poll,
        close: () => {
          registry.unregister(link);
          return link.close();
        },
        [Symbol.asyncDispose]: () => session.close(),
      };
      if (!connection.isClosed) {
        links.add(link);
        registry.register(session, link, link);
      }
      return session;
    },
    poll,
    snapshot: () => server.snapshot(),
    close: () => {
      stopping ??= (async () => {
        for (const link of links) void link.close();
        await server.close();
        peers.unsubscribe();
        for (const link of [...links]) registry.unregister(link);
        links.clear();
        own.complete();
      })();
      return stopping;
    },
  };
}
