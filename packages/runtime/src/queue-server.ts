import { Subject, defer, merge, type Observable, type SchedulerLike } from 'rxjs';
import {
  ConfigError,
  type AnyProtocol,
  type ClientMessage,
  type ConfigInput,
  type EffectiveConfig,
  type Peer,
  type ReplySides,
  type ServerMessage,
  type ServerProcessor,
  type Transport,
} from '@rxmsg/core';
import { resolveConfig } from '@rxmsg/core/internal';
import { ClientQueue, type WaitIncomingOptions } from './client-queue';
import type { ServerEvent } from './events';
import { feedQueue } from './queue-feed';
import { queueClientId } from './queue-client-id';
import { createServer, type ServerSnapshot } from './server';

/** Default {@link QueueServerOptions.inboundLimit}: messages held per client before its socket stops being read. */
export const QUEUE_INBOUND_LIMIT = 1024;

/** Default {@link QueueServerOptions.gcIntervalMs}. */
export const QUEUE_GC_INTERVAL_MS = 30_000;

/** Options of {@link createQueueServer}. */
export interface QueueServerOptions<P extends AnyProtocol, C> {
  /** One address or several (`tcp://host:port`, `unix:/path`, `ws://host:port/path`); all are served alike. */
  readonly listen: string | readonly string[];
  /** Transports for the address schemes used (`@rxmsg/node`'s `createQueueServer` supplies Node's). */
  readonly transports?: readonly Transport[];
  /** The protocol spoken: clients send its client messages, `push` takes its server messages. */
  readonly protocol: P;
  /** Server config, as for `createServer` (the send policy, `receiveQueueLimit`, timeouts...). */
  readonly config?: C;
  /**
   * The most messages one client's inbound queue holds ({@link QUEUE_INBOUND_LIMIT} by default).
   * When it is full, that client's socket is no longer read until the application pops: nothing
   * is lost and the sender feels TCP backpressure. Per client the server holds at most
   * `inboundLimit + receiveQueueLimit` decoded messages (plus one frame of undecoded bytes).
   */
  readonly inboundLimit?: number;
  /**
   * How often the queues of disconnected clients are collected ({@link QueueServer.gc}), in ms;
   * {@link QUEUE_GC_INTERVAL_MS} by default, `0` for never (call `gc()` yourself). The timer does
   * not keep the process alive and is cleared by `stop()`.
   */
  readonly gcIntervalMs?: number;
  /** Scheduler of the engine's timers (virtual time in tests). */
  readonly scheduler?: SchedulerLike;
}

/** A queue removed by {@link QueueServer.gc} or by `stop()`, with what was never popped from it. */
export interface CollectedQueue {
  readonly clientId: string;
  readonly peerId: number;
  /** Messages received from the client and never popped: dropped with the queue. */
  readonly unread: number;
}

/**
 * Events of a queue server: the server's own, plus one `queue-collected` per queue removed
 * (by `gc()`, the gc interval, or `stop()`, which reports every queue left after `stopped`).
 */
export type QueueServerEvent = ServerEvent | ({ readonly type: 'queue-collected'; readonly by: 'gc' | 'stop' } & CollectedQueue);

/**
 * A server that keeps one bounded inbound queue per client for imperative code (game loops,
 * scripts, request handlers) that pops and pushes instead of composing streams. Messages are
 * decoded and validated by the protocol as on any rxmsg server; `push` goes through the
 * connection's bounded outbound queue and its send policy.
 *
 * Client ids are `"ip:port"` of the remote end for TCP, TLS and WebSocket, the peer id (`"7"`)
 * for other transports, never reused while the queue exists (see `queueClientId`).
 */
export interface QueueServer<P extends AnyProtocol, C> {
  /** The effective config, frozen. */
  readonly config: C;
  /** The server's events and `queue-collected` events. Hot; completes once `stop()` is done. */
  readonly events$: Observable<QueueServerEvent>;
  /** Every client with a queue: those connected, and those gone whose queue was not collected yet. */
  clientIds(): string[];
  /** Whether the client's connection is open (`false` for an unknown id). */
  isConnected(clientId: string): boolean;
  /**
   * Send `message` to the client, through its bounded outbound queue under `onSendQueueFull`.
   * @returns `false` for an unknown or disconnected client, or when the send policy refused it.
   */
  push(clientId: string, message: ServerMessage<P>): boolean;
  /** Resolves `true` once the client's outbound queue is under its limits, `false` once it can no longer send. */
  whenWritable(clientId: string): Promise<boolean>;
  /** The client's oldest unread message, removed; `undefined` when none waits or the id is unknown. */
  pop(clientId: string): ClientMessage<P> | undefined;
  /** Every unread message of the client, oldest first, removed. */
  popAll(clientId: string): ClientMessage<P>[];
  /** How many messages of the client wait to be popped (0 for an unknown id); at most `inboundLimit`. */
  queued(clientId: string): number;
  /** `true` when no message of the client waits (also for an unknown id). */
  isEmpty(clientId: string): boolean;
  /**
   * Resolves `true` once a message of the client waits (at once if one does); `false` when
   * `timeoutMs` passes first, when the client disconnects with nothing queued, or for an unknown
   * id. Rejects with `signal.reason` when `signal` aborts.
   */
  waitIncoming(clientId: string, options?: WaitIncomingOptions): Promise<boolean>;
  /**
   * Remove the queues of disconnected clients, reporting each (with its unread messages) as a
   * `queue-collected` event. @returns what was removed.
   */
  gc(): CollectedQueue[];
  /** The first bound address, with its real port. */
  address(): string;
  /** Every bound address. */
  addresses(): string[];
  /** The underlying server's listeners and connections with their counters. */
  snapshot(): ServerSnapshot;
  /**
   * Stop accepting, close every connection (flushing pushes up to `flushTimeoutMs`), clear the gc
   * timer, then collect every queue left. Resolves when every connection is gone. Safe to call twice.
   */
  stop(): Promise<void>;
}

interface Client<P extends AnyProtocol> {
  readonly queue: ClientQueue<ClientMessage<P>>;
  readonly peer: Peer<ClientMessage<P>, ServerMessage<P>, unknown>;
}

/**
 * Start a queue server: rxmsg's counterpart of a server that keeps a queue per client, built on
 * `createServer` (same framing, codecs, validation, policies and events) with one internal
 * processor per connection that moves each message into the client's queue as it arrives, and
 * holds the connection's input back while the queue is full (see `feedQueue`).
 *
 * A separate factory rather than a view on any server: the queues must own each connection's
 * input from its first message (a view added to a running server would race its processor for
 * the input), and the inbound bound works by reading only as fast as the queue empties, which
 * only the processor can do.
 *
 * @example
 * ```ts
 * const server = await createQueueServer({ listen: 'tcp://127.0.0.1:4000', transports: [tcpTransport()], protocol: Game });
 * while (running) {
 *   for (const id of server.clientIds()) {
 *     if (!(await server.waitIncoming(id, { timeoutMs: 100 }))) continue;
 *     const move = server.pop(id)!;
 *     server.push(id, { kind: 'Ack', turn: move.turn });
 *   }
 * }
 * await server.stop();
 * ```
 * @throws {@link @rxmsg/core!ConfigError} for an invalid config or `inboundLimit`/`gcIntervalMs`, `AddressError` for a bad address, `TransportError` when binding fails.
 */
export async function createQueueServer<P extends AnyProtocol, const C extends ConfigInput<'server', ReplySides<P>> = {}>(
  options: QueueServerOptions<P, C>,
): Promise<QueueServer<P, EffectiveConfig<'server', C>>> {
  const inboundLimit = options.inboundLimit ?? QUEUE_INBOUND_LIMIT;
  if (!Number.isSafeInteger(inboundLimit) || inboundLimit < 1) throw new ConfigError('inboundLimit', ['must be an integer of at least 1']);
  const gcIntervalMs = options.gcIntervalMs ?? QUEUE_GC_INTERVAL_MS;
  if (!Number.isFinite(gcIntervalMs) || gcIntervalMs < 0) throw new ConfigError('gcIntervalMs', ['must be 0 or a positive number']);

  // The bound of what waits for room in each connection (createServer reports an invalid config).
  const receiveQueueLimit = resolveConfig('server', options.config, ['server']).receiveQueueLimit;

  const clients = new Map<string, Client<P>>();
  const byPeer = new Map<number, Client<P>>();
  const collected = new Subject<QueueServerEvent>();
  let stopping = false;

  const processor: ServerProcessor<P> = (incoming$, peer) =>
    defer(() => {
      const clientId = queueClientId(peer.remoteAddress, peer.id, (id) => clients.has(id));
      const queue = new ClientQueue<ClientMessage<P>>(clientId, peer.id, inboundLimit);
      const client: Client<P> = { queue, peer };
      clients.set(clientId, client);
      byPeer.set(peer.id, client);
      if (stopping) queue.release();
      // Unsubscribed when the connection ends: what it had received still goes to the queue.
      return feedQueue(incoming$, queue, receiveQueueLimit);
    });

  const server = await createServer<P, unknown, C>({
    listen: options.listen,
    ...(options.transports === undefined ? {} : { transports: options.transports }),
    protocol: options.protocol,
    processor,
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
  });

  // A connection's `disconnected` event is when its client counts as gone (its queue stays readable).
  const watch = server.events$.subscribe((event) => {
    if (event.type !== 'disconnected') return;
    const client = byPeer.get(event.peerId);
    if (client === undefined) return;
    byPeer.delete(event.peerId);
    client.queue.disconnect();
  });

  const collect = (by: 'gc' | 'stop', all: boolean): CollectedQueue[] => {
    const removed: CollectedQueue[] = [];
    for (const [clientId, { queue }] of clients) {
      if (!all && queue.connected) continue;
      clients.delete(clientId);
      const entry: CollectedQueue = { clientId, peerId: queue.peerId, unread: queue.popAll().length };
      removed.push(entry);
      collected.next({ type: 'queue-collected', by, ...entry });
    }
    return removed;
  };

  let gcTimer: ReturnType<typeof setInterval> | undefined;
  if (gcIntervalMs > 0) {
    gcTimer = setInterval(() => collect('gc', false), gcIntervalMs);
    // Node's timers can be told not to keep the process alive; a browser's are plain numbers.
    const timer: unknown = gcTimer;
    const unref: unknown = typeof timer === 'object' && timer !== null ? Reflect.get(timer, 'unref') : undefined;
    if (typeof unref === 'function') Reflect.apply(unref, timer, []);
  }

  let stopped: Promise<void> | undefined;
  const find = (clientId: string): Client<P> | undefined => clients.get(clientId);

  return {
    config: server.config,
    events$: merge(server.events$, collected.asObservable()),
    clientIds: () => [...clients.keys()],
    isConnected: (clientId) => find(clientId)?.queue.connected === true,
    push: (clientId, message) => {
      const client = find(clientId);
      return client !== undefined && client.queue.connected && client.peer.send(message);
    },
    whenWritable: (clientId) => {
      const client = find(clientId);
      return client === undefined || !client.queue.connected ? Promise.resolve(false) : client.peer.whenWritable();
    },
    pop: (clientId) => find(clientId)?.queue.pop(),
    popAll: (clientId) => find(clientId)?.queue.popAll() ?? [],
    queued: (clientId) => find(clientId)?.queue.length ?? 0,
    isEmpty: (clientId) => (find(clientId)?.queue.length ?? 0) === 0,
    waitIncoming: (clientId, waitOptions) => {
      const client = find(clientId);
      if (client === undefined) {
        return waitOptions?.signal?.aborted === true ? Promise.reject(waitOptions.signal.reason) : Promise.resolve(false);
      }
      return client.queue.wait(waitOptions);
    },
    gc: () => collect('gc', false),
    address: () => server.addresses()[0] ?? '',
    addresses: () => server.addresses(),
    snapshot: () => server.snapshot(),
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        if (gcTimer !== undefined) clearInterval(gcTimer);
        gcTimer = undefined;
        // Readers waiting for room would hold their connection open until flushTimeoutMs.
        for (const { queue } of clients.values()) queue.release();
        await server.close();
        watch.unsubscribe();
        for (const { queue } of clients.values()) queue.disconnect();
        byPeer.clear();
        collect('stop', true);
        collected.complete();
      })();
      return stopped;
    },
  };
}
