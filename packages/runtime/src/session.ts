import { Subscription, asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import {
  FlowControlError,
  FrameTooLargeError,
  PayloadFramer,
  ProcessorError,
  toRxmsgError,
  type BaseConfig,
  type Connection,
  type ConnectionHandlers,
  type Credit,
  type DecodeError,
  type HeartbeatKind,
  type RxmsgError,
  type SendQueueFullError,
  type Side,
  type TimeoutError,
} from '@rxmsg/core';
import { isValidCredit } from '@rxmsg/core/internal';
import { ActiveStage, type StageHost } from './active-stage';
import { FAN_OUT } from './encode-memo';
import type { ConnectionEvent, DisconnectReason, PauseCause } from './events';
import { InboundPump, type InboundHost } from './inbound-pump';
import { InputGate, type InputGateHost } from './input-gate';
import { Liveness, type LivenessExpiry, type LivenessHost } from './liveness';
import { OutboundPolicy, type OutboundHost } from './outbound-policy';
import type { ByteMeter } from './outbound-queue';
import type { DataTap } from './server-event-stream';
import { peerInfoOf, readsPeerInfo, UNREAD_PEER_INFO, type Router, type SessionInfo } from './session-info';
import type { SessionStats } from './session-stats';
import type { Stage } from './stage';
import { outputOf } from './paced';
import { nextTurn } from './next-turn';
import { outboundCheck } from './outbound-check';
import { checkStageState } from './stage-guard';
import { pumpOptionsFor } from './pump-options';

/** Everything a session needs; built by the server and client factories. */
export interface SessionOptions<State> {
  readonly id: number;
  readonly side: Side;
  readonly connection: Connection;
  readonly listener: string;
  /** The context of the listener it came through (servers); `undefined` by default. */
  readonly listenerContext?: unknown;
  readonly config: BaseConfig;
  readonly state: State;
  readonly stages: ReadonlyMap<string, Stage<Side, State>>;
  readonly router: Router<State>;
  /** Receives every event of this connection. */
  readonly emit: (event: ConnectionEvent) => void;
  /** Called with each inbound message, after the processor got it. */
  readonly onMessage?: (message: unknown) => void;
  /** Shared by a server's sessions: told of each inbound message while it is `listening` (see `server.events()`). */
  readonly dataTap?: DataTap | undefined;
  /** Called once, after the connection is gone and `disconnected` was emitted. */
  readonly onClosed: (session: Session<State>) => void;
  /** Deadline for the first inbound message (servers: slowloris defence); 0 or absent for none. */
  readonly handshakeTimeoutMs?: number | undefined;
  /** Scheduler of every timer (close deadline, heartbeats, idle and handshake timeouts, rate-limit pauses). */
  readonly scheduler?: SchedulerLike | undefined;
  /**
   * Runs work deferred to the end of the current tick (write coalescing, delivery to late subscribers):
   * `queueMicrotask` by default; virtual-time tests pass their scheduler's `schedule`.
   */
  readonly soon?: (work: () => void) => void;
  /**
   * Called when the remote side has ended its input and the current stage has taken all of it
   * (its input completed), or never reads it (no subscriber): the client's cue that its server is
   * gone even when its processor outlives its input. May be called more than once.
   */
  readonly onRemoteEnd?: () => void;
  /** Told of every change of the bytes this connection holds in rxmsg's buffers (a server's memory budget). */
  readonly meter?: ByteMeter | undefined;
}

/**
 * Drives one connection through its stack of protocols: routes it from stage to stage (handing
 * every byte not yet decoded to the next), and closes it exactly once. The work of a connection
 * is done by four parts, each with its own module: `InboundPump` (frames to messages),
 * `InputGate` (when the transport is read), `OutboundPolicy` (messages to the bounded
 * queue) and `Liveness` (deadlines and heartbeats); the session applies the configured
 * policies to what they report. Every user callback it calls (processors, router, codecs,
 * schemas, error replies, going-away messages) is contained: what it throws is reported as a
 * typed event and ends this connection at most, never the process.
 * One implementation for single-protocol and composite servers and clients.
 */
export class Session<State> implements StageHost<State>, ConnectionHandlers, InboundHost<State>, InputGateHost, OutboundHost, LivenessHost {
  // Fields in the order they are laid out in memory: those read for every message first.
  private stage: ActiveStage<State> | undefined;
  private closeReason: DisconnectReason | undefined;
  private finished = false;
  private readonly inbound: InboundPump<State>;
  private readonly out: OutboundPolicy;
  private readonly gate: InputGate;
  /** `undefined` when no deadline or heartbeat is configured: an idle connection then holds none. */
  private readonly liveness: Liveness | undefined;
  /** @internal Called with each inbound message (`options.onMessage`); the client unsets it while `messages$` has no reader. */
  onMessage: ((message: unknown) => void) | undefined;
  /** `validateOutbound`: checks each message before it is encoded; `undefined` when off. */
  private readonly outCheck: ((st: ActiveStage<State>, message: unknown) => boolean) | undefined;
  private readonly options: SessionOptions<State>;
  private readonly connection: Connection;
  readonly config: BaseConfig;
  readonly id: number;
  readonly since = Date.now();
  readonly scheduler: SchedulerLike;
  private messagesDropped = 0;
  private routing = false;
  private pendingRoute: ActiveStage<State> | undefined;
  private closeError: RxmsgError | undefined;
  private closeTimer: Subscription | undefined;
  private closeWaiters: ((unsent: number) => void)[] | undefined;
  private remoteEndSeen = false;
  private remoteEndedFirst = false;
  private corked = false;
  /** The frozen peer info, made when first asked for ({@link peerInfo}). */
  private info: SessionInfo<State> | undefined;

  constructor(options: SessionOptions<State>) {
    this.options = options;
    this.id = options.id;
    const config = (this.config = options.config);
    this.connection = options.connection;
    const scheduler = (this.scheduler = options.scheduler ?? asyncScheduler);
    this.onMessage = options.onMessage;
    this.outCheck = outboundCheck(config, options.side, (st: ActiveStage<State>, e) => this.processorFailed(st, e, 'outbound validation'));
    const stream = options.connection.framing === 'stream';
    this.gate = new InputGate(this, config.rateLimit, scheduler);
    this.out = new OutboundPolicy(this, options.connection, config, stream, options.soon, options.meter);
    this.liveness = Liveness.needed(config, options.handshakeTimeoutMs) ? new Liveness(this, config, scheduler, options.handshakeTimeoutMs) : undefined;
    this.inbound = new InboundPump<State>(this, this.gate, pumpOptionsFor(config, options.soon, options.meter));
  }

  /** Id, addresses and state. */
  get peerInfo(): SessionInfo<State> {
    return (this.info ??= peerInfoOf(this.options));
  }

  /** The peer of the current stage, if any. */
  get currentPeer(): ActiveStage<State> | undefined {
    return this.stage;
  }

  /** Name of the current stage, if any. */
  get protocol(): string | undefined {
    return this.stage?.protocol;
  }

  /**
   * `true` when the remote side ended or dropped the connection before this side began to
   * close it (a client tells a server that went away from a stack that completed on its own).
   */
  get endedByRemote(): boolean {
    return this.remoteEndedFirst;
  }

  /** `true` once closing has begun. */
  get closing(): boolean {
    return this.closeReason !== undefined;
  }

  /** `true` while the transport is not read (backpressure of some kind). */
  get inputPaused(): boolean {
    return this.gate.paused;
  }

  /** Messages waiting in the outbound queue. */
  get queued(): number {
    return this.out.queued;
  }

  /** Bytes held in rxmsg's buffers now: undecoded input and the outbound queue. */
  get heldBytes(): number {
    return this.inbound.held + this.out.bytes;
  }

  /** Timers the connection holds now, the close deadline included (bounded: see `Liveness`). */
  get timers(): number {
    return (this.liveness?.timers ?? 0) + this.gate.timers + (this.closeTimer === undefined || this.closeTimer.closed ? 0 : 1);
  }

  /** Message, byte and policy counters. */
  stats(): SessionStats {
    const c = this.connection;
    return {
      messagesIn: this.inbound.messagesIn,
      messagesOut: this.out.messagesOut,
      bytesIn: c.bytesRead,
      bytesOut: c.bytesWritten,
      messagesDropped: this.messagesDropped,
      rateLimited: this.gate.rateLimited,
      pauses: this.gate.pauses,
      ...this.out.laneStats(),
    };
  }

  /** Enter the first stage, start reading and arm the timers. */
  start(): void {
    this.connection.start(this);
    if (this.finished) return;
    this.liveness?.start();
    this.advance(undefined);
  }

  /**
   * Close gracefully: stop decoding input, let the processor finish and the queue flush
   * (for `shutdown` and `local-close`, after sending the protocol's going-away message if it has
   * one), then end the connection. Destroyed after `flushTimeoutMs` (or `deadlineMs`).
   */
  close(reason: DisconnectReason, error?: RxmsgError, deadlineMs = this.config.flushTimeoutMs): void {
    if (this.closeReason !== undefined || this.finished) return;
    this.closeReason = reason;
    this.closeError = error;
    const c = this.connection;
    this.closeTimer = this.scheduler.schedule(() => c.destroy(), deadlineMs);
    if (reason === 'send-queue-full' || reason === 'timeout' || reason === 'memory-limit') {
      // The peer is not reading, or gone, or holds too much: flushing to it would only wait for the deadline.
      this.gate.shut();
      // What it holds is let go now, not at the transport's close event, so that the memory budget does
      // not count it meanwhile (and close another connection for bytes that are already on their way out).
      if (reason === 'memory-limit') this.out.clear();
      else this.out.unmeter();
      this.inbound.releaseHeld();
      c.destroy();
      return;
    }
    // Input is over: keep reading and dropping it (onData() ignores it now), so that the peer's FIN is
    // seen behind any unread bytes and the socket closes once both sides ended, not at the deadline.
    this.gate.release();
    const st = this.stage;
    if (st !== undefined && !st.ended) {
      if (reason === 'shutdown' || reason === 'local-close') {
        this.sayGoingAway(st);
        st.calls?.cancelAll();
        // Let the processor see the end of its input and finish on its own, within the deadline.
        this.inbound.completeInput(st);
        if (!st.ended) return;
      } else this.dropStage(st);
    }
    this.endWhenFlushed();
  }

  /**
   * Stop the processor, flush what is queued within `timeoutMs`, then close.
   * @returns how many queued messages were not handed to the socket.
   */
  flushAndClose(timeoutMs = this.config.flushTimeoutMs): Promise<number> {
    const done = this.whenClosed();
    const st = this.stage;
    if (this.closeReason === undefined && st !== undefined && !st.ended) this.dropStage(st);
    this.close('local-close', undefined, timeoutMs);
    return done;
  }

  /** Drop the outbound queue and close at once. */
  cancelAndClose(): void {
    this.closeReason ??= 'local-close';
    this.out.clear();
    this.connection.destroy();
  }

  /** Close at once, dropping queued messages. */
  destroy(): void {
    this.connection.destroy();
  }

  /** Resolves with the number of unsent messages once the connection is gone. */
  private whenClosed(): Promise<number> {
    return new Promise((resolve) => {
      if (this.finished) resolve(0);
      else (this.closeWaiters ??= []).push(resolve);
    });
  }

  // ---- transport (ConnectionHandlers) ----------------------------------------------------------

  /** @internal {@link ConnectionHandlers.onData}: bytes (or one message) arrived. */
  onData(chunk: Uint8Array): void {
    this.liveness?.received();
    const st = this.stage;
    if (st === undefined || this.closeReason !== undefined) return;
    // Replies to this chunk are written together as soon as it is decoded, not a microtask later.
    const queue = this.out.queue;
    queue.hold();
    try {
      st.framer.push(chunk);
      this.inbound.pump();
    } catch (error) {
      // A codec's own framer refused the chunk: contained to this connection.
      this.inputFailed(st, error);
    } finally {
      queue.release();
    }
  }

  /** @internal {@link ConnectionHandlers.onEnd}: the remote side ended its input. */
  onEnd(): void {
    this.noteRemoteEnd();
    this.inbound.inputEnded = true;
    this.inbound.pump();
    // A stage that does not read its input never completes it: tell now.
    if (this.stage === undefined || !this.stage.hasSubscribers()) this.options.onRemoteEnd?.();
  }

  /** @internal {@link ConnectionHandlers.onDrain}: the connection's write buffer drained. */
  onDrain(): void {
    this.out.queue.drained();
  }

  /** @internal {@link ConnectionHandlers.onClose}: the connection is gone. */
  onClose(error: RxmsgError | undefined): void {
    if (this.finished) return;
    this.noteRemoteEnd();
    this.finished = true;
    this.liveness?.stop();
    this.gate.shut();
    this.closeTimer?.unsubscribe();
    const st = this.stage;
    if (st !== undefined && !st.ended) {
      if (!st.inputComplete && this.closeReason === undefined) {
        let pending: DecodeError | undefined;
        try {
          pending = st.framer.end();
        } catch (error) {
          // A codec's own framer, called from the transport's close handler: reported, never thrown.
          this.report(st, error, 'input handling');
        }
        if (pending !== undefined) {
          this.options.emit({ type: 'decode-error', peerId: this.id, protocol: st.protocol, error: pending, action: 'ignore' });
        }
      }
      this.leave(st);
    }
    // Counted before the queues are emptied: what was still queued shows as `queued` in the lanes.
    const stats = this.stats();
    const unsent = this.out.clear();
    this.inbound.releaseHeld();
    const reason: DisconnectReason = this.closeReason ?? (error !== undefined ? 'transport-error' : 'remote-closed');
    const cause = this.closeError ?? error;
    this.options.emit(
      cause === undefined
        ? { type: 'disconnected', peerId: this.id, reason, stats }
        : { type: 'disconnected', peerId: this.id, reason, error: cause, stats },
    );
    const waiters = this.closeWaiters;
    this.closeWaiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve(unsent);
    this.options.onClosed(this);
  }

  /** The first sign that the remote side is done (its end of input, or the close): was this side closing already? */
  private noteRemoteEnd(): void {
    if (this.remoteEndSeen) return;
    this.remoteEndSeen = true;
    this.remoteEndedFirst = this.closeReason === undefined;
  }

  // ---- input (InboundHost, InputGateHost) ------------------------------------------------------

  /** @internal {@link InboundHost.receivingStage}. */
  receivingStage(): ActiveStage<State> | undefined {
    return this.closeReason === undefined ? this.stage : undefined;
  }

  /** @internal {@link InboundHost.messageIn}. */
  messageIn(message: unknown): void {
    this.liveness?.messageIn();
    this.onMessage?.(message);
    // One property read per message while nobody reads the server's event stream.
    const tap = this.options.dataTap;
    if (tap !== undefined && tap.listening) tap.data(this.id, this.stage?.protocol ?? '', message);
  }

  /** @internal {@link InboundHost.controlIn}: a heartbeat request is answered; an answer only shows the peer is there. */
  controlIn(st: ActiveStage<State>, kind: HeartbeatKind): void {
    if (kind === 'ping') this.sendControl(st, 'pong');
  }

  /** @internal {@link InboundHost.creditIn}: the remote consumer granted credits to a stream of this side. */
  creditIn(st: ActiveStage<State>, credit: Credit): void {
    st.credited(credit.stream, credit.n);
  }

  /** @internal {@link InboundHost.decodeFailed}: apply the decode policy. */
  decodeFailed(st: ActiveStage<State>, error: DecodeError): void {
    // A declared length too large to skip: the stream cannot be resynchronised, whatever the policy.
    const fatal = error instanceof FrameTooLargeError && !error.resumable;
    const policy = this.config.onDecodeError;
    this.options.emit({ type: 'decode-error', peerId: this.id, protocol: st.protocol, error, action: fatal ? 'disconnect' : policy });
    if (policy === 'reply') this.replyToBadInput(st, error);
    // Replies to the input before the bad frame (and the error reply) are flushed before the end.
    if (fatal) this.close('frame-too-large', error);
    else if (policy === 'disconnect') this.close('decode-error', error);
  }

  /** Send the protocol's error reply to bad input, if it has one; a builder that throws is reported. */
  private replyToBadInput(st: ActiveStage<State>, error: DecodeError): void {
    const errorReplies = st.spec.protocol.errorReplies;
    const build = this.options.side === 'server' ? errorReplies.server : errorReplies.client;
    if (build === undefined) return;
    let reply: unknown;
    try {
      reply = build(error);
    } catch (thrown) {
      this.processorFailed(st, thrown, 'the error reply builder');
      return;
    }
    this.send(st, reply);
  }

  /** @internal {@link InboundHost.remoteEndDelivered}. */
  remoteEndDelivered(): void {
    this.options.onRemoteEnd?.();
  }

  /** @internal {@link InboundHost.inputFailed}: something called while taking input threw (a codec, a framer, a subscriber). */
  inputFailed(st: ActiveStage<State>, error: unknown): void {
    this.processorFailed(st, error, 'input handling');
  }

  /** @internal {@link InputGateHost.pauseInput}. */
  pauseInput(): void {
    if (!this.finished) this.connection.pause();
  }

  /** @internal {@link InputGateHost.resumeInput}. */
  resumeInput(): void {
    if (!this.finished) this.connection.resume();
  }

  /** @internal {@link InputGateHost.flowChanged}. */
  flowChanged(cause: Exclude<PauseCause, 'frame-buffer'>, paused: boolean): void {
    this.options.emit({ type: 'flow', peerId: this.id, cause, paused });
  }

  /** @internal {@link InputGateHost.inputReady}. */
  inputReady(): void {
    this.inbound.schedule();
  }

  /** @internal {@link InputGateHost.overRate}. */
  overRate(disconnect: boolean): void {
    this.messagesDropped++;
    this.options.emit({ type: 'message-dropped', peerId: this.id, direction: 'in', cause: 'rate-limit', dropped: this.messagesDropped });
    if (disconnect) this.close('rate-limit');
  }

  /** @internal {@link StageHost.inputAttached}. */
  inputAttached(_stage: ActiveStage<State>): void {
    this.inbound.schedule();
  }

  /** @internal {@link StageHost.inputAcknowledged}. */
  inputAcknowledged(stage: ActiveStage<State>): void {
    if (stage.unacked < this.config.receiveQueueLimit && stage === this.stage) this.gate.set('receive-queue', false);
  }

  // ---- output (OutboundHost, LivenessHost) -----------------------------------------------------

  private sendable(st: ActiveStage<State>): boolean {
    if (st !== this.stage || this.finished) return false;
    const r = this.closeReason;
    return r === undefined || r === 'shutdown' || r === 'local-close';
  }

  /** Queue one message of `st` under the outbound policy. @returns whether it was queued. */
  private send(st: ActiveStage<State>, message: unknown): boolean {
    if (!this.sendable(st) || st.ended) return false;
    if (this.outCheck !== undefined && !this.outCheck(st, message)) return false;
    let queued: boolean;
    try {
      queued = this.out.send(st.spec.protocol.codec, message, st.spec.protocol);
    } catch (error) {
      // A room send's message: its sender's mistake (the room send throws it), not this connection's.
      if (FAN_OUT.memo?.message === message) throw error;
      this.processorFailed(st, error, 'encoding');
      return false;
    }
    if (queued) this.liveness?.messageOut();
    return queued;
  }

  /** Queue a heartbeat, outside the processor's messages but under the same policy. */
  private sendControl(st: ActiveStage<State>, kind: HeartbeatKind): void {
    if (!this.sendable(st) || st.ended) return;
    try {
      if (this.out.control(st.spec.protocol.codec, kind)) this.liveness?.controlOut();
    } catch (error) {
      this.processorFailed(st, error, 'encoding a heartbeat');
    }
  }

  /** @internal {@link OutboundHost.holdInput}. */
  holdInput(on: boolean): void {
    this.gate.set('send-queue', on);
  }

  /** @internal {@link OutboundHost.relieved}. */
  relieved(): void {
    this.gate.set('send-queue', false);
    this.stage?.relieved();
  }

  /** @internal {@link StageHost.writable}. */
  writable(st: ActiveStage<State>): boolean {
    return !st.ended && this.sendable(st) && !this.out.full;
  }

  /** @internal {@link StageHost.canSend}. */
  canSend(st: ActiveStage<State>): boolean {
    return !st.ended && this.sendable(st);
  }

  /** @internal {@link StageHost.awaitRoom}. */
  awaitRoom(): void {
    this.out.expectRelief();
  }

  /** @internal {@link StageHost.grantFrom}: queue a credit frame under the send policy. */
  grantFrom(st: ActiveStage<State>, stream: number, n: number): boolean {
    if (!isValidCredit(stream, n)) throw new FlowControlError(`credit out of range: stream ${stream}, n ${n}`);
    if (!this.canSend(st)) return false;
    try {
      return this.out.credit(st.spec.protocol.codec, stream, n);
    } catch (error) {
      if (error instanceof FlowControlError) throw error;
      this.processorFailed(st, error, 'encoding a credit');
      return false;
    }
  }

  /** @internal {@link StageHost.noCredit}. */
  noCredit(_st: ActiveStage<State>): void {
    this.droppedOut('no-credit');
  }

  /** @internal {@link StageHost.cork}. */
  cork(): void {
    if (this.corked || this.finished) return;
    this.corked = true;
    const queue = this.out.queue;
    queue.hold();
    nextTurn(() => {
      this.corked = false;
      queue.release();
    });
  }

  /** @internal {@link StageHost.cleanupFailed}: reported; the stage has ended already. */
  cleanupFailed(st: ActiveStage<State>, error: unknown): void {
    this.report(st, error, 'cleaning up the processor\'s output');
  }

  /** @internal {@link OutboundHost.queueFull}. */
  queueFull(error: SendQueueFullError): void {
    this.options.emit({ type: 'send-queue-full', peerId: this.id, error });
    this.close('send-queue-full', error);
  }

  /** @internal {@link StageHost.droppedIn}: a reply or control message matched no request (or a responder was busy). */
  droppedIn(cause: 'uncorrelated' | 'busy' | 'stage-ended'): void {
    this.options.emit({ type: 'message-dropped', peerId: this.id, direction: 'in', cause, dropped: ++this.messagesDropped });
  }

  /** @internal {@link OutboundHost.droppedOut}. */
  droppedOut(cause: 'drop-newest' | 'drop-oldest' | 'no-credit', lane?: string): void {
    this.messagesDropped++;
    const event = { type: 'message-dropped', peerId: this.id, direction: 'out', cause, dropped: this.messagesDropped } as const;
    this.options.emit(lane === undefined ? event : { ...event, lane });
  }

  /** @internal {@link LivenessHost.expired}. */
  expired(reason: LivenessExpiry, error: TimeoutError): void {
    this.close(reason, error);
  }

  /** @internal {@link LivenessHost.ping}. */
  ping(): void {
    const st = this.stage;
    if (st !== undefined) this.sendControl(st, 'ping');
  }

  /** Send the protocol's going-away message, if it has one; a builder that throws is reported. */
  private sayGoingAway(st: ActiveStage<State>): void {
    const goingAway = this.options.side === 'server' ? st.spec.protocol.goingAway.server : st.spec.protocol.goingAway.client;
    if (goingAway === undefined) return;
    let message: unknown;
    try {
      message = goingAway();
    } catch (error) {
      // Closing goes on: the builder's failure is reported, not a reason to stay open.
      this.report(st, error, 'the going-away builder');
      return;
    }
    this.send(st, message);
  }

  private endWhenFlushed(): void {
    this.out.whenIdle(() => this.connection.end());
  }

  // ---- stages ----------------------------------------------------------------------------------

  /** Ask the router for the stage after `from` (or the first) and enter it; trampolined. */
  private advance(from: ActiveStage<State> | undefined): void {
    this.pendingRoute = from;
    if (this.routing) return;
    this.routing = true;
    try {
      let guard = 0;
      for (let first = true; first || this.pendingRoute !== undefined; first = false) {
        const prev = this.pendingRoute;
        this.pendingRoute = undefined;
        if (++guard > 1000) throw new Error('router looped through 1000 stages without reading input');
        this.routeFrom(prev);
      }
    } catch (error) {
      this.processorFailed(this.stage, error, 'routing');
    } finally {
      this.routing = false;
    }
  }

  private routeFrom(prev: ActiveStage<State> | undefined): void {
    if (this.closeReason !== undefined || this.finished) return;
    const router = this.options.router;
    const next = router(this.options.state, readsPeerInfo(router) ? this.peerInfo : UNREAD_PEER_INFO, prev?.protocol ?? null);
    const remainder = prev?.framer.takeRemainder() ?? [];
    if (next === null) {
      this.close('completed');
      return;
    }
    const spec = this.options.stages.get(next);
    if (spec === undefined) throw new Error(`router chose unknown protocol "${next}"`);
    if (spec.requires !== undefined) checkStageState(next, spec, this.options.state);
    this.enter(next, spec, remainder);
  }

  private enter(name: string, spec: Stage<Side, State>, remainder: Uint8Array[]): void {
    const max = this.config.maxFrameBytes;
    const framer = this.connection.framing === 'stream' ? spec.protocol.codec.createFramer(max) : new PayloadFramer(max);
    for (const chunk of remainder) framer.push(chunk);
    const o = this.options; // what the stage copies of its peer, without making the frozen peerInfo
    const st = new ActiveStage<State>(this, { id: o.id, remoteAddress: o.connection.remoteAddress, listener: o.listener, state: o.state }, name, spec, framer, o.side);
    this.stage = st;
    this.gate.set('receive-queue', false);
    this.options.emit({ type: 'protocol-entered', peerId: this.id, protocol: name });
    if (this.inbound.inputEnded && framer.bufferedBytes === 0) st.inputComplete = true;
    let out$: Observable<unknown>;
    try {
      out$ = outputOf(spec.processor(st.messages$, st), st);
    } catch (error) {
      this.processorFailed(st, error);
      return;
    }
    const sub = out$.subscribe(st.outputObserver());
    if (st.ended) sub.unsubscribe();
    else st.output = sub;
    this.inbound.pump();
  }

  /** @internal {@link StageHost.sendFrom}. */
  sendFrom(stage: ActiveStage<State>, message: unknown): boolean {
    return this.send(stage, message);
  }

  /** @internal {@link StageHost.outputFailed}. */
  outputFailed(stage: ActiveStage<State>, error: unknown): void {
    this.processorFailed(stage, error);
  }

  /** @internal {@link StageHost.outputCompleted}: leave the stage and route on (or finish a graceful close). */
  outputCompleted(st: ActiveStage<State>): void {
    if (st.ended) return;
    this.leave(st);
    if (this.closeReason !== undefined) this.endWhenFlushed();
    else this.advance(st);
  }

  /** Drop a stage without routing on (errors, disconnects). */
  private dropStage(st: ActiveStage<State>): void {
    if (st.ended) return;
    this.leave(st);
  }

  private leave(st: ActiveStage<State>): void {
    st.ended = true;
    st.output?.unsubscribe();
    st.output = undefined;
    st.inputComplete = true;
    st.completeSubscribers();
    st.stopDemand();
    this.options.emit({ type: 'protocol-left', peerId: this.id, protocol: st.protocol });
  }

  /** @internal {@link StageHost.report}: user code that threw, as a `processor-error`; `where` names it when it is not the processor. */
  report(st: ActiveStage<State> | undefined, cause: unknown, where?: string): ProcessorError {
    const prefix = where === undefined ? 'processor failed' : `${where} failed`;
    const error = toRxmsgError(cause, (c) => new ProcessorError(`${prefix}: ${describe(c)}`, { cause: c }));
    const processorError = error instanceof ProcessorError ? error : new ProcessorError(`${prefix}: ${error.message}`, { cause: error });
    this.options.emit({ type: 'processor-error', peerId: this.id, protocol: st?.protocol ?? '', error: processorError });
    return processorError;
  }

  /** User code failed: report it, drop the stage, close the connection. */
  private processorFailed(st: ActiveStage<State> | undefined, cause: unknown, where?: string): void {
    const error = this.report(st, cause, where);
    if (st !== undefined) this.dropStage(st);
    if (this.closeReason === undefined) this.close('processor-error', error);
    else this.endWhenFlushed();
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
