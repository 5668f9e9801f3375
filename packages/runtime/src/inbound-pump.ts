import { DecodeError, MalformedMessageError, type Credit, type FrameResult, type HeartbeatKind } from '@rxmsg/core';
import type { ActiveStage } from './active-stage';
import type { InputGate } from './input-gate';
import type { ByteMeter } from './outbound-queue';

/**
 * Undecoded bytes a connection may hold beyond one frame before its transport stops being read:
 * a partial frame costs at most `maxFrameBytes` plus this.
 */
export const FRAME_BUFFER_SLACK = 65_536;

/**
 * The settings of an {@link InboundPump}: the same for every connection of a server (or client
 * config), so one frozen object is shared by all of them (see `pumpOptionsFor`).
 */
export interface PumpOptions {
  readonly validateFully: boolean;
  readonly receiveQueueLimit: number;
  /** Undecoded bytes over which the transport stops being read. */
  readonly maxBufferedBytes: number;
  /** Runs the end-of-tick pump; `undefined`: one microtask pumps every pump due. */
  readonly soon?: ((work: () => void) => void) | undefined;
  /** Told of every change of the undecoded bytes held (a server's memory budget). */
  readonly meter?: ByteMeter | undefined;
}

/** Pumps due at the end of this tick under the default scheduling (see {@link InboundPump.schedule}). */
let due: InboundPump<unknown>[] = [];
let spare: InboundPump<unknown>[] = [];

function pumpDue(): void {
  const list = due;
  due = spare;
  // A pump contains its connection's failures itself; should one still throw (a defect), the
  // others run all the same and the first error is rethrown after them, as its own microtask's would be.
  let failed = false;
  let first: unknown;
  for (let i = 0; i < list.length; i++) {
    try {
      list[i]!.pumpScheduled();
    } catch (error) {
      if (!failed) first = error;
      failed = true;
    }
  }
  list.length = 0;
  spare = list;
  if (failed) throw first;
}

/**
 * `DecodeError`, read once: compiled to CommonJS, a class imported from a package is a getter on the
 * package's exports object, and `instanceof` on it twice per frame cost a call each (a quarter of the pump's own time).
 */
const DECODE_ERROR = DecodeError;

/** What {@link InboundPump} `take` returns for a frame it handled itself (not a message). */
const HANDLED: unique symbol = Symbol('handled');

/** What an {@link InboundPump} asks of the session it feeds. */
export interface InboundHost<State> {
  /** The stage that takes input now, or `undefined` (no stage, or closing). */
  receivingStage(): ActiveStage<State> | undefined;
  /** A heartbeat frame arrived for `stage`. */
  controlIn(stage: ActiveStage<State>, kind: HeartbeatKind): void;
  /** A credit grant arrived for `stage`. */
  creditIn(stage: ActiveStage<State>, credit: Credit): void;
  /** A frame of `stage` could not be turned into a message: apply the decode policy. */
  decodeFailed(stage: ActiveStage<State>, error: DecodeError): void;
  /** A message was delivered to `stage`'s subscribers. */
  messageIn(message: unknown): void;
  /** Everything the remote side sent before it ended its input was delivered. */
  remoteEndDelivered(): void;
  /** Something called while taking input for `stage` threw (a codec's framer, a subscriber). */
  inputFailed(stage: ActiveStage<State>, error: unknown): void;
}

/**
 * Turns a connection's input into messages for its current stage: takes frames from the stage's
 * framer while the stage has subscribers and the {@link InputGate} is open, sets heartbeats
 * aside, admits each frame under the rate limit, decodes and validates it, and delivers it.
 * The codec and the schemas are user code: whatever they throw is a {@link DecodeError} of
 * that frame, handled by the decode policy, never an exception out of the socket's data handler.
 */
export class InboundPump<State> {
  /** Messages delivered. */
  messagesIn = 0;
  /** The remote side ended its input. */
  inputEnded = false;
  private pumping = false;
  private scheduled = false;
  /** Undecoded bytes held, as last counted (and told to the meter). */
  held = 0;
  /** `pump` bound, for a custom `soon`; created with its first use. */
  private later: (() => void) | undefined;
  /**
   * A message read ahead while the stage had no reader, looking for a reply to one of its
   * requests (see {@link InboundPump.takenByRequests}); delivered when a reader comes.
   */
  /** Messages for the processor read ahead while its stage reads replies without a reader (at most `receiveQueueLimit`). */
  private parked: { readonly st: ActiveStage<State>; readonly messages: unknown[] } | undefined;

  /**
   * @param host - the session.
   * @param gate - whether input may be taken now.
   * @param options - validation mode, bounds and the end-of-tick scheduler.
   */
  constructor(
    private readonly host: InboundHost<State>,
    private readonly gate: InputGate,
    private readonly options: PumpOptions,
  ) {}

  /** Deliver what is buffered at the end of the tick (a subscriber came, a pause ended). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const soon = this.options.soon;
    if (soon === undefined) {
      // Default scheduling: one microtask pumps every pump due, so that a pump needs no closure of its own.
      due.push(this as InboundPump<unknown>);
      if (due.length === 1) queueMicrotask(pumpDue);
    } else
      soon(
        (this.later ??= () => {
          this.scheduled = false;
          this.pump();
        }),
      );
  }

  /** @internal The end-of-tick pump of {@link schedule} under the default scheduling. */
  pumpScheduled(): void {
    this.scheduled = false;
    this.pump();
  }

  /** Decode and deliver frames while the current stage can take them. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const host = this.host;
    const gate = this.gate;
    let st: ActiveStage<State> | undefined;
    try {
      if (this.parked !== undefined) this.unpark();
      for (;;) {
        st = host.receivingStage();
        if (st === undefined || st.ended || (!st.hasSubscribers() && !this.awaitsReplies(st)) || gate.holding || !gate.tokenReady()) break;
        // Read by subscribers, no requests, no acknowledgements: messages in a run, checked only for what delivering changes.
        if (st.calls === undefined && st.acknowledging === undefined) {
          if (this.run(st)) continue;
          break;
        }
        const frame = st.framer.next();
        if (frame === undefined) {
          if (this.inputEnded) this.completeInput(st);
          break;
        }
        const message = this.take(st, frame);
        if (message !== HANDLED) this.deliver(st, message);
      }
      // A framer's bufferedBytes is user code too (a codec's own framer): inside the try.
      this.regulate();
    } catch (error) {
      // Contained to this connection: never out of the transport's data handler.
      const failed = st ?? host.receivingStage();
      if (failed !== undefined) host.inputFailed(failed, error);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The common case of {@link InboundPump.pump}: `st` is read by subscribers, has no requests and
   * no acknowledging subscriber. Takes frames while each is a message, delivered; after each, checks
   * only what delivering can change (a subscriber's `next()` or the host: a close, a stage switch,
   * the stage's end, a pause, a subscriber gone or added) and the rate limit, exactly where `pump` did.
   * Anything else (a control frame, a decode error, a frame over the rate) is handled as `pump` does, then `pump` checks everything.
   * @returns `false` when `pump` stops (no frame left, or no token), `true` when it checks again.
   */
  private run(st: ActiveStage<State>): boolean {
    const host = this.host;
    const gate = this.gate;
    const framer = st.framer;
    const list = st.subscribers;
    for (;;) {
      const frame = framer.next();
      if (frame === undefined) {
        if (this.inputEnded) this.completeInput(st);
        return false;
      }
      const message = this.take(st, frame);
      if (message === HANDLED) return true;
      this.messagesIn++;
      for (let i = 0; i < list.length; i++) list[i]!.next(message);
      host.messageIn(message);
      if (host.receivingStage() !== st || st.ended || gate.holding || st.subscribers !== list || st.acknowledging !== undefined) return true;
      for (let i = 0; i < list.length; i++) if (list[i]!.closed) return true;
      if (!gate.tokenReady()) return false;
    }
  }

  /**
   * A frame of `st`: a decode error, a heartbeat, a credit grant or a frame over the rate is handled
   * here (the host is told); a message is decoded, validated and returned for delivery.
   * @returns the message, or {@link HANDLED}.
   */
  private take(st: ActiveStage<State>, frame: Exclude<FrameResult, undefined>): unknown {
    const host = this.host;
    if (frame instanceof DECODE_ERROR) {
      host.decodeFailed(st, frame);
      return HANDLED;
    }
    const control = st.spec.protocol.codec.controlOf(frame);
    // Heartbeats count against the rate like any frame: a flood of them is a flood.
    if (!this.gate.admit()) return HANDLED;
    if (control === 'credit') {
      const credit = this.credit(st, frame);
      if (credit instanceof DecodeError) host.decodeFailed(st, credit);
      else host.creditIn(st, credit);
      return HANDLED;
    }
    if (control !== undefined) {
      host.controlIn(st, control);
      return HANDLED;
    }
    const message = this.decode(st, frame);
    if (message instanceof DECODE_ERROR) {
      host.decodeFailed(st, message);
      return HANDLED;
    }
    return message;
  }

  /** End `stage`'s input: report a frame cut off by the end of input, complete its subscribers. */
  completeInput(st: ActiveStage<State>): void {
    if (st.inputComplete) return;
    st.inputComplete = true;
    if (this.inputEnded) {
      // The peer may still read after a half-close, so a cut-off frame gets the configured policy like any bad input.
      let truncated: DecodeError | undefined;
      try {
        truncated = st.framer.end();
      } catch (error) {
        // A codec's own framer: contained (this may run from the session's close, outside the pump).
        this.host.inputFailed(st, error);
      }
      if (truncated !== undefined) this.host.decodeFailed(st, truncated);
    }
    st.completeSubscribers();
    if (this.inputEnded) this.host.remoteEndDelivered();
  }

  /** Count the undecoded bytes held; pause the transport while they exceed the bound, resume once they are consumed. */
  regulate(): void {
    const st = this.host.receivingStage();
    if (st === undefined) return;
    const held = st.framer.bufferedBytes;
    this.account(held);
    this.gate.set('frame-buffer', held > this.options.maxBufferedBytes);
  }

  /** The connection closed, or is being destroyed: what its framer held is let go. */
  releaseHeld(): void {
    this.account(0);
  }

  private account(held: number): void {
    const delta = held - this.held;
    if (delta === 0) return;
    this.held = held;
    this.options.meter?.add(delta);
  }

  /** The grant a credit frame carries, or the {@link DecodeError} it is (whatever the codec throws). */
  private credit(st: ActiveStage<State>, frame: Exclude<FrameResult, DecodeError | undefined>): Credit | DecodeError {
    const codec = st.spec.protocol.codec;
    if (codec.creditOf === undefined) return new MalformedMessageError(`codec ${codec.name} called a frame a credit but cannot read one`);
    try {
      return codec.creditOf(frame);
    } catch (error) {
      if (error instanceof DecodeError) return error;
      return new MalformedMessageError(`codec ${codec.name} failed reading a credit: ${describe(error)}`, { cause: error });
    }
  }

  private decode(st: ActiveStage<State>, frame: Exclude<FrameResult, DecodeError | undefined>): unknown {
    let value: unknown;
    try {
      value = st.spec.protocol.codec.decode(frame);
    } catch (error) {
      if (error instanceof DecodeError) return error;
      return new MalformedMessageError(`codec ${st.spec.protocol.codec.name} failed: ${describe(error)}`, { cause: error });
    }
    // MessageSet.parse contains schemas that throw (a transform, a refinement): they come back as errors.
    return this.options.validateFully ? st.inbound.parse(value) : st.inbound.parseTag(value);
  }

  /** Whether a stage with no reader is read anyway: it waits for replies, and fewer than `receiveQueueLimit` messages are held. */
  private awaitsReplies(st: ActiveStage<State>): boolean {
    const calls = st.calls;
    return calls !== undefined && calls.inFlight > 0 && (this.parked === undefined || this.parked.messages.length < this.options.receiveQueueLimit);
  }

  /** Deliver the message read ahead, once its stage has a reader (dropped and reported if the stage is gone). */
  private unpark(): void {
    const { st, messages } = this.parked!;
    if (st !== this.host.receivingStage() || st.ended) {
      this.parked = undefined;
      for (let i = 0; i < messages.length; i++) st.droppedIn('stage-ended');
    } else if (st.hasSubscribers()) {
      this.parked = undefined;
      // In order; one the reader leaves before it is held again (deliver parks it).
      for (const message of messages) this.deliver(st, message);
    }
  }

  /**
   * Replies and request control messages go to their request, not to the processor. A stage
   * whose processor does not read its input is read while it waits for replies: messages for the
   * processor met on the way are held, in order, up to `receiveQueueLimit`; then reading stops
   * until a reader comes. Held messages are delivered first; lost with their stage, each is reported.
   * @returns `true` when the message was taken (or held).
   */
  private takenByRequests(st: ActiveStage<State>, message: unknown): boolean {
    if (st.calls!.intercept(message)) {
      this.messagesIn++;
      return true;
    }
    if (st.hasSubscribers()) return false;
    if (this.parked === undefined) this.parked = { st, messages: [message] };
    else this.parked.messages.push(message);
    return true;
  }

  private deliver(st: ActiveStage<State>, message: unknown): void {
    if (st.calls !== undefined && this.takenByRequests(st, message)) return;
    this.messagesIn++;
    // A snapshot array, replaced (never mutated) when subscribers come and go: no copy per message.
    const list = st.subscribers;
    const acknowledging = st.acknowledging;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      if (acknowledging !== undefined && acknowledging.has(o)) st.unacked++;
      o.next(message);
    }
    this.host.messageIn(message);
    if (st.unacked >= this.options.receiveQueueLimit) this.gate.set('receive-queue', true);
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

