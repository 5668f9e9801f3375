import { Subscription, asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import {
  DecodeError,
  FrameTooLargeError,
  PayloadFramer,
  ProcessorError,
  SendQueueFullError,
  TimeoutError,
  toRxmsgError,
  type BaseConfig,
  type Connection,
  type ConnectionHandlers,
  type Peer,
  type RxmsgError,
  type Side,
  type TransportError,
} from '@rxmsg/core';
import { ActiveStage, type StageHost } from './active-stage';
import type { ConnectionEvent, DisconnectReason, PauseCause } from './events';
import { OutboundQueue } from './outbound-queue';
import type { SessionStats } from './session-stats';
import type { Stage } from './stage';
import { TokenBucket } from './token-bucket';

/** What the router sees of a connection. */
export interface SessionInfo<State> {
  /** Stable id of the connection. */
  readonly id: number;
  /** Remote end. */
  readonly remoteAddress: string;
  /** Listener it came through (server) or address dialled (client). */
  readonly listener: string;
  /** The per-connection state object. */
  readonly state: State;
}

/**
 * Picks the stage a connection enters: called when the connection opens (`previous` is `null`)
 * and each time a stage's processor completes. Returning `null` ends the connection.
 */
export type Router<State, K extends string = string> = (state: State, peer: SessionInfo<State>, previous: K | null) => K | null;

/** Everything a session needs; built by the server and client factories. */
export interface SessionOptions<State> {
  readonly id: number;
  readonly side: Side;
  readonly connection: Connection;
  readonly listener: string;
  readonly config: BaseConfig;
  readonly state: State;
  readonly stages: ReadonlyMap<string, Stage<Side, State>>;
  readonly router: Router<State>;
  /** Receives every event of this connection. */
  readonly emit: (event: ConnectionEvent) => void;
  /** Called with each inbound message, after the processor got it. */
  readonly onMessage?: (message: unknown) => void;
  /** Called once, after the connection is gone and `disconnected` was emitted. */
  readonly onClosed: (session: Session<State>) => void;
  /** Deadline for the first inbound message (servers: slowloris defence); 0 or absent for none. */
  readonly handshakeTimeoutMs?: number;
  /** Scheduler of every timer (close deadline, heartbeats, idle and handshake timeouts, rate-limit pauses). */
  readonly scheduler?: SchedulerLike;
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
}

/**
 * Under `onSendQueueFull: 'backpressure'` the queue still takes what the processor emits from input
 * it already received, up to this many times the configured limits; past that, the connection is
 * closed with `send-queue-full` (a sender ignoring backpressure, not a slow reader).
 */
export const BACKPRESSURE_CAP = 8;

const PAUSE_BITS: Record<PauseCause, number> = { 'frame-buffer': 1, 'send-queue': 2, 'receive-queue': 4, 'rate-limit': 8 };

// Called unbound, so wrapped: browsers throw 'Illegal invocation' for a detached queueMicrotask.
const microtask = (work: () => void): void => queueMicrotask(work);

/**
 * Drives one connection through its stack of protocols: frames and decodes input for the
 * current stage, runs the stage's processor, queues its output with the configured flow-control
 * policy, answers and sends heartbeats, enforces deadlines and rate limits, hands the connection
 * (and every byte not yet decoded) to the next stage the router picks, and closes it cleanly.
 * One implementation for single-protocol and composite servers and clients.
 */
export class Session<State> implements StageHost<State>, ConnectionHandlers {
  // Fields in the order they are laid out in memory: those read for every message first, so that
  // a message touches few cache lines of a session (a server holds thousands of them).
  private stage: ActiveStage<State> | undefined;
  private closeReason: DisconnectReason | undefined;
  private pausedBits = 0;
  private pumping = false;
  private finished = false;
  private readonly queue: OutboundQueue;
  private readonly bucket: TokenBucket | undefined;
  private readonly heartbeatOn: boolean;
  private readonly idleOn: boolean;
  /** A byte stream that needs framing (TCP, TLS, Unix), or a message transport (WebSocket). */
  private readonly stream: boolean;
  private readonly validateFully: boolean;
  private readonly onMessage: ((message: unknown) => void) | undefined;
  private readonly config: BaseConfig;
  private messagesIn = 0;
  private messagesOut = 0;
  private sentSinceBeat = false;
  private inputEnded = false;
  private lastReceived: number;
  private lastActivity: number;
  readonly id: number;
  readonly since = Date.now();
  private readonly scheduler: SchedulerLike;
  private readonly soon: (work: () => void) => void;
  /** Heartbeat, idle and rate-limit timers, created with the first. */
  private timers: Subscription | undefined;
  private handshakeTimer: Subscription | undefined;
  private messagesDropped = 0;
  private rateLimited = 0;
  private pauses = 0;
  private pumpScheduled = false;
  private routing = false;
  private pendingRoute: ActiveStage<State> | undefined;
  private closeError: RxmsgError | undefined;
  private closeTimer: Subscription | undefined;
  private closeWaiters: ((unsent: number) => void)[] | undefined;
  private remoteEndSeen = false;
  private remoteEndedFirst = false;
  private readonly info: SessionInfo<State>;

  constructor(private readonly options: SessionOptions<State>) {
    this.id = options.id;
    this.config = options.config;
    this.scheduler = options.scheduler ?? asyncScheduler;
    const now = this.scheduler.now();
    this.lastReceived = this.lastActivity = now;
    this.heartbeatOn = this.config.heartbeat !== 'none';
    this.idleOn = this.config.idleTimeoutMs > 0;
    this.validateFully = this.config.validation === 'full';
    this.onMessage = options.onMessage;
    this.soon = options.soon ?? microtask;
    this.stream = options.connection.framing === 'stream';
    this.queue = new OutboundQueue(
      options.connection,
      // Message transports keep one message per write: only byte streams are coalesced.
      { messages: this.config.sendQueueLimit, bytes: this.config.sendQueueBytes, coalesce: this.stream },
      () => this.setPaused('send-queue', false),
      options.soon,
    );
    const rate = this.config.rateLimit;
    this.bucket = rate === 'none' ? undefined : new TokenBucket(rate.messagesPerSecond, rate.burst, now);
    this.info = Object.freeze({
      id: options.id,
      remoteAddress: options.connection.remoteAddress,
      listener: options.listener,
      state: options.state,
    });
  }

  /** Id, addresses and state. */
  get peerInfo(): SessionInfo<State> {
    return this.info;
  }

  /** The peer of the current stage, if any. */
  get currentPeer(): Peer<unknown, unknown, State> | undefined {
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

  /** `true` while the socket is not read (backpressure of some kind). */
  get inputPaused(): boolean {
    return this.pausedBits !== 0;
  }

  /** Messages waiting in the outbound queue. */
  get queued(): number {
    return this.queue.length;
  }

  /** Message, byte and policy counters. */
  stats(): SessionStats {
    const c = this.options.connection;
    return {
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bytesIn: c.bytesRead,
      bytesOut: c.bytesWritten,
      messagesDropped: this.messagesDropped,
      rateLimited: this.rateLimited,
      pauses: this.pauses,
    };
  }

  /** Enter the first stage, start reading and arm the timers. */
  start(): void {
    this.options.connection.start(this);
    if (this.finished) return;
    this.armTimers();
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
    const c = this.options.connection;
    this.closeTimer = this.scheduler.schedule(() => c.destroy(), deadlineMs);
    if (reason === 'send-queue-full' || reason === 'timeout') {
      // The peer is not reading, or gone: flushing to it would only wait for the deadline.
      c.destroy();
      return;
    }
    // Input is over: keep reading and dropping it (onData() ignores it now), so that the peer's FIN is
    // seen behind any unread bytes and the socket closes once both sides ended, not at the deadline.
    for (const cause of ['send-queue', 'receive-queue', 'rate-limit'] as const) {
      if ((this.pausedBits & PAUSE_BITS[cause]) !== 0) this.options.emit({ type: 'flow', peerId: this.id, cause, paused: false });
    }
    this.pausedBits = 0;
    c.resume();
    const st = this.stage;
    if (st !== undefined && !st.ended) {
      if (reason === 'shutdown' || reason === 'local-close') {
        const goingAway = this.options.side === 'server' ? st.spec.protocol.goingAway.server : st.spec.protocol.goingAway.client;
        if (goingAway !== undefined) this.send(st, goingAway());
        // Let the processor see the end of its input and finish on its own, within the deadline.
        this.completeInput(st);
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
    this.queue.clear();
    this.options.connection.destroy();
  }

  /** Close at once, dropping queued messages. */
  destroy(): void {
    this.options.connection.destroy();
  }

  /** Resolves with the number of unsent messages once the connection is gone. */
  private whenClosed(): Promise<number> {
    return new Promise((resolve) => {
      if (this.finished) resolve(0);
      else (this.closeWaiters ??= []).push(resolve);
    });
  }

  // ---- inbound -------------------------------------------------------------------------------

  /** @internal {@link ConnectionHandlers.onData}: bytes (or one message) arrived. */
  onData(chunk: Uint8Array): void {
    if (this.heartbeatOn) this.lastReceived = this.scheduler.now();
    const st = this.stage;
    if (st === undefined || this.closeReason !== undefined) return;
    st.framer.push(chunk);
    // Replies to this chunk are written together as soon as it is decoded, not a microtask later.
    const queue = this.queue;
    queue.hold();
    try {
      this.pump();
    } finally {
      queue.release();
    }
  }

  /** @internal {@link ConnectionHandlers.onEnd}: the remote side ended its input. */
  onEnd(): void {
    this.noteRemoteEnd();
    this.inputEnded = true;
    this.pump();
    // onRemoteEnd hook: a stage that does not read its input never completes it, so tell now.
    if (this.stage === undefined || !this.stage.hasSubscribers()) this.options.onRemoteEnd?.();
  }

  /** @internal {@link ConnectionHandlers.onDrain}: the connection's write buffer drained. */
  onDrain(): void {
    this.queue.drained();
  }

  /** The first sign that the remote side is done (its end of input, or the close): was this side closing already? */
  private noteRemoteEnd(): void {
    if (this.remoteEndSeen) return;
    this.remoteEndSeen = true;
    this.remoteEndedFirst = this.closeReason === undefined;
  }

  /** @internal {@link StageHost.inputAttached}. */
  inputAttached(_stage: ActiveStage<State>): void {
    this.schedulePump();
  }

  /** @internal {@link StageHost.inputAcknowledged}. */
  inputAcknowledged(stage: ActiveStage<State>): void {
    if (stage.unacked < this.config.receiveQueueLimit && stage === this.stage) this.setPaused('receive-queue', false);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    this.soon(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Decode and deliver frames while the current stage can take them. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const st = this.stage;
        if (st === undefined || st.ended || this.closeReason !== undefined || !st.hasSubscribers()) break;
        if ((this.pausedBits & ~PAUSE_BITS['frame-buffer']) !== 0 || !this.tokenReady()) break;
        const frame = st.framer.next();
        if (frame === undefined) {
          if (this.inputEnded) this.completeInput(st);
          break;
        }
        if (frame instanceof DecodeError) {
          this.decodeFailed(st, frame);
          continue;
        }
        const control = st.spec.protocol.codec.controlOf(frame);
        if (control !== undefined) {
          if (control === 'ping') this.sendControl(st, 'pong');
          continue;
        }
        if (!this.admit()) continue;
        const message = this.decode(st, frame);
        if (message instanceof DecodeError) {
          this.decodeFailed(st, message);
          continue;
        }
        this.deliver(st, message);
      }
    } finally {
      this.pumping = false;
    }
    this.regulateInput();
  }

  private deliver(st: ActiveStage<State>, message: unknown): void {
    if (this.messagesIn++ === 0) this.firstMessage();
    if (this.idleOn) this.lastActivity = this.scheduler.now();
    // A snapshot array, replaced (never mutated) when subscribers come and go: no copy per message.
    const list = st.subscribers;
    const acknowledging = st.acknowledging;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      if (acknowledging !== undefined && acknowledging.has(o)) st.unacked++;
      o.next(message);
    }
    this.onMessage?.(message);
    if (st.unacked >= this.config.receiveQueueLimit) this.setPaused('receive-queue', true);
  }

  /**
   * Rate limit with `onExceed: 'pause'`, checked before a frame is taken: when no token is left,
   * stop reading until one is. @returns whether a frame may be taken now.
   */
  private tokenReady(): boolean {
    const rate = this.config.rateLimit;
    if (this.bucket === undefined || rate === 'none' || rate.onExceed !== 'pause') return true;
    const wait = this.bucket.waitMs(this.scheduler.now());
    if (wait === 0) return true;
    this.rateLimited++;
    this.setPaused('rate-limit', true);
    this.addTimer(this.scheduler.schedule(() => this.setPaused('rate-limit', false), wait));
    return false;
  }

  /** Rate limit: take a token for one message, or apply the drop/disconnect policy. @returns whether it goes on. */
  private admit(): boolean {
    const rate = this.config.rateLimit;
    if (this.bucket === undefined || rate === 'none' || this.bucket.take(this.scheduler.now())) return true;
    this.rateLimited++;
    this.messagesDropped++;
    this.options.emit({ type: 'message-dropped', peerId: this.id, direction: 'in', cause: 'rate-limit', dropped: this.messagesDropped });
    if (rate.onExceed === 'disconnect') this.close('rate-limit');
    return false;
  }

  private decode(st: ActiveStage<State>, frame: Uint8Array | string): unknown {
    const protocol = st.spec.protocol;
    let value: unknown;
    try {
      value = protocol.codec.decode(frame);
    } catch (error) {
      if (error instanceof DecodeError) return error;
      throw error;
    }
    const messages = st.inbound;
    return this.validateFully ? messages.parse(value) : messages.parseTag(value);
  }

  /** Pause the socket while undecoded bytes exceed a frame's worth; resume once they are consumed. */
  private regulateInput(): void {
    const st = this.stage;
    if (st === undefined || this.closeReason !== undefined || this.finished) return;
    this.setPaused('frame-buffer', st.framer.bufferedBytes > this.config.maxFrameBytes + 65_536);
  }

  /** Set or clear one reason to stop reading the socket; the socket is paused while any is set. */
  private setPaused(cause: PauseCause, on: boolean): void {
    const bit = PAUSE_BITS[cause];
    const before = this.pausedBits;
    this.pausedBits = on ? before | bit : before & ~bit;
    if (before === this.pausedBits || this.finished || this.closeReason !== undefined) return;
    const c = this.options.connection;
    if (before === 0) {
      this.pauses++;
      c.pause();
    } else if (this.pausedBits === 0) c.resume();
    if (cause !== 'frame-buffer') this.options.emit({ type: 'flow', peerId: this.id, cause, paused: on });
    if (!on) this.schedulePump();
  }

  private decodeFailed(st: ActiveStage<State>, error: DecodeError): void {
    const policy = this.config.onDecodeError;
    this.options.emit({ type: 'decode-error', peerId: this.id, protocol: st.protocol, error, action: policy });
    if (policy === 'reply') {
      const errorReplies = st.spec.protocol.errorReplies;
      const reply = this.options.side === 'server' ? errorReplies.server : errorReplies.client;
      if (reply !== undefined) this.send(st, reply(error));
    } else if (policy === 'disconnect') {
      this.close('decode-error', error);
    }
  }

  /** End the stage's input: report a truncated frame, complete its subscribers. */
  private completeInput(st: ActiveStage<State>): void {
    if (st.inputComplete) return;
    st.inputComplete = true;
    if (this.inputEnded) {
      // The peer may still read after a half-close, so a cut-off frame gets the configured policy like any bad input.
      const truncated = st.framer.end();
      if (truncated !== undefined) this.decodeFailed(st, truncated);
    }
    st.completeSubscribers();
    // onRemoteEnd hook: everything received before the remote end was delivered.
    if (this.inputEnded) this.options.onRemoteEnd?.();
  }

  // ---- timers --------------------------------------------------------------------------------

  private armTimers(): void {
    const handshake = this.options.handshakeTimeoutMs ?? 0;
    if (handshake > 0) {
      // Cancelled by the first message: an established idle connection holds no timer for it.
      this.handshakeTimer = this.scheduler.schedule(() => {
        if (this.messagesIn === 0) this.close('handshake-timeout', new TimeoutError(`no message within ${handshake} ms`));
      }, handshake);
    }
    const heartbeat = this.config.heartbeat;
    if (heartbeat !== 'none') {
      const session = this;
      this.addTimer(
        this.scheduler.schedule(function (this: { schedule(state?: unknown, delay?: number): unknown }) {
          if (session.beat(heartbeat.timeoutMs)) this.schedule(undefined, heartbeat.intervalMs);
        }, heartbeat.intervalMs),
      );
    }
    const idle = this.config.idleTimeoutMs;
    if (idle > 0) this.addTimer(this.scheduler.schedule(() => this.checkIdle(idle), idle));
  }

  private addTimer(timer: Subscription): void {
    (this.timers ??= new Subscription()).add(timer);
  }

  /** The first message arrived: the handshake deadline is met. */
  private firstMessage(): void {
    this.handshakeTimer?.unsubscribe();
    this.handshakeTimer = undefined;
  }

  /** One heartbeat tick. @returns whether to keep ticking. */
  private beat(timeoutMs: number): boolean {
    if (this.finished) return false;
    const now = this.scheduler.now();
    if (now - this.lastReceived >= timeoutMs) {
      this.close('timeout', new TimeoutError(`nothing received for ${now - this.lastReceived} ms`));
      return false;
    }
    const st = this.stage;
    // Ticks come every intervalMs: nothing sent since the last one means intervalMs of silence.
    if (!this.sentSinceBeat && st !== undefined && !st.ended) this.sendControl(st, 'ping');
    // Reset after the ping: the next tick asks whether anything went out after this one.
    this.sentSinceBeat = false;
    return true;
  }

  private checkIdle(idleMs: number): void {
    if (this.finished || this.closeReason !== undefined) return;
    const quiet = this.scheduler.now() - this.lastActivity;
    if (quiet >= idleMs) this.close('idle-timeout', new TimeoutError(`no message for ${quiet} ms`));
    else this.addTimer(this.scheduler.schedule(() => this.checkIdle(idleMs), idleMs - quiet));
  }

  // ---- stages --------------------------------------------------------------------------------

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
      this.processorFailed(this.stage, error);
    } finally {
      this.routing = false;
    }
  }

  private routeFrom(prev: ActiveStage<State> | undefined): void {
    if (this.closeReason !== undefined || this.finished) return;
    const next = this.options.router(this.options.state, this.info, prev?.protocol ?? null);
    const remainder = prev?.framer.takeRemainder() ?? [];
    if (next === null) {
      this.close('completed');
      return;
    }
    const spec = this.options.stages.get(next);
    if (spec === undefined) throw new Error(`router chose unknown protocol "${next}"`);
    this.enter(next, spec, remainder);
  }

  private enter(name: string, spec: Stage<Side, State>, remainder: Uint8Array[]): void {
    const framer = this.stream ? spec.protocol.codec.createFramer(this.config.maxFrameBytes) : new PayloadFramer(this.config.maxFrameBytes);
    for (const chunk of remainder) framer.push(chunk);
    const st = new ActiveStage<State>(this, this.info, name, spec, framer, this.options.side);
    this.stage = st;
    this.setPaused('receive-queue', false);
    this.options.emit({ type: 'protocol-entered', peerId: this.id, protocol: name });
    if (this.inputEnded && framer.bufferedBytes === 0) st.inputComplete = true;
    let out$: Observable<unknown>;
    try {
      out$ = spec.processor(st.messages$, st);
    } catch (error) {
      this.processorFailed(st, error);
      return;
    }
    const sub = out$.subscribe(st.outputObserver());
    if (st.ended) sub.unsubscribe();
    else st.output = sub;
    this.pump();
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
    this.options.emit({ type: 'protocol-left', peerId: this.id, protocol: st.protocol });
  }

  private processorFailed(st: ActiveStage<State> | undefined, cause: unknown): void {
    const error = toRxmsgError(cause, (c) => new ProcessorError(`processor failed: ${describe(c)}`, { cause: c }));
    const processorError =
      error instanceof ProcessorError ? error : new ProcessorError(`processor failed: ${error.message}`, { cause: error });
    this.options.emit({ type: 'processor-error', peerId: this.id, protocol: st?.protocol ?? '', error: processorError });
    if (st !== undefined) this.dropStage(st);
    if (this.closeReason === undefined) this.close('processor-error', processorError);
    else this.endWhenFlushed();
  }

  // ---- outbound ------------------------------------------------------------------------------

  private sendable(st: ActiveStage<State>): boolean {
    if (st !== this.stage || this.finished) return false;
    const r = this.closeReason;
    return r === undefined || r === 'shutdown' || r === 'local-close';
  }

  private send(st: ActiveStage<State>, message: unknown): boolean {
    if (!this.sendable(st) || st.ended) return false;
    const codec = st.spec.protocol.codec;
    const chunk = this.stream ? codec.encodeFrame(message) : codec.encodePayload(message);
    const max = this.config.maxFrameBytes;
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: count exactly only when that bound is over the limit.
    if ((typeof chunk === 'string' ? chunk.length * 3 : chunk.length) > max + 8 && codec.byteLength(chunk) > max + 8) {
      this.processorFailed(st, new FrameTooLargeError(codec.byteLength(chunk), max));
      return false;
    }
    if (!this.enqueue(chunk)) return false;
    this.messagesOut++;
    // Timestamps cost a clock read per message: taken only when a timer needs them.
    if (this.idleOn) this.lastActivity = this.scheduler.now();
    this.sentSinceBeat = true;
    return true;
  }

  /** Queue a framework control frame (heartbeat), outside the processor's messages. */
  private sendControl(st: ActiveStage<State>, kind: 'ping' | 'pong'): void {
    if (!this.sendable(st)) return;
    // Control frames are tiny and rare: they bypass the queue limits rather than be dropped.
    this.queue.push(st.spec.protocol.codec.controlFrame(kind, this.stream), true);
    this.sentSinceBeat = true;
  }

  /** Queue one chunk under the outbound policy. @returns whether it was queued. */
  private enqueue(chunk: string | Uint8Array): boolean {
    if (this.queue.push(chunk)) return true;
    const policy = this.config.onSendQueueFull;
    switch (policy) {
      case 'backpressure':
        // Over the limit by what the processor emits from input it already has: stop its input.
        // A hard cap of BACKPRESSURE_CAP times the limits bounds senders that ignore input (timers, other peers).
        if (
          this.queue.length < BACKPRESSURE_CAP * this.config.sendQueueLimit &&
          this.queue.bytes < BACKPRESSURE_CAP * this.config.sendQueueBytes
        ) {
          this.queue.push(chunk, true);
          this.setPaused('send-queue', true);
          return true;
        }
        // A sender that ignores backpressure (a synchronous burst, a timer) would otherwise grow the
        // queue without bound: fail loudly rather than lose messages silently.
        return this.queueFull();
      case 'drop-newest':
        return this.dropped(policy);
      case 'drop-oldest':
        this.queue.dropOldest();
        this.queue.push(chunk, true);
        this.dropped(policy);
        return true;
      case 'disconnect':
        return this.queueFull();
    }
  }

  private queueFull(): false {
    const error = new SendQueueFullError(this.config.sendQueueLimit);
    this.options.emit({ type: 'send-queue-full', peerId: this.id, error });
    this.close('send-queue-full', error);
    return false;
  }

  private dropped(policy: 'drop-newest' | 'drop-oldest'): false {
    this.messagesDropped++;
    this.options.emit({ type: 'message-dropped', peerId: this.id, direction: 'out', cause: policy, dropped: this.messagesDropped });
    return false;
  }

  private endWhenFlushed(): void {
    this.queue.whenIdle(() => this.options.connection.end());
  }

  // ---- teardown ------------------------------------------------------------------------------

  /** @internal {@link ConnectionHandlers.onClose}: the connection is gone. */
  onClose(error: TransportError | undefined): void {
    if (this.finished) return;
    this.noteRemoteEnd();
    this.finished = true;
    this.timers?.unsubscribe();
    this.handshakeTimer?.unsubscribe();
    this.closeTimer?.unsubscribe();
    const st = this.stage;
    if (st !== undefined && !st.ended) {
      if (!st.inputComplete && this.closeReason === undefined) {
        const pending = st.framer.end();
        if (pending !== undefined) {
          this.options.emit({ type: 'decode-error', peerId: this.id, protocol: st.protocol, error: pending, action: 'ignore' });
        }
      }
      this.leave(st);
    }
    const unsent = this.queue.clear();
    const reason: DisconnectReason = this.closeReason ?? (error !== undefined ? 'transport-error' : 'remote-closed');
    const cause = this.closeError ?? error;
    const stats = this.stats();
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
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

/** View a router over stage names `K` as one over strings: the session only passes back names the router returned. */
export function widenRouter<State, K extends string>(router: Router<State, K>): Router<State> {
  return (state, peer, previous) => router(state, peer, previous as K | null);
}
