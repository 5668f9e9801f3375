import type { MessagePort } from 'node:worker_threads';
import { TransportError, type Connection, type ConnectionHandlers, type RxmsgError } from '@rxmsg/core';
import { endProblem, type SharedMemoryEnd } from './shared-memory-end';
import { PollWindow } from './poll-window';
import { SharedMemoryPeerError } from './shared-memory-peer-error';
import { SharedRing, Word } from './shared-ring';

/** Options of a {@link SharedMemoryConnection}. */
export interface SharedMemoryConnectionOptions {
  /** The local end as an address string; default `shm://<end name>:0`. */
  readonly localAddress?: string;
  /** The remote end as an address string; default `shm://<other end's name>:0`. */
  readonly remoteAddress?: string;
  /**
   * Bytes a writer may add while an earlier write still waits for room in the ring (that is,
   * after `write()` returned `false` and before `drain`); default {@link DEFAULT_MAX_PENDING_BYTES}.
   * Past it the connection is destroyed and closes with a `TransportError`. The remainder of the
   * one chunk that did not fit is always accepted: a writer that waits for `drain` never gets here.
   */
  readonly maxPendingBytes?: number;
}

/** Default of `SharedMemoryConnectionOptions.maxPendingBytes`: 1 MiB. */
export const DEFAULT_MAX_PENDING_BYTES = 1_048_576;

/** Reads from the ring in one turn of the event loop before letting other work run. */
const READ_BURST = 16;

const encoder = new TextEncoder();

/** Wake whoever waits on `signal` of `words`: bump it (so a wait that has not started yet returns at once) and notify. */
function wake(words: Int32Array, signal: number): void {
  Atomics.add(words, signal, 1);
  Atomics.notify(words, signal);
}

/** The other end's name: `x.a` ↔ `x.b`. */
function otherName(name: string): string {
  return name.endsWith('.a') ? `${name.slice(0, -2)}.b` : name.endsWith('.b') ? `${name.slice(0, -2)}.a` : `${name}.peer`;
}

/**
 * A {@link Connection} over one end of a shared-memory link: bytes go through a
 * `SharedArrayBuffer` ring per direction; a thread that waits for data or room does so with
 * `Atomics.waitAsync`, so neither thread blocks.
 *
 * - **Backpressure**: `write()` copies what fits into the ring and returns `false` when some of
 *   the chunk had to wait; the rest follows as the reader frees room, then `onDrain`. `pause()`
 *   stops reading, so the ring fills and the writer feels it.
 * - **Framing**: `stream`. Chunks larger than the ring are split; the codecs' framers delimit messages.
 * - **Closing**: `end()` half-closes; the connection closes, without error, once both sides
 *   ended. `destroy()` closes at once; the other side then closes with a {@link SharedMemoryPeerError}
 *   (`peer-destroyed`). When the other end's thread ends or is terminated its port closes, and this
 *   side closes with a `SharedMemoryPeerError` (`peer-gone`). `onClose` is called exactly once.
 * - **Handles**: while open the connection keeps its thread's event loop alive (its port is
 *   ref'd), as an open socket does; closing releases it.
 *
 * @example
 * ```ts
 * // in a worker: the end came in workerData
 * const connection = new SharedMemoryConnection(workerData as SharedMemoryEnd);
 * connection.start({ onData: (b) => {}, onEnd: () => {}, onDrain: () => {}, onClose: (e) => {} });
 * connection.write(new TextEncoder().encode('hello\n'));
 * ```
 */
export class SharedMemoryConnection implements Connection {
  readonly framing = 'stream' as const;
  readonly localAddress: string;
  readonly remoteAddress: string;

  private readonly tx: SharedRing;
  private readonly rx: SharedRing;
  private readonly port: MessagePort;
  private readonly maxPending: number;
  private handlers: ConnectionHandlers | undefined;
  private closed = false;
  /** The close to report, once the handlers are there. */
  private closeError: RxmsgError | undefined;
  private closeReported = false;
  private paused = false;
  /** Bytes accepted by `write()` that did not fit in the ring yet: at most one chunk's rest plus `maxPendingBytes`. */
  private pending: Uint8Array[] = [];
  private pendingFrom = 0;
  private pendingBytes = 0;
  /** `write()` returned `false`: `onDrain` is owed. */
  private blocked = false;
  private endRequested = false;
  private endSent = false;
  private remoteEnded = false;
  private readArmed = false;
  private writeArmed = false;
  private readImmediate: NodeJS.Immediate | undefined;
  private writeImmediate: NodeJS.Immediate | undefined;
  private read = 0;
  private written = 0;
  /** Whether the reader checks an empty ring again next turn or waits. */
  private readonly readPoll = new PollWindow();
  /** Whether the writer checks a full ring again next turn or waits. */
  private readonly writePoll = new PollWindow();

  /**
   * @param end - an end of a link, not used before (in any thread).
   * @throws TransportError when `end` is not an end of a link, or was used already.
   */
  constructor(end: SharedMemoryEnd, options: SharedMemoryConnectionOptions = {}) {
    const problem = endProblem(end);
    if (problem !== undefined) throw new TransportError(`not a shared-memory end: ${problem}`);
    this.tx = new SharedRing(end.send);
    this.rx = new SharedRing(end.receive);
    if (Atomics.compareExchange(this.tx.words, Word.Claimed, 0, 1) !== 0) {
      throw new TransportError(`shared-memory end ${end.name} is already in use`);
    }
    this.localAddress = options.localAddress ?? `shm://${end.name}:0`;
    this.remoteAddress = options.remoteAddress ?? `shm://${otherName(end.name)}:0`;
    this.maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.port = end.port;
    this.port.on('close', this.onPortClose);
    // An open connection keeps its thread alive, as a socket does; a pending Atomics.waitAsync does not.
    this.port.ref();
    // The other side may have destroyed the link, or its thread ended, before this end was taken.
    if (Atomics.load(this.rx.words, Word.Destroyed) !== 0) this.closeWith(new SharedMemoryPeerError('peer-destroyed', this.localAddress));
  }

  get bytesRead(): number {
    return this.read;
  }

  get bytesWritten(): number {
    return this.written;
  }

  start(handlers: ConnectionHandlers): void {
    if (this.handlers !== undefined) throw new Error('SharedMemoryConnection.start called twice');
    this.handlers = handlers;
    // The session sets itself up after start() returns: the first read happens a microtask later.
    queueMicrotask(() => {
      if (this.closed) this.reportClose();
      else this.pumpRead();
    });
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed || this.endRequested) return false;
    if (Atomics.load(this.tx.words, Word.Destroyed) !== 0) {
      this.closeWith(new SharedMemoryPeerError('peer-destroyed', this.localAddress));
      return false;
    }
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    this.written += bytes.length;
    if (this.pendingBytes === 0) {
      const n = this.tx.push(bytes);
      if (n > 0) this.signalData();
      if (n === bytes.length) return true;
      this.pending.push(n === 0 ? bytes : bytes.subarray(n));
      this.pendingBytes = bytes.length - n;
    } else {
      if (this.pendingBytes + bytes.length > this.maxPending + (this.pending[0]?.length ?? 0)) {
        this.fail(new TransportError(`${this.localAddress}: more than ${this.maxPending} bytes written while the ring was full`));
        return false;
      }
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
    }
    this.blocked = true;
    this.armWrite();
    return false;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.handlers !== undefined && !this.readArmed) this.scheduleRead();
  }

  end(): void {
    if (this.closed || this.endRequested) return;
    this.endRequested = true;
    if (this.pendingBytes === 0) this.sendEnd();
  }

  destroy(): void {
    if (this.closed) return;
    this.markDestroyed();
    this.closeWith(undefined);
  }

  // ---- reading ------------------------------------------------------------------------------

  private readonly pumpRead = (): void => {
    this.readImmediate = undefined;
    const h = this.handlers;
    if (this.closed || h === undefined) return;
    const rx = this.rx;
    for (let i = 0; i < READ_BURST && !this.paused && !this.closed; i++) {
      if (Atomics.load(rx.words, Word.Destroyed) !== 0) return this.closeWith(new SharedMemoryPeerError('peer-destroyed', this.localAddress));
      const chunk = rx.take();
      if (chunk === undefined) break;
      this.readPoll.progressed();
      this.read += chunk.length;
      if (Atomics.load(rx.words, Word.WriterWaiting) !== 0) wake(rx.words, Word.SpaceSignal);
      h.onData(chunk);
    }
    if (this.closed || this.paused || this.remoteEnded) return;
    if (Atomics.load(rx.words, Word.Destroyed) !== 0) return this.closeWith(new SharedMemoryPeerError('peer-destroyed', this.localAddress));
    if (rx.used === 0 && Atomics.load(rx.words, Word.Ended) !== 0) {
      this.remoteEnded = true;
      h.onEnd();
      this.finishIfDone();
      return;
    }
    this.armRead();
  };

  /**
   * Check again next turn while the read {@link PollWindow} is open; then wait for
   * data, an end or a destroy from the other side (or read next turn when some is there already).
   */
  private armRead(): void {
    if (this.readArmed || this.readImmediate !== undefined) return;
    if (this.readPoll.keepPolling()) {
      this.readImmediate = setImmediate(this.pumpRead);
      return;
    }
    const w = this.rx.words;
    Atomics.store(w, Word.ReaderWaiting, 1);
    const seen = Atomics.load(w, Word.DataSignal);
    // Checked after the flag is up: a writer that published before it saw the flag down and did not wake us.
    if (this.rx.used > 0 || Atomics.load(w, Word.Ended) !== 0 || Atomics.load(w, Word.Destroyed) !== 0) {
      Atomics.store(w, Word.ReaderWaiting, 0);
      this.scheduleRead();
      return;
    }
    const r = Atomics.waitAsync(w, Word.DataSignal, seen);
    if (!r.async) {
      Atomics.store(w, Word.ReaderWaiting, 0);
      this.scheduleRead();
      return;
    }
    this.readArmed = true;
    void r.value.then(this.onReadWake);
  }

  private readonly onReadWake = (): void => {
    this.readArmed = false;
    if (this.closed) return;
    Atomics.store(this.rx.words, Word.ReaderWaiting, 0);
    this.pumpRead();
  };

  private scheduleRead(): void {
    this.readImmediate ??= setImmediate(this.pumpRead);
  }

  // ---- writing ------------------------------------------------------------------------------

  private signalData(): void {
    if (Atomics.load(this.tx.words, Word.ReaderWaiting) !== 0) wake(this.tx.words, Word.DataSignal);
  }

  /**
   * Try again next turn while the write {@link PollWindow} is open (or when the ring has room
   * already); then wait for the reader to free room.
   */
  private armWrite(): void {
    if (this.writeArmed || this.writeImmediate !== undefined || this.closed) return;
    if (this.writePoll.keepPolling()) {
      this.writeImmediate = setImmediate(this.onWriteWake);
      return;
    }
    const w = this.tx.words;
    Atomics.store(w, Word.WriterWaiting, 1);
    const seen = Atomics.load(w, Word.SpaceSignal);
    if (this.tx.used < this.tx.capacity || Atomics.load(w, Word.Destroyed) !== 0) {
      this.writeImmediate = setImmediate(this.onWriteWake);
      return;
    }
    const r = Atomics.waitAsync(w, Word.SpaceSignal, seen);
    if (!r.async) {
      this.writeImmediate = setImmediate(this.onWriteWake);
      return;
    }
    this.writeArmed = true;
    void r.value.then(this.onWriteWake);
  }

  private readonly onWriteWake = (): void => {
    this.writeArmed = false;
    this.writeImmediate = undefined;
    if (this.closed) return;
    const w = this.tx.words;
    Atomics.store(w, Word.WriterWaiting, 0);
    if (Atomics.load(w, Word.Destroyed) !== 0) return this.closeWith(new SharedMemoryPeerError('peer-destroyed', this.localAddress));
    const before = this.pendingBytes;
    this.flushPending();
    if (this.pendingBytes < before) this.writePoll.progressed();
    if (this.pendingBytes > 0) return this.armWrite();
    if (this.blocked) {
      this.blocked = false;
      this.handlers?.onDrain();
      if (this.closed) return;
    }
    if (this.endRequested && !this.endSent && this.pendingBytes === 0) this.sendEnd();
  };

  private flushPending(): void {
    const pending = this.pending;
    while (pending.length > 0) {
      const head = pending[0]!;
      const n = this.tx.push(head, this.pendingFrom);
      if (n === 0) break;
      this.signalData();
      this.pendingBytes -= n;
      this.pendingFrom += n;
      if (this.pendingFrom === head.length) {
        pending.shift();
        this.pendingFrom = 0;
      }
    }
  }

  private sendEnd(): void {
    this.endSent = true;
    Atomics.store(this.tx.words, Word.Ended, 1);
    wake(this.tx.words, Word.DataSignal);
    this.finishIfDone();
  }

  // ---- closing ------------------------------------------------------------------------------

  private finishIfDone(): void {
    if (this.endSent && this.remoteEnded) this.closeWith(undefined);
  }

  /** The other end's port closed: its thread ended, or its connection closed. */
  private readonly onPortClose = (): void => {
    if (this.closed) return;
    if (Atomics.load(this.rx.words, Word.Destroyed) !== 0) return this.closeWith(new SharedMemoryPeerError('peer-destroyed', this.localAddress));
    // Both sides ended: the other one is done; what it wrote is still read from the ring.
    if (Atomics.load(this.rx.words, Word.Ended) !== 0 && this.endSent) return;
    this.closeWith(new SharedMemoryPeerError('peer-gone', this.localAddress));
  };

  /** Tell the other side the link is destroyed, and wake its reader and writer to see it. */
  private markDestroyed(): void {
    Atomics.store(this.tx.words, Word.Destroyed, 1);
    Atomics.store(this.rx.words, Word.Destroyed, 1);
    wake(this.tx.words, Word.DataSignal);
    wake(this.rx.words, Word.SpaceSignal);
  }

  private fail(error: RxmsgError): void {
    this.markDestroyed();
    this.closeWith(error);
  }

  /** Release everything, once, and report the close a microtask later (never inside a caller's `destroy()`). */
  private closeWith(error: RxmsgError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.readImmediate !== undefined) clearImmediate(this.readImmediate);
    if (this.writeImmediate !== undefined) clearImmediate(this.writeImmediate);
    this.readImmediate = this.writeImmediate = undefined;
    // Settle this side's own pending waits (only this side waits on these two words).
    if (this.readArmed) wake(this.rx.words, Word.DataSignal);
    if (this.writeArmed) wake(this.tx.words, Word.SpaceSignal);
    this.port.off('close', this.onPortClose);
    this.port.close();
    if (this.handlers !== undefined) queueMicrotask(() => this.reportClose());
  }

  private reportClose(): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.handlers?.onClose(this.closeError);
  }
}
