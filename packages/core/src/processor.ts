import type { Observable } from 'rxjs';
import type { HandshakeInfo } from './handshake';
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
  /** The context given to the listener it came through (`addListener(address, { context })`); `undefined` on clients. */
  readonly listenerContext: unknown;
  /**
   * What the transport learned while setting the connection up (the TLS peer certificate, the
   * WebSocket upgrade request's headers and query); `undefined` when it has nothing to say.
   */
  readonly handshake?: HandshakeInfo | undefined;
  /** Decoded inbound messages of the current protocol. Hot: subscribe before they arrive. */
  readonly messages$: Observable<In>;
  /**
   * Queue a message for sending. It is queued whatever the demand (the `onSendQueueFull` policy
   * applies once the queue is full): a producer that respects demand sends while {@link Peer.writable}.
   * @returns `true` if queued, `false` if the connection is closing or closed (or a policy refused it).
   */
  send(message: Out): boolean;
  /**
   * Demand: `true` while the outbound queue is under `sendQueueLimit` and `sendQueueBytes`. A
   * producer that sends only while it is `true`, and waits on {@link Peer.whenWritable} otherwise,
   * goes exactly as fast as the peer reads and never meets the send-queue policy.
   */
  readonly writable: boolean;
  /**
   * Resolves `true` once {@link Peer.writable} (at once if it is now, else when the queue has
   * drained to half its limits), `false` once this peer can no longer send (its protocol ended,
   * the connection is closing or closed).
   */
  whenWritable(): Promise<boolean>;
  /**
   * Grant the remote producer of `stream` `n` more messages: a credit control frame (see the
   * README's flow control). Grants add up. The consumer side of credit-based flow control.
   * @returns `false` if the connection is closing or closed.
   * @throws {@link FlowControlError} when `stream` or `n` is out of range or the codec has no credit frames.
   */
  grant(stream: number, n: number): boolean;
  /**
   * The producer side of credit-based flow control: open `stream` for sending under the credits
   * the remote side grants for it. Grants that came before the stream was opened count.
   * @throws {@link FlowControlError} when the stream is open already or `stream` is out of range.
   */
  openStream(stream: number): OutboundStream<Out>;
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
 * One stream of messages sent under credits (see {@link Peer.openStream}): each message takes one
 * credit the remote consumer granted; with none left, the producer waits on {@link OutboundStream.ready}.
 */
export interface OutboundStream<Out> {
  /** The stream id. */
  readonly id: number;
  /** Credits left: messages that may be sent on the stream now. */
  readonly credits: number;
  /**
   * Resolves `true` once a message may be sent (a credit is left and the peer is writable),
   * `false` once the stream is closed or the peer can no longer send.
   */
  ready(): Promise<boolean>;
  /**
   * Send one message of the stream, taking one credit.
   * @returns `false`, sending nothing, without a credit (reported as a `message-dropped` event with
   * cause `no-credit`) or when the peer can no longer send.
   */
  send(message: Out): boolean;
  /**
   * Take one credit for a message sent another way (emitted into the processor's output, as
   * `paced()` does). @returns `false` without a credit (reported as `no-credit`) or once closed.
   */
  take(): boolean;
  /** Stop sending on the stream and forget its credits (late grants for it are ignored). */
  close(): void;
}

/**
 * What a processor returns; everything in it is sent to the peer, in order.
 * - An `Observable` pushes: it is subscribed once and what it emits is queued at once.
 * - An `Iterable` (an array, a generator) or an `AsyncIterable` (an async generator, a database
 *   cursor) is pulled: the engine takes the next item only while {@link Peer.writable}, so the
 *   producer goes at the reader's pace and never overruns the send queue.
 */
export type ProcessorOutput<Out> = Observable<Out> | AsyncIterable<Out> | Iterable<Out>;

/**
 * A stream transform run once per connection (per protocol, in a stack):
 * everything the returned {@link ProcessorOutput} yields is sent to the peer.
 * Completing ends this protocol (then the connection, or the next protocol of a stack);
 * erroring (or throwing, for an iterable) closes the connection and is reported as a `processor-error` event.
 * Returning an iterable is how a large result is sent at the reader's pace:
 *
 * @example
 * ```ts
 * const rows: ServerProcessor<typeof Db> = async function* (incoming$) {
 *   for await (const { n } of pull(incoming$)) for (let i = 0; i < n; i++) yield { kind: 'Row', i } as const;
 * };
 * ```
 * An unresponsive processor returns an Observable that emits nothing and may still call `peer.send`.
 */
export type Processor<In, Out, State = unknown> = (incoming$: Observable<In>, peer: Peer<In, Out, State>) => ProcessorOutput<Out>;

/** A server-side processor for protocol `P`: receives client messages, emits server messages. */
export type ServerProcessor<P, State = unknown> = Processor<ClientMessage<P>, ServerMessage<P>, State>;

/** A client-side processor for protocol `P`: receives server messages, emits client messages. */
export type ClientProcessor<P, State = unknown> = Processor<ServerMessage<P>, ClientMessage<P>, State>;
