import type { Observable } from 'rxjs';
import type { ClientMessage, ServerMessage } from './protocol';

/**
 * One connection as a processor sees it, under the protocol it is speaking now.
 * The same connection keeps its `id` and `state` object across protocol handovers.
 *
 * @typeParam In - messages received.
 * @typeParam Out - messages this side may send.
 * @typeParam State - the per-connection state object.
 */
export interface Peer<In, Out, State> {
  /** Stable id, unique within its server (or client). */
  readonly id: number;
  /** Remote end of the connection. */
  readonly remoteAddress: string;
  /** The listener it came through (server) or the address dialled (client). */
  readonly listener: string;
  /** Name of the protocol being spoken. */
  readonly protocol: string;
  /** Per-connection state, shared by every protocol of the connection. */
  readonly state: State;
  /** Decoded inbound messages of the current protocol. Hot: subscribe before they arrive. */
  readonly messages$: Observable<In>;
  /**
   * Queue a message for sending.
   * @returns `true` if queued, `false` if the connection is closing or closed.
   */
  send(message: Out): boolean;
  /**
   * Close the connection gracefully: send the protocol's going-away message if it has one,
   * let the processor finish, flush what is queued, then end it.
   */
  close(): void;
  /**
   * Stop the processor, flush what is queued within `timeoutMs` (default `flushTimeoutMs`), close.
   * @returns how many queued messages were not handed to the socket.
   */
  flushAndClose(timeoutMs?: number): Promise<number>;
  /** Drop everything queued and close at once. */
  cancelAndClose(): void;
}

/**
 * A stream transform run once per connection (per protocol, in a stack):
 * everything the returned Observable emits is sent to the peer.
 * Completing ends this protocol (then the connection, or the next protocol of a stack);
 * erroring closes the connection and is reported as a `processor-error` event.
 * An unresponsive processor returns an Observable that emits nothing and may still call `peer.send`.
 */
export type Processor<In, Out, State = unknown> = (incoming$: Observable<In>, peer: Peer<In, Out, State>) => Observable<Out>;

/** A server-side processor for protocol `P`: receives client messages, emits server messages. */
export type ServerProcessor<P, State = unknown> = Processor<ClientMessage<P>, ServerMessage<P>, State>;

/** A client-side processor for protocol `P`: receives server messages, emits client messages. */
export type ClientProcessor<P, State = unknown> = Processor<ServerMessage<P>, ClientMessage<P>, State>;
