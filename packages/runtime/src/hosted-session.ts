import { CallbackError, ClosedError, type ConnectionHandlers, type RxmsgError } from '@rxmsg/core';
import type { MemoryConnection } from './memory-connection';

/**
 * The server side of one connection whose bytes travel over something rxmsg does not own (a
 * worker's `postMessage`, Electron IPC, an HTTP endpoint, a WebRTC data channel), made by
 * `SessionHost.session(send)`. Bytes given to {@link HostedSession.handleRequest} go through the
 * host's framer, codec, validation and processor exactly as a socket's would; what the server writes
 * to this connection reaches `send`.
 *
 * Close it with {@link HostedSession.close} (or `await using`): a session dropped without it is
 * reported by the host (one error-level log and a `session-leaked` event) when it is
 * garbage-collected, and its connection released then.
 */
export interface HostedSession {
  /** Session number, unique within its host; the connection's remote address ends with `/<id>`. */
  readonly id: number;
  /** The server's peer id of this connection (as in `events$`), `undefined` when the server refused it. */
  readonly peerId: number | undefined;
  /** Whether the connection is gone (closed by {@link HostedSession.close}, the server, or a failed `send`). */
  readonly closed: boolean;
  /**
   * Feed bytes from the client: any slice of the stream (a partial frame, several frames). Resolves
   * once they were accepted: at once while the server keeps up, later when it holds
   * `highWaterMark` unread bytes (it paused reading: backpressure), so that a caller that awaits
   * each call holds at most that much. Calls are taken in order; do not change `bytes` until
   * the call resolved.
   * @throws {@link @rxmsg/core!ClosedError} (rejects) when the session is closing or closed before the bytes were accepted.
   */
  handleRequest(bytes: Uint8Array): Promise<void>;
  /** Resolves once everything deferred was delivered to the `send` of every session of the host (see `SessionHost.poll`). */
  poll(): Promise<void>;
  /**
   * Close gracefully: the bytes accepted so far are processed, the server's replies flushed to
   * `send`, then the connection closes; after the server's `flushTimeoutMs` it is destroyed
   * whatever is left. Resolves when it is gone. Safe to call more than once.
   */
  close(): Promise<void>;
  /** {@link HostedSession.close}, for `await using session = host.session(send)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** What a {@link SessionLink} asks of its host. */
export interface SessionLinkHost {
  /** `send` threw: report it (the link destroys its connection itself). */
  sendFailed(link: SessionLink, error: CallbackError): void;
  /** The connection is gone: forget the link, stop watching it for leaks. */
  closed(link: SessionLink): void;
  /** How long a closing session may take before its connection is destroyed. */
  readonly flushTimeoutMs: number;
}

/** A {@link HostedSession.handleRequest} call waiting: its bytes (`undefined` once written) and its promise. */
interface Waiting {
  bytes: Uint8Array | undefined;
  readonly resolve: () => void;
  readonly reject: (error: RxmsgError) => void;
}

const ACCEPTED: Promise<void> = Promise.resolve();

/**
 * The state behind a {@link HostedSession}: the client end of the memory connection, the `send`
 * callback, the requests waiting for room. It never refers to the public session object, so that
 * the host's `FinalizationRegistry` (which holds links) can see that object go.
 * Bound: at most one written request beyond the connection's high-water mark; callers that do not
 * await their `handleRequest` calls hold their own bytes in the waiting list.
 */
export class SessionLink implements ConnectionHandlers {
  private readonly waiting: (Waiting | undefined)[] = [];
  private head = 0;
  private blocked = false;
  private failed = false;
  private ending = false;
  private gone = false;
  private closing: Promise<void> | undefined;
  /** `close()` was called (set before `closing`, whose executor runs first). */
  private closeRequested = false;
  private resolveClosed: (() => void) | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param id - session number within the host.
   * @param peerId - the server's id of this connection, if it accepted it.
   * @param connection - the client end of the memory connection.
   * @param send - where the server's bytes go (user code: contained).
   * @param host - the owner.
   * @param origin - where the session was made (its stack is formatted only if it leaks).
   */
  constructor(
    readonly id: number,
    readonly peerId: number | undefined,
    readonly connection: MemoryConnection,
    private readonly send: (bytes: Uint8Array) => void,
    private readonly host: SessionLinkHost,
    readonly origin: Error | undefined,
  ) {}

  /** Whether the connection is gone. */
  get closed(): boolean {
    return this.gone;
  }

  /** See {@link HostedSession.handleRequest}. */
  handleRequest(bytes: Uint8Array): Promise<void> {
    if (this.gone || this.closeRequested) return Promise.reject(new ClosedError(`session ${this.id} is closed`));
    if (!this.blocked && this.head === this.waiting.length) {
      if (this.connection.write(bytes)) return ACCEPTED;
      this.blocked = true;
      return new Promise((resolve, reject) => this.waiting.push({ bytes: undefined, resolve, reject }));
    }
    return new Promise((resolve, reject) => this.waiting.push({ bytes, resolve, reject }));
  }

  /** See {@link HostedSession.close}. */
  close(): Promise<void> {
    this.closeRequested = true;
    this.closing ??= new Promise<void>((resolve) => {
      if (this.gone) {
        resolve();
        return;
      }
      this.resolveClosed = resolve;
      this.deadline = setTimeout(() => this.connection.destroy(), this.host.flushTimeoutMs);
      this.endWhenWritten();
    });
    return this.closing;
  }

  /** Release the connection at once (the public session was garbage-collected). */
  release(): void {
    this.connection.destroy();
  }

  /** @internal {@link ConnectionHandlers.onData}: the server wrote. */
  onData(chunk: Uint8Array): void {
    if (this.failed) return;
    try {
      this.send(chunk);
    } catch (error) {
      // The application's sink is broken: nothing more can reach this client, so the connection goes.
      this.failed = true;
      this.host.sendFailed(this, new CallbackError('send', { cause: error }));
      this.connection.destroy();
    }
  }

  /** @internal {@link ConnectionHandlers.onEnd}: the server ended its side; this side ends too, the connection closes. */
  onEnd(): void {
    this.ending = true;
    this.endWhenWritten();
  }

  /** @internal {@link ConnectionHandlers.onDrain}: the server read enough: write what waits. */
  onDrain(): void {
    this.blocked = false;
    const waiting = this.waiting;
    while (!this.blocked && this.head < waiting.length) {
      const w = waiting[this.head] as Waiting;
      if (w.bytes !== undefined) {
        const bytes = w.bytes;
        w.bytes = undefined;
        if (!this.connection.write(bytes)) {
          this.blocked = true;
          break;
        }
      }
      waiting[this.head++] = undefined; // released for the collector
      w.resolve();
    }
    if (this.head === waiting.length) {
      waiting.length = 0;
      this.head = 0;
    }
    this.endWhenWritten();
  }

  /** @internal {@link ConnectionHandlers.onClose}: the connection is gone. */
  onClose(): void {
    if (this.gone) return;
    this.gone = true;
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    const waiting = this.waiting.slice(this.head);
    this.waiting.length = 0;
    this.head = 0;
    for (const w of waiting) {
      if (w === undefined) continue;
      // Written ones were accepted (and dropped with the connection); the others never were.
      if (w.bytes === undefined) w.resolve();
      else w.reject(new ClosedError(`session ${this.id} closed before the bytes were accepted`));
    }
    this.host.closed(this);
    this.resolveClosed?.();
  }

  /** Once closing (or the server ended) and every waiting request is written, end this side. */
  private endWhenWritten(): void {
    if ((this.closeRequested || this.ending) && !this.blocked && this.head === this.waiting.length) this.connection.end();
  }
}
