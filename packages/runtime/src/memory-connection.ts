import type { Connection, ConnectionHandlers } from '@rxmsg/core';

/** Default {@link MemoryConnectionOptions.highWaterMark}: 64 KiB, as a TCP socket's write buffer. */
export const MEMORY_HIGH_WATER_MARK = 65536;

/** What the two ends of an in-memory pair share. */
export interface MemoryConnectionOptions {
  /** `stream`: bytes that need framing; `message`: each write is delivered as one chunk (a message). */
  readonly framing: 'stream' | 'message';
  /**
   * Unread bytes one end may hold (delivered to neither its handlers nor dropped) before the other
   * end's `write()` answers `false`; `drain` follows once they fell to half of it.
   */
  readonly highWaterMark: number;
  /** Told of every byte delivered (a transport's progress counter). */
  readonly onDelivered?: (bytes: number) => void;
}

const encoder = new TextEncoder();
/** Delivered slots compacted away once the inbox has this many. */
const COMPACT_AT = 1024;

/**
 * One end of a linked pair of in-process connections, made by {@link MemoryConnection.pair}. What one
 * end writes is copied into the other's inbox and delivered to its handlers in a later microtask,
 * never inside `write()`: delivery is asynchronous and never re-entrant. Backpressure is real: an
 * end whose reader is paused (or not yet run) holds the bytes, and once it holds
 * `highWaterMark` bytes the writer's `write()` answers `false` until `onDrain`. `end()` is a
 * half-close (the other end sees `onEnd` after the bytes before it); the pair closes, and each end
 * gets `onClose` exactly once, when both sides ended and saw the other's end, or at once on `destroy()`
 * of either end (what was not delivered yet is dropped).
 *
 * Bound: an end holds at most `highWaterMark` bytes plus whatever a writer that ignores `false` pushes
 * past it; the engine never does (it waits for `drain`).
 */
export class MemoryConnection implements Connection {
  readonly framing: 'stream' | 'message';
  bytesRead = 0;
  bytesWritten = 0;
  private other!: MemoryConnection;
  private handlers: ConnectionHandlers | undefined;
  private readonly inbox: (Uint8Array | undefined)[] = [];
  private head = 0;
  /** Bytes in the inbox, not yet delivered. */
  private unread = 0;
  private paused = false;
  private scheduled = false;
  /** This end's `write()` answered `false`: owes an `onDrain`. */
  private owedDrain = false;
  private writeEnded = false;
  private endReceived = false;
  private endDelivered = false;
  private closed = false;
  private closeDelivered = false;
  private readonly run = (): void => {
    this.scheduled = false;
    this.deliver();
  };

  private constructor(
    private readonly options: MemoryConnectionOptions,
    readonly localAddress: string,
    readonly remoteAddress: string,
  ) {
    this.framing = options.framing;
  }

  /**
   * Two linked ends: what one writes, the other reads.
   *
   * @example
   * ```ts
   * const [a, b] = MemoryConnection.pair({ framing: 'stream', highWaterMark: 65536 }, 'memory://a:1', 'memory://b:1');
   * b.start({ onData: (c) => console.log(c), onEnd() {}, onDrain() {}, onClose() {} });
   * a.write('hi\n');
   * ```
   */
  static pair(options: MemoryConnectionOptions, first: string, second: string): [MemoryConnection, MemoryConnection] {
    const a = new MemoryConnection(options, first, second);
    const b = new MemoryConnection(options, second, first);
    a.other = b;
    b.other = a;
    return [a, b];
  }

  /** Bytes held for this end's reader now (paused, or not yet delivered). */
  get held(): number {
    return this.unread;
  }

  /** Whether the pair is closed (this end's `onClose` was delivered or is about to be). */
  get isClosed(): boolean {
    return this.closed;
  }

  start(handlers: ConnectionHandlers): void {
    if (this.handlers !== undefined) throw new Error('MemoryConnection.start called twice');
    this.handlers = handlers;
    if (this.closed) this.deliverClose();
    else this.schedule();
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed || this.writeEnded) return false;
    // A copy: the writer may reuse its buffer once write() returned, as it may with a socket.
    // Uint8Array's slice, not the chunk's own: a Node Buffer's slice() is a view, not a copy.
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : Uint8Array.prototype.slice.call(chunk);
    this.bytesWritten += bytes.length;
    const o = this.other;
    o.inbox.push(bytes);
    o.unread += bytes.length;
    o.schedule();
    if (o.unread < this.options.highWaterMark) return true;
    this.owedDrain = true;
    return false;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.schedule();
  }

  end(): void {
    if (this.closed || this.writeEnded) return;
    this.writeEnded = true;
    this.other.endReceived = true;
    this.other.schedule();
  }

  destroy(): void {
    if (this.closed) return;
    this.closePair();
  }

  private schedule(): void {
    if (this.scheduled || this.closed || this.handlers === undefined) return;
    this.scheduled = true;
    queueMicrotask(this.run);
  }

  private deliver(): void {
    const handlers = this.handlers;
    if (this.closed || handlers === undefined) return;
    const inbox = this.inbox;
    while (!this.paused && this.head < inbox.length) {
      const chunk = inbox[this.head] as Uint8Array;
      inbox[this.head++] = undefined;
      this.unread -= chunk.length;
      this.bytesRead += chunk.length;
      this.options.onDelivered?.(chunk.length);
      handlers.onData(chunk);
      if (this.closed) return;
    }
    if (this.head === inbox.length) {
      inbox.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AT) {
      inbox.splice(0, this.head);
      this.head = 0;
    }
    const writer = this.other;
    if (writer.owedDrain && this.unread <= this.options.highWaterMark / 2) {
      writer.owedDrain = false;
      writer.handlers?.onDrain();
      if (this.closed) return;
    }
    if (!this.paused && this.endReceived && !this.endDelivered && this.head === inbox.length) {
      this.endDelivered = true;
      handlers.onEnd();
      if (!this.closed && this.writeEnded && writer.endDelivered) this.closePair();
    }
  }

  /** Both ends close: what neither delivered is dropped, each gets `onClose` once, in a later microtask. */
  private closePair(): void {
    for (const end of [this, this.other]) {
      if (end.closed) continue;
      end.closed = true;
      end.inbox.length = 0;
      end.head = 0;
      end.unread = 0;
      if (end.handlers !== undefined) queueMicrotask(() => end.deliverClose());
    }
  }

  private deliverClose(): void {
    if (this.closeDelivered) return;
    this.closeDelivered = true;
    this.handlers?.onClose(undefined);
  }
}
