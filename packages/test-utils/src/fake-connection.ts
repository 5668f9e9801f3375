import type { Connection, ConnectionHandlers } from '@rxmsg/core';

/**
 * An in-memory {@link Connection} driven by the test: `receive()` feeds bytes in,
 * `written` collects what was written, `end()`/`destroy()` close it like a socket whose
 * peer closes at once.
 */
export class FakeConnection implements Connection {
  /** `stream` like a socket, or `message` like a WebSocket (set before the session starts). */
  framing: 'stream' | 'message' = 'stream';
  readonly localAddress = 'fake:local';
  readonly remoteAddress = 'fake:remote';
  readonly written: (string | Uint8Array)[] = [];
  /** The clock reading at each write, parallel to `written`. */
  readonly writtenAt: number[] = [];
  bytesRead = 0;
  bytesWritten = 0;
  paused = false;
  closed = false;
  private handlers: ConnectionHandlers | undefined;

  /**
   * @param accept - what `write()` answers (`false` simulates a full socket).
   * @param clock - stamps each write (a test scheduler's `now`).
   */
  constructor(
    private readonly accept: () => boolean = () => true,
    private readonly clock: () => number = Date.now,
  ) {}

  start(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  /** Deliver bytes (text is UTF-8 encoded) as if read from the socket. */
  receive(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.bytesRead += bytes.length;
    this.handlers?.onData(bytes);
  }

  /** Everything written, as text. */
  text(): string {
    return this.written.map((c) => (typeof c === 'string' ? c : new TextDecoder().decode(c))).join('');
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false;
    this.written.push(chunk);
    this.writtenAt.push(this.clock());
    this.bytesWritten += chunk.length;
    return this.accept();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  end(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.onClose(undefined);
  }
}
