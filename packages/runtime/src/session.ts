import { Observable, type Subscriber, type Subscription } from 'rxjs';
import {
  DecodeError,
  ProcessorError,
  SendQueueFullError,
  FrameTooLargeError,
  type BaseConfig,
  type Connection,
  type Framer,
  type Peer,
  type RxmsgError,
  type Side,
  type TransportError,
  toRxmsgError,
} from '@rxmsg/core';
import type { ConnectionEvent, DisconnectReason } from './events';
import type { SessionStats } from './session-stats';
import { OutboundQueue } from './outbound-queue';
import type { Stage } from './stage';
import { unrefTimeout, type TimerHandle } from './timers';

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
}

interface ActiveStage<State> {
  readonly name: string;
  readonly spec: Stage<Side, State>;
  readonly framer: Framer;
  readonly observers: Set<Subscriber<unknown>>;
  readonly peer: Peer<unknown, unknown, State>;
  /** Inbound side finished: later subscribers complete at once. */
  inputComplete: boolean;
  /** The processor's stream ended (or was dropped). */
  ended: boolean;
  output: Subscription | undefined;
}

/**
 * Drives one connection through its stack of protocols: frames and decodes input for the
 * current stage, runs the stage's processor, queues its output, hands the connection (and
 * every byte not yet decoded) to the next stage the router picks, and closes it cleanly.
 * One implementation for single-protocol and composite servers and clients.
 */
export class Session<State> {
  readonly id: number;
  readonly since = Date.now();
  private readonly queue: OutboundQueue;
  private stage: ActiveStage<State> | undefined;
  private messagesIn = 0;
  private messagesOut = 0;
  private pumping = false;
  private pumpScheduled = false;
  private pausedByUs = false;
  private inputEnded = false;
  private routing = false;
  private pendingRoute: ActiveStage<State> | undefined;
  private closeReason: DisconnectReason | undefined;
  private closeError: RxmsgError | undefined;
  private closeTimer: TimerHandle | undefined;
  private finished = false;
  private readonly info: SessionInfo<State>;

  constructor(private readonly options: SessionOptions<State>) {
    this.id = options.id;
    this.queue = new OutboundQueue(options.connection, options.config.sendQueueLimit);
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
    return this.stage?.peer;
  }

  /** Name of the current stage, if any. */
  get protocol(): string | undefined {
    return this.stage?.name;
  }

  /** `true` once closing has begun. */
  get closing(): boolean {
    return this.closeReason !== undefined;
  }

  /** Message and byte counters. */
  stats(): SessionStats {
    const c = this.options.connection;
    return { messagesIn: this.messagesIn, messagesOut: this.messagesOut, bytesIn: c.bytesRead, bytesOut: c.bytesWritten };
  }

  /** Enter the first stage and start reading. */
  start(): void {
    const o = this.options;
    o.connection.start({
      data: this.onData,
      end: this.onEnd,
      drain: () => this.queue.drained(),
      close: this.onTransportClose,
    });
    if (this.finished) return;
    this.advance(undefined);
  }

  /**
   * Close gracefully: stop decoding input, let the processor finish and the queue flush
   * (for `shutdown` and `completed`), then end the connection. Destroyed after `flushTimeoutMs`.
   */
  close(reason: DisconnectReason, error?: RxmsgError): void {
    if (this.closeReason !== undefined || this.finished) return;
    this.closeReason = reason;
    this.closeError = error;
    const c = this.options.connection;
    this.closeTimer = unrefTimeout(() => c.destroy(), this.options.config.flushTimeoutMs);
    if (reason === 'send-queue-full') {
      c.destroy();
      return;
    }
    // Input is over: keep reading and dropping it (onData ignores it now), so that the peer's FIN is
    // seen behind any unread bytes and the socket closes once both sides ended, not at the close timer.
    this.pausedByUs = false;
    c.resume();
    const st = this.stage;
    if (st !== undefined && !st.ended) {
      if (reason === 'shutdown' || reason === 'local-close') {
        // Let the processor see the end of its input and finish on its own, within the deadline.
        this.completeInput(st);
        if (!st.ended) return;
      } else this.dropStage(st);
    }
    this.endWhenFlushed();
  }

  /** Close at once, dropping queued messages. */
  destroy(): void {
    this.options.connection.destroy();
  }

  // ---- inbound -------------------------------------------------------------------------------

  private readonly onData = (chunk: Uint8Array): void => {
    const st = this.stage;
    if (st === undefined || this.closeReason !== undefined) return;
    st.framer.push(chunk);
    this.pump();
  };

  private readonly onEnd = (): void => {
    this.inputEnded = true;
    this.pump();
  };

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Decode and deliver frames while the current stage has subscribers. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const st = this.stage;
        if (st === undefined || st.ended || st.observers.size === 0 || this.closeReason !== undefined) break;
        const frame = st.framer.next();
        if (frame === undefined) {
          if (this.inputEnded) this.completeInput(st);
          break;
        }
        if (frame instanceof DecodeError) {
          this.decodeFailed(st, frame);
          continue;
        }
        const message = this.decode(st, frame);
        if (message instanceof DecodeError) {
          this.decodeFailed(st, message);
          continue;
        }
        this.messagesIn++;
        for (const o of Array.from(st.observers)) o.next(message);
        this.options.onMessage?.(message);
      }
    } finally {
      this.pumping = false;
    }
    this.regulateInput();
  }

  private decode(st: ActiveStage<State>, frame: Uint8Array): unknown {
    const protocol = st.spec.protocol;
    let value: unknown;
    try {
      value = protocol.codec.decode(frame);
    } catch (error) {
      if (error instanceof DecodeError) return error;
      throw error;
    }
    return (this.options.side === 'server' ? protocol.client : protocol.server).parse(value);
  }

  /** Pause the socket while undecoded bytes exceed a frame's worth; resume once they are consumed. */
  private regulateInput(): void {
    const st = this.stage;
    if (st === undefined || this.closeReason !== undefined || this.finished) return;
    const full = st.framer.bufferedBytes > this.options.config.maxFrameBytes + 65_536;
    if (full && !this.pausedByUs) {
      this.pausedByUs = true;
      this.options.connection.pause();
    } else if (!full && this.pausedByUs) {
      this.pausedByUs = false;
      this.options.connection.resume();
    }
  }

  private decodeFailed(st: ActiveStage<State>, error: DecodeError): void {
    const policy = this.options.config.onDecodeError;
    this.options.emit({ type: 'decode-error', peerId: this.id, protocol: st.name, error, action: policy });
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
    for (const o of Array.from(st.observers)) o.complete();
    st.observers.clear();
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
    const next = this.options.router(this.options.state, this.info, prev?.name ?? null);
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
    const framer = spec.protocol.codec.createFramer(this.options.config.maxFrameBytes);
    for (const chunk of remainder) framer.push(chunk);
    const observers = new Set<Subscriber<unknown>>();
    const messages$ = new Observable<unknown>((subscriber) => {
      if (st.inputComplete || st.ended) {
        subscriber.complete();
        return undefined;
      }
      observers.add(subscriber);
      this.schedulePump();
      return () => {
        observers.delete(subscriber);
      };
    });
    const st: ActiveStage<State> = {
      name,
      spec,
      framer,
      observers,
      inputComplete: false,
      ended: false,
      output: undefined,
      peer: {
        id: this.id,
        remoteAddress: this.info.remoteAddress,
        listener: this.info.listener,
        protocol: name,
        state: this.options.state,
        messages$,
        send: (message: unknown) => this.send(st, message),
        close: () => this.close('local-close'),
      },
    };
    this.stage = st;
    this.options.emit({ type: 'protocol-entered', peerId: this.id, protocol: name });
    if (this.inputEnded && framer.bufferedBytes === 0) st.inputComplete = true;
    let out$: Observable<unknown>;
    try {
      out$ = spec.processor(messages$, st.peer);
    } catch (error) {
      this.processorFailed(st, error);
      return;
    }
    const sub = out$.subscribe({
      next: (message) => this.send(st, message),
      error: (error: unknown) => this.processorFailed(st, error),
      complete: () => this.stageDone(st),
    });
    if (st.ended) sub.unsubscribe();
    else st.output = sub;
    this.pump();
  }

  /** The stage's processor completed: leave it and route on (or finish a graceful close). */
  private stageDone(st: ActiveStage<State>): void {
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
    for (const o of Array.from(st.observers)) o.complete();
    st.observers.clear();
    st.inputComplete = true;
    this.options.emit({ type: 'protocol-left', peerId: this.id, protocol: st.name });
  }

  private processorFailed(st: ActiveStage<State> | undefined, cause: unknown): void {
    const error = toRxmsgError(cause, (c) => new ProcessorError(`processor failed: ${describe(c)}`, { cause: c }));
    const processorError =
      error instanceof ProcessorError ? error : new ProcessorError(`processor failed: ${error.message}`, { cause: error });
    this.options.emit({ type: 'processor-error', peerId: this.id, protocol: st?.name ?? '', error: processorError });
    if (st !== undefined) this.dropStage(st);
    if (this.closeReason === undefined) this.close('processor-error', processorError);
    else this.endWhenFlushed();
  }

  // ---- outbound ------------------------------------------------------------------------------

  private send(st: ActiveStage<State>, message: unknown): boolean {
    if (st !== this.stage || st.ended || this.finished || (this.closeReason !== undefined && this.closeReason !== 'shutdown' && this.closeReason !== 'local-close')) {
      return false;
    }
    const codec = st.spec.protocol.codec;
    const chunk = codec.encodeFrame(message);
    const max = this.options.config.maxFrameBytes;
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: count exactly only when that bound is over the limit.
    if ((typeof chunk === 'string' ? chunk.length * 3 : chunk.length) > max + 8 && codec.byteLength(chunk) > max + 8) {
      this.processorFailed(st, new FrameTooLargeError(codec.byteLength(chunk), max));
      return false;
    }
    if (!this.queue.push(chunk)) {
      const error = new SendQueueFullError(this.options.config.sendQueueLimit);
      this.options.emit({ type: 'send-queue-full', peerId: this.id, error });
      this.close('send-queue-full', error);
      return false;
    }
    this.messagesOut++;
    return true;
  }

  private endWhenFlushed(): void {
    this.queue.whenIdle(() => this.options.connection.end());
  }

  // ---- teardown ------------------------------------------------------------------------------

  private readonly onTransportClose = (error: TransportError | undefined): void => {
    if (this.finished) return;
    this.finished = true;
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    const st = this.stage;
    if (st !== undefined && !st.ended) {
      if (!st.inputComplete && this.closeReason === undefined) {
        const pending = st.framer.end();
        if (pending !== undefined) {
          this.options.emit({ type: 'decode-error', peerId: this.id, protocol: st.name, error: pending, action: 'ignore' });
        }
      }
      this.leave(st);
    }
    this.queue.clear();
    const reason: DisconnectReason = this.closeReason ?? (error !== undefined ? 'transport-error' : 'remote-closed');
    const cause = this.closeError ?? error;
    const stats = this.stats();
    this.options.emit(
      cause === undefined
        ? { type: 'disconnected', peerId: this.id, reason, stats }
        : { type: 'disconnected', peerId: this.id, reason, error: cause, stats },
    );
    this.options.onClosed(this);
  };
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

/** View a router over stage names `K` as one over strings: the session only passes back names the router returned. */
export function widenRouter<State, K extends string>(router: Router<State, K>): Router<State> {
  return (state, peer, previous) => router(state, peer, previous as K | null);
}
