import type { SchedulerLike, Subscription } from 'rxjs';
import { TransportError, type Connection, type ConnectionHandlers, type HandshakeInfo, type RxmsgError } from '@rxmsg/core';
import type { Faults } from './faults';
import type { FaultStats } from './fault-stats';

/** What {@link FaultyConnection} needs from its transport. */
export interface FaultyConnectionOptions {
  /** Clock and timers of `delayMs`. */
  readonly scheduler: SchedulerLike;
  /** Received bytes held back by `delayMs` before the inner connection is paused. */
  readonly maxDelayedBytes: number;
  /** Random numbers in [0, 1) for `split: { maxChunk }`, seeded per connection. */
  readonly random: () => number;
  /** The transport's counters, updated in place. */
  readonly stats: { -readonly [K in keyof FaultStats]: FaultStats[K] };
}

/** One item of the read side's queue: data, the remote end, or the close. */
type Held = { readonly kind: 'data'; readonly bytes: Uint8Array; readonly due: number } | { readonly kind: 'end'; readonly due: number } | { readonly kind: 'close'; readonly error: RxmsgError | undefined; readonly due: number };

const encoder = new TextEncoder();

/**
 * A {@link Connection} that forwards to `inner` and injects `faults` on the way (see
 * {@link faultyTransport}, which makes these). The read side goes through one FIFO: pieces,
 * the remote end and the close reach the handlers in the order they arrived, each `delayMs` late;
 * while the reader is paused nothing is handed over. The FIFO holds at most `maxDelayedBytes` plus
 * one received chunk: past that the inner connection is paused until it drains to half.
 */
export class FaultyConnection implements Connection {
  private handlers: ConnectionHandlers | undefined;
  private readonly held: Held[] = [];
  private heldBytes = 0;
  private timer: Subscription | undefined;
  private readOffset = 0;
  private writeOffset = 0;
  /** Cut points still ahead, for `split: { at }`. */
  private cutIndex = 0;
  private readerPaused = false;
  private boundPaused = false;
  /** The error this end reports when it closes because of an injected drop. */
  private dropped: TransportError | undefined;
  /** The handlers' `onClose` ran, or this end was destroyed: nothing more is delivered. */
  private done = false;
  private delivering = false;

  /**
   * @param inner - the connection wrapped.
   * @param faults - what to inject (checked by the transport).
   * @param options - scheduler, bound, randomness and counters.
   */
  constructor(
    private readonly inner: Connection,
    private readonly faults: Faults,
    private readonly options: FaultyConnectionOptions,
  ) {}

  /** The inner connection's framing. */
  get framing(): 'stream' | 'message' {
    return this.inner.framing;
  }
  /** The inner connection's local address. */
  get localAddress(): string {
    return this.inner.localAddress;
  }
  /** The inner connection's remote address. */
  get remoteAddress(): string {
    return this.inner.remoteAddress;
  }
  /** The inner connection's handshake information. */
  get handshake(): HandshakeInfo | undefined {
    return this.inner.handshake;
  }
  /** Bytes the inner connection received (before the faults: see `stats.bytesDelivered` for what readers got). */
  get bytesRead(): number {
    return this.inner.bytesRead;
  }
  /** Bytes the inner connection handed to the platform. */
  get bytesWritten(): number {
    return this.inner.bytesWritten;
  }

  /** Start the inner connection; its events reach `handlers` through the faults. */
  start(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    this.inner.start({
      onData: (chunk) => this.received(chunk),
      onEnd: () => {
        // After a write-side drop this end is already closed for its owner; the peer ended too: finish.
        if (this.done) this.inner.destroy();
        else this.hold({ kind: 'end', due: this.due() });
      },
      onDrain: () => {
        if (!this.done) handlers.onDrain();
      },
      onClose: (error) => {
        // A destroy from this side drops whatever was held, as a socket drops unread data.
        if (this.done) return;
        this.hold({ kind: 'close', error: this.dropped ?? error, due: this.due() });
      },
    });
  }

  /** Write through the write-side faults; `false` once dropped or closed, or when the inner connection is full. */
  write(chunk: string | Uint8Array): boolean {
    if (this.done || this.dropped !== undefined) return false;
    const { corrupt, dropAfter } = this.faults;
    const corruptHere = corrupt !== undefined && (corrupt.direction ?? 'read') === 'write';
    const dropHere = dropAfter !== undefined && dropAfter.direction === 'write';
    if (!corruptHere && !dropHere) {
      this.options.stats.bytesWritten += typeof chunk === 'string' ? encoder.encode(chunk).length : chunk.length;
      return this.inner.write(chunk);
    }
    let bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const offset = this.writeOffset;
    this.writeOffset += bytes.length;
    if (corruptHere) bytes = this.corrupted(bytes, offset, corrupt.offset, corrupt.mask);
    if (dropHere && offset + bytes.length >= dropAfter.bytes) {
      const keep = dropAfter.bytes - offset;
      if (keep > 0) this.inner.write(bytes.subarray(0, keep));
      this.options.stats.bytesWritten += Math.max(keep, 0);
      this.drop(`after ${dropAfter.bytes} bytes written`, 'write');
      return false;
    }
    this.options.stats.bytesWritten += bytes.length;
    return this.inner.write(bytes);
  }

  /** Stop handing data to the reader, and pause the inner connection. */
  pause(): void {
    this.readerPaused = true;
    this.inner.pause();
  }

  /** Hand over what is due again, and resume the inner connection unless the bound holds it paused. */
  resume(): void {
    this.readerPaused = false;
    if (!this.boundPaused) this.inner.resume();
    this.deliver();
  }

  /** End the inner connection's sending side. */
  end(): void {
    this.inner.end();
  }

  /** Destroy the inner connection, drop what is held, and report the close once. Safe to call twice. */
  destroy(): void {
    // Forwarded even when this end is done: after a write-side drop the inner connection may still be half-open.
    this.inner.destroy();
    if (this.done) return;
    this.done = true;
    this.release();
    // The inner connection's close may come later: report it now, once.
    this.handlers?.onClose(undefined);
  }

  /** Bytes from the inner connection: corrupted, cut at the drop point, split, then queued. */
  private received(chunk: Uint8Array): void {
    if (this.done || this.dropped !== undefined) return;
    const { corrupt, dropAfter } = this.faults;
    const offset = this.readOffset;
    this.readOffset += chunk.length;
    let bytes = chunk;
    if (corrupt !== undefined && (corrupt.direction ?? 'read') === 'read') bytes = this.corrupted(bytes, offset, corrupt.offset, corrupt.mask);
    let dropping = false;
    if (dropAfter !== undefined && dropAfter.direction === 'read' && offset + bytes.length >= dropAfter.bytes) {
      bytes = bytes.subarray(0, Math.max(dropAfter.bytes - offset, 0));
      dropping = true;
    }
    const due = this.due();
    for (const piece of this.split(bytes, offset)) this.hold({ kind: 'data', bytes: piece, due });
    if (dropping) this.drop(`after ${dropAfter!.bytes} bytes read`, 'read');
  }

  /** A copy of `bytes` with the target byte flipped when it falls inside them; `bytes` itself otherwise. */
  private corrupted(bytes: Uint8Array, offset: number, target: number, mask = 0xff): Uint8Array {
    if (target < offset || target >= offset + bytes.length) return bytes;
    const copy = Uint8Array.from(bytes);
    copy[target - offset]! ^= mask;
    this.options.stats.corruptions++;
    return copy;
  }

  /** `bytes` (which start at stream `offset`) cut as `split` asks. */
  private split(bytes: Uint8Array, offset: number): Uint8Array[] {
    const { split } = this.faults;
    if (split === undefined || bytes.length <= 1) return bytes.length === 0 ? [] : [bytes];
    const pieces: Uint8Array[] = [];
    let start = 0;
    if (split === 'every-byte') {
      for (let i = 0; i < bytes.length; i++) pieces.push(bytes.subarray(i, i + 1));
    } else if ('at' in split) {
      const cuts = split.at;
      while (this.cutIndex < cuts.length && cuts[this.cutIndex]! <= offset) this.cutIndex++;
      while (this.cutIndex < cuts.length && cuts[this.cutIndex]! < offset + bytes.length) {
        const cut = cuts[this.cutIndex++]! - offset;
        pieces.push(bytes.subarray(start, cut));
        start = cut;
      }
      pieces.push(bytes.subarray(start));
    } else {
      while (start < bytes.length) {
        const size = 1 + Math.floor(this.options.random() * split.maxChunk);
        pieces.push(bytes.subarray(start, start + size));
        start += size;
      }
    }
    this.options.stats.splits += pieces.length - 1;
    return pieces;
  }

  private due(): number {
    return this.options.scheduler.now() + (this.faults.delayMs ?? 0);
  }

  /** Queue an item of the read side, apply the bound, and hand over what is due. */
  private hold(item: Held): void {
    if (this.done) return;
    this.held.push(item);
    if (item.kind === 'data') {
      this.heldBytes += item.bytes.length;
      const { stats, maxDelayedBytes } = this.options;
      if (this.faults.delayMs !== undefined && this.faults.delayMs > 0) stats.delayedChunks++;
      stats.peakHeldBytes = Math.max(stats.peakHeldBytes, this.heldBytes);
      if (this.heldBytes > maxDelayedBytes && !this.boundPaused) {
        this.boundPaused = true;
        stats.boundPauses++;
        this.inner.pause();
      }
    }
    this.deliver();
  }

  /** Hand the due items to the handlers, in order, until one is not due, the reader pauses, or the connection is done. */
  private deliver(): void {
    const handlers = this.handlers;
    if (handlers === undefined || this.delivering) return;
    this.delivering = true;
    try {
      while (!this.done) {
        const item = this.held[0];
        if (item === undefined) break;
        if (item.due > this.options.scheduler.now()) {
          this.timer ??= this.options.scheduler.schedule(() => {
            this.timer = undefined;
            this.deliver();
          }, item.due - this.options.scheduler.now());
          break;
        }
        if (item.kind === 'data' && this.readerPaused) break;
        this.held.shift();
        if (item.kind === 'data') {
          this.heldBytes -= item.bytes.length;
          this.options.stats.chunksDelivered++;
          this.options.stats.bytesDelivered += item.bytes.length;
          this.unbound();
          handlers.onData(item.bytes);
        } else if (item.kind === 'end') handlers.onEnd();
        else {
          this.done = true;
          this.release();
          handlers.onClose(item.error);
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Resume the inner connection once the queue drained to half of the bound (unless the reader paused it). */
  private unbound(): void {
    if (this.boundPaused && this.heldBytes <= this.options.maxDelayedBytes / 2) {
      this.boundPaused = false;
      if (!this.readerPaused) this.inner.resume();
    }
  }

  /**
   * Fail the connection as a network would; this end reports a `TransportError`. Read side: the
   * inner connection is destroyed (its close brings the error). Write side: it is ended, so that the
   * bytes before the drop point still reach the peer (a destroy could discard them), and this end
   * reports its close a microtask later; the inner one is destroyed when the peer ends too, or by `destroy()`.
   */
  private drop(where: string, direction: 'read' | 'write'): void {
    this.dropped = new TransportError(`injected fault: connection dropped ${where}`);
    this.options.stats.drops++;
    if (direction === 'read') this.inner.destroy();
    else {
      this.inner.end();
      // Reported in a later microtask, never inside the owner's write() (as a socket would).
      const error = this.dropped;
      const due = this.due();
      queueMicrotask(() => this.hold({ kind: 'close', error, due }));
    }
  }

  /** Forget held items and cancel the timer. */
  private release(): void {
    this.held.length = 0;
    this.heldBytes = 0;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }
}
