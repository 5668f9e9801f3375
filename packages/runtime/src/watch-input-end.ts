import type { Connection, ConnectionHandlers, TransportError } from '@rxmsg/core';

/**
 * A view of `connection` that calls `onEnd` when the remote side ends its input (or the
 * connection closes without such an end), just before whoever started the view hears of it.
 * Everything else passes through unchanged, counters included.
 *
 * The client uses it to tell a stack that completed on its own from one that completed because
 * the server closed the connection: the session reports both as `completed`.
 */
export function watchInputEnd(connection: Connection, onEnd: () => void): Connection {
  return new InputEndWatch(connection, onEnd);
}

/** The view {@link watchInputEnd} returns: a connection for its user, handlers for the connection it wraps. */
class InputEndWatch implements Connection {
  private ended = false;

  constructor(
    private readonly connection: Connection,
    private readonly onEnd: () => void,
  ) {}

  get framing(): Connection['framing'] {
    return this.connection.framing;
  }

  get localAddress(): string {
    return this.connection.localAddress;
  }

  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  get bytesRead(): number {
    return this.connection.bytesRead;
  }

  get bytesWritten(): number {
    return this.connection.bytesWritten;
  }

  start(handlers: ConnectionHandlers): void {
    this.connection.start(new NotifyingHandlers(handlers, this));
  }

  write(chunk: string | Uint8Array): boolean {
    return this.connection.write(chunk);
  }

  pause(): void {
    this.connection.pause();
  }

  resume(): void {
    this.connection.resume();
  }

  destroy(): void {
    this.connection.destroy();
  }

  end(): void {
    this.connection.end();
  }

  /** @internal The wrapped connection's input ended or it closed: tell `onEnd`, once. */
  notify(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
  }
}

/** The handlers given to the wrapped connection: pass everything on, and notify the end first. */
class NotifyingHandlers implements ConnectionHandlers {
  constructor(
    private readonly handlers: ConnectionHandlers,
    private readonly watch: InputEndWatch,
  ) {}

  data(chunk: Uint8Array): void {
    this.handlers.data(chunk);
  }

  end(): void {
    this.watch.notify();
    this.handlers.end();
  }

  drain(): void {
    this.handlers.drain();
  }

  close(error: TransportError | undefined): void {
    this.watch.notify();
    this.handlers.close(error);
  }
}
