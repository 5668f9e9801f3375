import type { Observable, Subscription } from 'rxjs';
import { ConfigError, EventBufferFullError, type RxmsgError } from '@rxmsg/core';
import type { DisconnectReason, ServerEvent } from './events';
import type { SessionInfo } from './session-info';

/**
 * One event of a server's actor-style event stream (see {@link @rxmsg/runtime!ServerHandle#events | ServerHandle.events}):
 * - `opened`: a connection was accepted (before its first message);
 * - `data`: a message arrived, decoded and validated, after the processor got it;
 * - `closed`: the connection is gone (`reason` and `error` as in the `disconnected` event);
 * - `dropped`: under `overflow: 'drop-oldest'`, `count` events older than the next one were
 *   dropped because this reader was `bufferSize` events behind.
 *
 * @typeParam In - the messages the server receives.
 */
export type PeerEvent<In = unknown> =
  | {
      readonly type: 'opened';
      readonly peerId: number;
      readonly remoteAddress: string;
      readonly listener: string;
      readonly listenerContext: unknown;
    }
  | { readonly type: 'data'; readonly peerId: number; readonly protocol: string; readonly message: In }
  | { readonly type: 'closed'; readonly peerId: number; readonly reason: DisconnectReason; readonly error?: RxmsgError }
  | { readonly type: 'dropped'; readonly count: number };

/** Default {@link ServerEventsOptions.bufferSize}: events a reader may fall behind. */
export const EVENT_BUFFER_SIZE = 1024;

/** Options of `server.events()`. */
export interface ServerEventsOptions {
  /** Events buffered for this reader while it is busy, at most; {@link EVENT_BUFFER_SIZE} by default. */
  readonly bufferSize?: number;
  /**
   * What happens when a reader is `bufferSize` events behind and one more comes:
   * - `'error'` (default): the reader stops receiving; it gets the events it buffered, then its
   *   loop throws an `EventBufferFullError`. Nothing is lost silently.
   * - `'drop-oldest'`: the oldest buffered event is dropped; the reader then receives a `dropped`
   *   event with the count, in place of what it lost, and `reader.dropped` counts them all.
   */
  readonly overflow?: 'error' | 'drop-oldest';
}

/** An open reader of a server's events: an async iterator, ended by `break` (its `return()`). */
export interface ServerEventReader<In = unknown> extends AsyncIterableIterator<PeerEvent<In>> {
  /** Events dropped so far under `overflow: 'drop-oldest'`. */
  readonly dropped: number;
}

/** @internal What sessions tell the stream: the inbound messages, while someone reads. */
export interface DataTap {
  /** `true` while at least one reader is open: sessions skip the call otherwise. */
  readonly listening: boolean;
  data(peerId: number, protocol: string, message: unknown): void;
}

type Waiter<In> = { resolve: (r: IteratorResult<PeerEvent<In>>) => void; reject: (e: unknown) => void };
const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** One reader: a ring of at most `limit` events. */
class Reader<In> implements ServerEventReader<In> {
  private readonly ring: (PeerEvent<In> | undefined)[];
  private head = 0;
  private size = 0;
  private waiters: Waiter<In>[] = [];
  private unreported = 0;
  private failure: EventBufferFullError | undefined;
  private ended = false;
  dropped = 0;

  constructor(
    private readonly owner: ServerEventStream<In>,
    private readonly limit: number,
    private readonly dropOldest: boolean,
  ) {
    this.ring = new Array<PeerEvent<In> | undefined>(limit);
  }

  /** @internal A new event for this reader. */
  push(event: PeerEvent<In>): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: event });
      return;
    }
    if (this.size === this.limit) {
      if (!this.dropOldest) {
        this.failure = new EventBufferFullError(this.limit);
        this.finish();
        return;
      }
      this.head = (this.head + 1) % this.limit;
      this.size--;
      this.unreported++;
      this.dropped++;
    }
    this.ring[(this.head + this.size) % this.limit] = event;
    this.size++;
  }

  /** @internal No more events will come (the server stopped, or this reader failed or was released). */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner.release(this);
    const waiters = this.waiters;
    this.waiters = [];
    const failure = this.failure;
    this.failure = undefined;
    for (const w of waiters) {
      if (failure === undefined) w.resolve(DONE);
      else w.reject(failure);
    }
    if (waiters.length > 0 || failure === undefined) return;
    this.failure = failure;
  }

  next(): Promise<IteratorResult<PeerEvent<In>>> {
    if (this.unreported > 0) {
      const count = this.unreported;
      this.unreported = 0;
      return Promise.resolve({ done: false, value: { type: 'dropped', count } });
    }
    if (this.size > 0) {
      const event = this.ring[this.head]!;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.limit;
      this.size--;
      return Promise.resolve({ done: false, value: event });
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<PeerEvent<In>>> {
    this.failure = undefined;
    this.finish();
    this.ring.fill(undefined);
    this.size = 0;
    this.unreported = 0;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A server's actor-style event stream: `opened`, `data` and `closed` events of every connection,
 * to any number of async-iterator readers, each with its own bounded buffer. While no reader is
 * open it does nothing: it is not subscribed to the server's events and sessions skip it per message.
 * Reading does not change what processors see: they still get every message.
 */
export class ServerEventStream<In = unknown> implements DataTap {
  listening = false;
  private readonly readers = new Set<Reader<In>>();
  private subscription: Subscription | undefined;
  private stopped = false;

  /**
   * @param source - the server's events (hot).
   * @param info - finds a live connection's info by id.
   */
  constructor(
    private readonly source: Observable<ServerEvent>,
    private readonly info: (peerId: number) => SessionInfo<unknown> | undefined,
  ) {}

  /**
   * Open a reader. After the server stopped, the reader ends at once.
   * @throws {@link @rxmsg/core!ConfigError} for a `bufferSize` that is not a positive integer, or an unknown `overflow`.
   */
  open(options: ServerEventsOptions = {}): ServerEventReader<In> {
    const size = options.bufferSize ?? EVENT_BUFFER_SIZE;
    if (!Number.isSafeInteger(size) || size < 1) throw new ConfigError('bufferSize', [`expected a positive integer, got ${String(size)}`]);
    const overflow = options.overflow ?? 'error';
    if (overflow !== 'error' && overflow !== 'drop-oldest') throw new ConfigError('overflow', [`expected 'error' or 'drop-oldest'`]);
    const reader = new Reader<In>(this, size, overflow === 'drop-oldest');
    if (this.stopped) {
      reader.finish();
      return reader;
    }
    this.readers.add(reader);
    this.listening = true;
    this.subscription ??= this.source.subscribe({ next: (e) => this.serverEvent(e), complete: () => this.stop() });
    return reader;
  }

  /** @internal A reader ended: forget it; the last one unsubscribes. */
  release(reader: Reader<In>): void {
    if (!this.readers.delete(reader) || this.readers.size > 0) return;
    this.listening = false;
    const s = this.subscription;
    this.subscription = undefined;
    s?.unsubscribe();
  }

  /** @internal {@link DataTap.data}. */
  data(peerId: number, protocol: string, message: unknown): void {
    // The session decoded it with the protocol of `protocol`, whose messages are `In`.
    const event: PeerEvent<In> = { type: 'data', peerId, protocol, message: message as In };
    for (const r of this.readers) r.push(event);
  }

  /** End every reader (after what each buffered); later readers end at once. */
  stop(): void {
    this.stopped = true;
    for (const r of [...this.readers]) r.finish();
  }

  private serverEvent(e: ServerEvent): void {
    let event: PeerEvent<In>;
    if (e.type === 'connected') {
      const listenerContext = this.info(e.peerId)?.listenerContext;
      event = { type: 'opened', peerId: e.peerId, remoteAddress: e.remoteAddress, listener: e.listener, listenerContext };
    } else if (e.type === 'disconnected') {
      event = e.error === undefined ? { type: 'closed', peerId: e.peerId, reason: e.reason } : { type: 'closed', peerId: e.peerId, reason: e.reason, error: e.error };
    } else {
      if (e.type === 'stopped') this.stop();
      return;
    }
    for (const r of this.readers) r.push(event);
  }
}
