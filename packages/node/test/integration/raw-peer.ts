import type { ControlKind } from '@rxmsg/node';

/**
 * A hand-driven client of the transport matrix: it writes what a test tells it (well-formed
 * messages, bad bytes, fragments) and decodes what the server sends with the protocol's codec.
 * {@link WirePeer} speaks a byte stream (TCP, Unix socket, TLS); {@link WsPeer} WebSocket messages.
 */
export interface RawPeer {
  /** Resolves when the connection is closed. */
  readonly ended: Promise<void>;
  /** `true` once the connection is closed. */
  readonly closed: boolean;
  /** Send `messages`, encoded with the codec (framed on a byte stream, one message each on WebSocket). */
  send(...messages: readonly unknown[]): Promise<void>;
  /** Send raw bytes or text: on a byte stream as they are, on WebSocket as one message. */
  write(data: string | Uint8Array): Promise<void>;
  /**
   * Send part of one message: on a byte stream the text as it is (no terminator added); on
   * WebSocket a fragment of one text message, which `last` completes.
   */
  writeFragment(text: string, last: boolean): Promise<void>;
  /** Every complete message received so far, decoded but not validated; control frames (heartbeats) left out. */
  messages(): unknown[];
  /** The control frames (heartbeats) received so far. */
  controls(): ControlKind[];
  /** Wait until at least `n` messages arrived; returns them all. */
  receive(n: number, timeoutMs?: number): Promise<unknown[]>;
  /** Wait until `predicate` holds, or reject after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stop reading from the socket (the server's writes then back up). */
  pause(): void;
  /** Read again. */
  resume(): void;
  /** Close at once. */
  destroy(): void;
}
