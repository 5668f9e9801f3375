/** Options of `ClientQueue.wait`. */
export interface WaitIncomingOptions {
  /** Give up after this long (resolves `false`); absent, `Infinity` or past a timer's range (2^31 - 1 ms) waits for ever, `0` only looks. */
  readonly timeoutMs?: number;
  /** Aborting rejects the wait with the signal's `reason`. */
  readonly signal?: AbortSignal;
}

/** The longest delay a timer takes (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

interface Waiter {
  readonly resolve: (ready: boolean) => void;
  readonly reject: (reason: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The inbound queue of one client of a queue server: a FIFO of decoded messages, bounded by
 * `limit`, that its reader fills (only while {@link ClientQueue.full} is `false`, so a full queue
 * stops the socket being read) and the application empties with `pop`. Wakes the application's
 * `waitIncoming` calls, and calls the reader waiting for room ({@link ClientQueue.onRoom}).
 */
export class ClientQueue<M> {
  private items: (M | undefined)[] = [];
  private head = 0;
  private connectedNow = true;
  private bounded = true;
  private readonly waiters = new Set<Waiter>();
  private roomWaiter: (() => void) | undefined;

  /**
   * @param clientId - the id the application knows the client by.
   * @param peerId - the connection's peer id.
   * @param limit - the most messages held (at least 1).
   */
  constructor(
    readonly clientId: string,
    readonly peerId: number,
    readonly limit: number,
  ) {}

  /** Messages waiting to be popped. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** `true` while the client's connection is open. */
  get connected(): boolean {
    return this.connectedNow;
  }

  /** `true` when `limit` messages wait: the reader must not add more until one is popped. */
  get full(): boolean {
    return this.bounded && this.length >= this.limit;
  }

  /** Append a received message (the reader checks {@link ClientQueue.full} first) and wake the callers waiting for one. */
  deliver(message: M): void {
    this.items.push(message);
    this.settleWaiters(true);
  }

  /** The oldest message, removed, or `undefined` when none waits. */
  pop(): M | undefined {
    if (this.head >= this.items.length) return undefined;
    const message = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Compact now and then so a queue that never empties does not grow its backing array.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.wakeReader();
    return message;
  }

  /** Every waiting message, oldest first, removed. */
  popAll(): M[] {
    const all = this.items.slice(this.head) as M[];
    this.items = [];
    this.head = 0;
    this.wakeReader();
    return all;
  }

  /**
   * Resolves `true` once a message waits (at once if one does), `false` when `timeoutMs` passes
   * first or the client disconnects with nothing queued; rejects with `signal.reason` on abort.
   */
  wait(options: WaitIncomingOptions = {}): Promise<boolean> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (this.length > 0) return Promise.resolve(true);
    if (!this.connectedNow || timeoutMs === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined, signal: undefined, onAbort: undefined };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS) {
        waiter.timer = setTimeout(() => this.settle(waiter, false), Math.max(0, timeoutMs));
      }
      if (signal !== undefined) {
        waiter.signal = signal;
        waiter.onAbort = () => this.settle(waiter, false, { reason: signal.reason });
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.add(waiter);
    });
  }

  /**
   * Call `callback` once the reader may add a message (the queue is not full) or should look
   * again (the queue was released or disconnected): at once when the queue is not full, otherwise
   * synchronously from the `pop`, `popAll`, `release` or `disconnect` that made it so. One reader
   * per queue: a later call replaces a callback not yet called.
   */
  onRoom(callback: () => void): void {
    if (!this.full) {
      callback();
      return;
    }
    this.roomWaiter = callback;
  }

  /** {@link ClientQueue.onRoom} as a promise. */
  room(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise<void>((resolve) => this.onRoom(resolve));
  }

  /** The connection is gone: waits with nothing to read resolve `false`; what is queued stays poppable. */
  disconnect(): void {
    this.connectedNow = false;
    this.settleWaiters(this.length > 0);
    this.wakeReader(true);
  }

  /**
   * The server is stopping: its connections no longer read their sockets, so the reader may hand
   * over what the connection already received (at most `receiveQueueLimit` more) without waiting
   * for room, and the reader finishes with its input.
   */
  release(): void {
    this.bounded = false;
    this.wakeReader(true);
  }

  /** Wake the reader waiting for room once there is room (or at once when `force`d). */
  private wakeReader(force = false): void {
    const wake = this.roomWaiter;
    if (wake === undefined || (!force && this.full)) return;
    this.roomWaiter = undefined;
    wake();
  }

  private settleWaiters(ready: boolean): void {
    for (const w of [...this.waiters]) this.settle(w, ready);
  }

  /** Settle one wait exactly once: clear its timer, remove its abort listener. */
  private settle(waiter: Waiter, ready: boolean, abort?: { reason: unknown }): void {
    if (!this.waiters.delete(waiter)) return;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    if (waiter.signal !== undefined && waiter.onAbort !== undefined) waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.timer = undefined;
    waiter.onAbort = undefined;
    if (abort !== undefined) waiter.reject(abort.reason);
    else waiter.resolve(ready);
  }
}
