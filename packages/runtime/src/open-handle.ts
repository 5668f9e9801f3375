import { ClosedError, ConfigError, SendQueueFullError } from '@rxmsg/core';
import { broadcastChannel, errorFromWire, isHandleReply, type Channel, uniqueName, type HandleHello, type HandleReply, type HandleRequest, type ServerHandleData } from './handle-wire';
import type { ServerSnapshot } from './server';

/** Default {@link OpenHandleOptions.maxInFlight}. */
export const HANDLE_MAX_IN_FLIGHT = 4096;
/** The longest delay a timer takes (2^31 - 1 ms); a longer `readyTimeoutMs` waits for ever. */
const MAX_TIMER_MS = 2_147_483_647;
/** Default {@link OpenHandleOptions.readyTimeoutMs}. */
export const HANDLE_READY_TIMEOUT_MS = 5000;

/** Options of {@link openHandle}. */
export interface OpenHandleOptions {
  /** Requests sent and not yet answered, at most; one more is rejected with `SendQueueFullError`. {@link HANDLE_MAX_IN_FLIGHT} by default. */
  readonly maxInFlight?: number;
  /** How long to wait for the server to answer the handle's announcement before failing with `ClosedError`. */
  readonly readyTimeoutMs?: number;
}

/**
 * A server reached from any thread (see {@link openHandle}). Requests of one handle are applied
 * by the server in the order they were made: messages sent through one handle to one peer reach
 * it in order. Requests of different handles (or threads) are not ordered with each other.
 *
 * @typeParam Out - the messages the server sends.
 */
export interface RemoteServerHandle<Out = unknown> {
  /**
   * Send `message` to connection `peerId`, in the protocol it speaks now, once validated by the server.
   * @returns `true` if queued; `false` for an unknown, closing or closed peer (or a send policy that refused it).
   * @throws (rejects) `UnknownMessageError`/`InvalidMessageError` for a message the protocol rejects (never sent),
   * `SendQueueFullError` past `maxInFlight`, `ClosedError` once the server or this handle is closed.
   */
  send(peerId: number, message: Out): Promise<boolean>;
  /**
   * Close connection `peerId` gracefully; `reason`, if given, is the message of the `ClosedError`
   * its `disconnected` event carries (the reason is `local-close`).
   * @returns `true` if the close began, `false` for an unknown peer or one already closing.
   */
  close(peerId: number, reason?: string): Promise<boolean>;
  /** The server's snapshot. Rejects with `TransportError` when a listener context cannot be cloned. */
  snapshot(): Promise<ServerSnapshot>;
  /**
   * Release the handle's channel; pending and later requests reject with `ClosedError`. Safe to
   * call twice. A handle the server has not answered yet keeps its channel until the answer (to
   * release the server's side) or `readyTimeoutMs`.
   */
  dispose(): void;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** One handle: its own channel to the server, its pending requests. */
class Handle implements RemoteServerHandle {
  private readonly channel: Channel;
  private readonly pending = new Map<number, Pending>();
  /** Requests made before the server answered the announcement; bounded by `maxInFlight`. */
  private early: HandleRequest[] | undefined = [];
  private nextId = 1;
  private failure: ClosedError | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Disposed before the server answered: the channel stays open to say `bye` once it does. */
  private leaving = false;

  constructor(
    data: ServerHandleData,
    private readonly maxInFlight: number,
    readyTimeoutMs: number,
  ) {
    const name = `${data.channel}/${uniqueName()}`;
    this.channel = broadcastChannel(name);
    // Any thread that saw the announcement can post on this channel: only replies are taken.
    this.channel.onmessage = (e) => {
      if (isHandleReply(e.data)) this.reply(e.data);
    };
    const rendezvous = broadcastChannel(data.channel);
    rendezvous.postMessage({ op: 'hello', channel: name } satisfies HandleHello);
    rendezvous.close();
    // Past a timer's range (about 24.8 days) it would fire at once: such a wait is for ever.
    if (readyTimeoutMs <= MAX_TIMER_MS) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.leaving) this.leave();
        else this.fail(new ClosedError(`no server answered on ${data.channel} within ${readyTimeoutMs} ms`));
      }, readyTimeoutMs);
    }
  }

  send(peerId: number, message: unknown): Promise<boolean> {
    return this.request((id) => ({ op: 'send', id, peerId, message })) as Promise<boolean>;
  }

  close(peerId: number, reason?: string): Promise<boolean> {
    return this.request((id) => ({ op: 'close', id, peerId, reason })) as Promise<boolean>;
  }

  snapshot(): Promise<ServerSnapshot> {
    // The server answers a snapshot request with its ServerSnapshot.
    return this.request((id) => ({ op: 'snapshot', id })) as Promise<ServerSnapshot>;
  }

  dispose(): void {
    if (this.failure !== undefined) return;
    if (this.early === undefined) this.channel.postMessage({ op: 'bye' } satisfies HandleRequest);
    // Not answered yet: the server may open its side of the channel later, and only a `bye` on it
    // releases that side. The channel stays open (not the requests) until the answer or the timeout.
    else {
      this.leaving = true;
      this.timer ??= setTimeout(() => this.leave(), HANDLE_READY_TIMEOUT_MS);
    }
    this.fail(new ClosedError('the handle is disposed'));
  }

  private request(make: (id: number) => HandleRequest): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending.size >= this.maxInFlight) return Promise.reject(new SendQueueFullError(this.maxInFlight));
    const id = this.nextId++;
    const r = make(id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.early !== undefined) this.early.push(r);
      else this.channel.postMessage(r);
    });
  }

  private reply(r: HandleReply): void {
    if (this.leaving) {
      if (r.op === 'ready') this.channel.postMessage({ op: 'bye' } satisfies HandleRequest);
      if (r.op === 'ready' || r.op === 'closed') this.leave();
    } else if (r.op === 'ready') {
      clearTimeout(this.timer);
      this.timer = undefined;
      const early = this.early ?? [];
      this.early = undefined;
      for (const q of early) this.channel.postMessage(q);
    } else if (r.op === 'closed') {
      const refused = typeof r.refused === 'string' ? r.refused.slice(0, 200) : undefined;
      this.fail(new ClosedError(refused === undefined ? 'the server is closed' : `the server refused the handle: ${refused}`));
    } else {
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.pending.delete(r.id);
      if (r.op === 'result') p.resolve(r.value);
      else p.reject(errorFromWire(r.error));
    }
  }

  /** A handle disposed early is done waiting for the server's answer: release the channel. */
  private leave(): void {
    this.leaving = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.channel.close();
  }

  /** Close the channel (unless leaving) and fail every pending and later request with `error`. */
  private fail(error: ClosedError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.early = undefined;
    if (!this.leaving) this.leave();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }
}

/**
 * Open a handle on a server from its {@link ServerHandleData} (from `server.handle()`), in any
 * thread of the same process: the main thread, a `worker_threads` worker, a Web Worker. The
 * handle talks to the server over `BroadcastChannel`s: the data is plain and needs no transfer
 * list. Dispose the handle when done: its channel keeps the thread alive. Once the server
 * closes, pending and later requests reject with `ClosedError` and the channel is released.
 *
 * @example
 * ```ts
 * // main thread
 * const worker = new Worker('./game-logic.js', { workerData: server.handle() });
 * // worker
 * const handle = openHandle<ServerMessage<typeof Game>>(workerData);
 * await handle.send(peerId, { kind: 'Tick', n: 1 });
 * handle.dispose();
 * ```
 * @throws {@link @rxmsg/core!ConfigError} for data that is not a server handle's or bad options, `ClosedError` without `BroadcastChannel`.
 */
export function openHandle<Out = unknown>(data: ServerHandleData, options: OpenHandleOptions = {}): RemoteServerHandle<Out> {
  if (typeof data !== 'object' || data === null || data.rxmsg !== 'server-handle' || typeof data.channel !== 'string') {
    throw new ConfigError('data', ['not the data of server.handle()']);
  }
  const maxInFlight = options.maxInFlight ?? HANDLE_MAX_IN_FLIGHT;
  if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1) throw new ConfigError('maxInFlight', ['expected a positive integer']);
  const readyTimeoutMs = options.readyTimeoutMs ?? HANDLE_READY_TIMEOUT_MS;
  if (!(readyTimeoutMs >= 0)) throw new ConfigError('readyTimeoutMs', ['expected a non-negative number']);
  // Out only types what callers pass to send(): the handle sends what it is given.
  return new Handle(data, maxInFlight, readyTimeoutMs) as RemoteServerHandle<Out>;
}
