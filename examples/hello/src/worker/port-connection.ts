import { ReceiveBufferFullError, type Connection, type ConnectionHandlers, type RxmsgError } from '@rxmsg/node';
import type { PortMessage } from './port-message';

/** Bytes sent and not yet acknowledged by the worker's session before `write()` answers `false`. */
export const PORT_HIGH_WATER_MARK = 65536;
/** Bytes held for a paused reader before the connection is closed: the worker cannot be paused. */
export const PORT_RECEIVE_LIMIT = 1048576;

const encoder = new TextEncoder();

/**
 * The main thread's end of one connection to a session in a worker: bytes go out with
 * `postMessage`, and the worker acknowledges each chunk once its session accepted it, so
 * `write()` answers `false` past {@link PORT_HIGH_WATER_MARK} unacknowledged bytes and `drain`
 * follows the acknowledgements. The worker cannot be asked to stop sending: a paused reader holds
 * at most {@link PORT_RECEIVE_LIMIT} bytes, past which the connection closes with a
 * `ReceiveBufferFullError`.
 */
export class PortConnection implements Connection {
  readonly framing = 'stream' as const;
  readonly localAddress: string;
  bytesRead = 0;
  bytesWritten = 0;
  private handlers: ConnectionHandlers | undefined;
  private unacked = 0;
  private owedDrain = false;
  private paused = false;
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;
  private ended = false;
  private closed = false;

  /**
   * @param conn - the connection's number between the two threads.
   * @param remoteAddress - the address dialled.
   * @param post - sends a message to the worker.
   * @param onGone - told once the connection closed.
   */
  constructor(
    readonly conn: number,
    readonly remoteAddress: string,
    private readonly post: (m: PortMessage) => void,
    private readonly onGone: (c: PortConnection) => void,
  ) {
    this.localAddress = `${remoteAddress}/${conn}`;
  }

  start(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    this.post({ type: 'open', conn: this.conn });
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed || this.ended) return false;
    // A copy, so that the caller may reuse its buffer; it is sent by transfer.
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk.slice();
    this.bytesWritten += bytes.length;
    this.unacked += bytes.length;
    this.post({ type: 'data', conn: this.conn, bytes });
    if (this.unacked < PORT_HIGH_WATER_MARK) return true;
    this.owedDrain = true;
    return false;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    while (!this.paused && !this.closed && this.held.length > 0) {
      const chunk = this.held.shift() as Uint8Array;
      this.heldBytes -= chunk.length;
      this.deliver(chunk);
    }
  }

  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.post({ type: 'end', conn: this.conn });
  }

  destroy(): void {
    this.end();
    this.close(undefined);
  }

  /** @internal A message of the worker about this connection. */
  received(m: PortMessage): void {
    if (this.closed) return;
    if (m.type === 'data') {
      if (!this.paused && this.held.length === 0) this.deliver(m.bytes);
      else if (this.heldBytes + m.bytes.length > PORT_RECEIVE_LIMIT) this.close(new ReceiveBufferFullError(PORT_RECEIVE_LIMIT));
      else {
        this.held.push(m.bytes);
        this.heldBytes += m.bytes.length;
      }
    } else if (m.type === 'ack') {
      this.unacked -= m.bytes;
      if (this.owedDrain && this.unacked <= PORT_HIGH_WATER_MARK / 2) {
        this.owedDrain = false;
        this.handlers?.onDrain();
      }
    } else if (m.type === 'closed') {
      this.handlers?.onEnd();
      this.close(undefined);
    }
  }

  private deliver(chunk: Uint8Array): void {
    this.bytesRead += chunk.length;
    this.handlers?.onData(chunk);
  }

  private close(error: RxmsgError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) this.post({ type: 'end', conn: this.conn });
    this.held.length = 0;
    this.onGone(this);
    this.handlers?.onClose(error);
  }
}
