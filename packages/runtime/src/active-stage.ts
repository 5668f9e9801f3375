import { Subscription, type Observer, type SchedulerLike, type Subscriber, type TeardownLogic } from 'rxjs';
import { FlowControlError, type BaseConfig, type Framer, type HandshakeInfo, type MessageSet, type OutboundStream, type Peer, type Side } from '@rxmsg/core';
import { CreditLedger } from './credit-ledger';
import type { CreditStreamHost } from './credit-stream';
import { InboundStream, type Inlet } from './inbound-stream';
import { RequestTable, type CallHost, type RequestDropCause } from './request-table';
import type { SessionInfo } from './session-info';
import type { Stage } from './stage';

/** What an {@link ActiveStage} asks of the session that runs it. */
export interface StageHost<State> {
  /** Queue one message from the stage's processor or peer. @returns whether it was queued. */
  sendFrom(stage: ActiveStage<State>, message: unknown): boolean;
  /** A subscriber joined the stage's input: deliver what is buffered. */
  inputAttached(stage: ActiveStage<State>): void;
  /** An acknowledged subscriber consumed one message of the stage. */
  inputAcknowledged(stage: ActiveStage<State>): void;
  /** The stage's processor failed. */
  outputFailed(stage: ActiveStage<State>, error: unknown): void;
  /** The stage's processor completed. */
  outputCompleted(stage: ActiveStage<State>): void;
  /** `peer.close()`. */
  close(reason: 'local-close'): void;
  /** `peer.flushAndClose()`. */
  flushAndClose(timeoutMs?: number): Promise<number>;
  /** `peer.cancelAndClose()`. */
  cancelAndClose(): void;
  /** Whether `stage` may send now and its queue is under its limits. */
  writable(stage: ActiveStage<State>): boolean;
  /** Whether `stage` can still send at all. */
  canSend(stage: ActiveStage<State>): boolean;
  /** Someone waits for room in the queue: report its relief. */
  awaitRoom(): void;
  /** Queue a credit frame of `stage`. @returns whether it was queued. */
  grantFrom(stage: ActiveStage<State>, stream: number, n: number): boolean;
  /** A message was not sent on a credited stream for want of a credit. */
  noCredit(stage: ActiveStage<State>): void;
  /** Cleaning up the stage's pulled output (an iterator's `return()`) threw. */
  cleanupFailed(stage: ActiveStage<State>, error: unknown): void;
  /** An async producer is sending: hold the queue's flush until the end of this turn of the event loop. */
  cork(): void;
  /** The connection's id, addresses, listener context and state. */
  readonly peerInfo: SessionInfo<State>;
  /** The connection's config (`maxRequestsInFlight`). */
  readonly config: BaseConfig;
  /** The connection's scheduler (request timeouts). */
  readonly scheduler: SchedulerLike;
  /** A correlated message was dropped (see `RequestTable`). */
  droppedIn(cause: RequestDropCause): void;
  /** User code of `stage` failed without ending it: report it. */
  report(stage: ActiveStage<State>, error: unknown, where: string): unknown;
}

const NO_SUBSCRIBERS: readonly Subscriber<unknown>[] = Object.freeze([]);

/**
 * One protocol stage of a connection while it runs: its framer, the subscribers of its input,
 * the subscription to its processor's output, and the {@link Peer} its processor is given (this
 * object itself). A class with methods, not a record of closures: a server holds one per
 * connection, so its size is paid per connection.
 */
export class ActiveStage<State> implements Peer<unknown, unknown, State>, Inlet<unknown>, CreditStreamHost, CallHost {
  /** The messages this side receives in the stage's protocol. */
  readonly inbound: MessageSet<unknown>;
  readonly id: number;
  readonly remoteAddress: string;
  readonly listener: string;
  readonly state: State;
  readonly messages$: InboundStream<unknown>;
  /** Input subscribers, replaced (never mutated) when one comes or goes: delivery iterates it without copying. */
  subscribers: readonly Subscriber<unknown>[] = NO_SUBSCRIBERS;
  /** The subscribers that acknowledge each message (see `consume`), created with the first. */
  acknowledging: Set<Subscriber<unknown>> | undefined;
  /** Messages delivered to acknowledging subscribers and not yet acknowledged. */
  unacked = 0;
  /** Inbound side finished: later subscribers complete at once. */
  inputComplete = false;
  /** The processor's stream ended (or was dropped). */
  ended = false;
  /** The subscription to the processor's output. */
  output: Subscription | undefined;
  /** Producers waiting on `whenWritable()`; created with the first. */
  private writeWaiters: ((ok: boolean) => void)[] | undefined;
  /** Credits per stream (`openStream`); created with the first grant or stream. */
  private ledger: CreditLedger | undefined;
  /** Requests both ways, when the protocol declares requests: the one field read per inbound message. */
  readonly calls: RequestTable | undefined;

  /**
   * @param host - the session running the stage.
   * @param info - the connection's id, addresses and state (copied).
   * @param protocol - the stage's name.
   * @param spec - its protocol and processor.
   * @param framer - frames its input.
   * @param side - the side running it.
   */
  constructor(
    private readonly host: StageHost<State>,
    info: Pick<SessionInfo<State>, 'id' | 'remoteAddress' | 'listener' | 'state'> & Partial<SessionInfo<State>>,
    readonly protocol: string,
    readonly spec: Stage<Side, State>,
    readonly framer: Framer,
    side: Side,
  ) {
    this.inbound = side === 'server' ? spec.protocol.client : spec.protocol.server;
    this.id = info.id;
    this.remoteAddress = info.remoteAddress;
    this.listener = info.listener;
    this.state = info.state;
    this.messages$ = new InboundStream(this);
    const requests = spec.protocol.requests;
    this.calls = requests === undefined ? undefined : new RequestTable(this, requests, spec.protocol.tag, side, host.config.maxRequestsInFlight, host.scheduler);
  }

  /** Read through the session, not copied: no field per connection for a value few read. */
  get listenerContext(): unknown {
    return this.host.peerInfo.listenerContext;
  }

  /** Read through the session, like {@link ActiveStage.listenerContext}. */
  get handshake(): HandshakeInfo | undefined {
    return this.host.peerInfo.handshake;
  }

  send(message: unknown): boolean {
    return this.host.sendFrom(this, message);
  }

  get writable(): boolean {
    return this.host.writable(this);
  }

  /** @internal {@link CreditStreamHost.canSend}. */
  get canSend(): boolean {
    return this.host.canSend(this);
  }

  whenWritable(): Promise<boolean> {
    if (!this.host.canSend(this)) return Promise.resolve(false);
    if (this.host.writable(this)) return Promise.resolve(true);
    this.host.awaitRoom();
    return new Promise((resolve) => (this.writeWaiters ??= []).push(resolve));
  }

  grant(stream: number, n: number): boolean {
    return this.host.grantFrom(this, stream, n);
  }

  openStream(stream: number): OutboundStream<unknown> {
    if (this.ended) throw new FlowControlError(`protocol ${this.protocol} has ended: no stream can be opened on it`);
    return (this.ledger ??= new CreditLedger(this)).openStream(stream);
  }

  /** @internal {@link CreditStreamHost.awaitRoom}. */
  awaitRoom(): void {
    this.host.awaitRoom();
  }

  /** @internal {@link CreditStreamHost.noCredit}. */
  noCredit(): void {
    this.host.noCredit(this);
  }

  /** @internal The remote consumer granted credits. */
  credited(stream: number, n: number): void {
    (this.ledger ??= new CreditLedger(this)).granted(stream, n);
  }

  /** @internal The queue has room again: wake the producers waiting for it. */
  relieved(): void {
    const waiters = this.writeWaiters;
    if (waiters !== undefined && this.host.writable(this)) {
      this.writeWaiters = undefined;
      for (const resolve of waiters) resolve(true);
    }
    this.ledger?.relieved();
  }

  /** @internal The stage can send no more: every waiting producer learns it, every stream closes, every request fails. */
  stopDemand(): void {
    const waiters = this.writeWaiters;
    this.writeWaiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve(false);
    this.ledger?.closeAll();
    this.calls?.close();
  }

  /** @internal {@link CallHost.droppedIn}. */
  droppedIn(cause: RequestDropCause): void {
    this.host.droppedIn(cause);
  }

  /** @internal {@link CallHost.handlerFailed}. */
  handlerFailed(error: unknown, where: string): void {
    this.host.report(this, error, where);
  }

  /**
   * @internal An async producer emitted: its items come one microtask apart, so the queue is
   * flushed at the end of this turn of the event loop rather than once per item.
   */
  corkOutput(): void {
    this.host.cork();
  }

  /** @internal Cleaning up pulled output threw: reported by the session. */
  cleanupFailed(error: unknown): void {
    this.host.cleanupFailed(this, error);
  }

  close(): void {
    this.host.close('local-close');
  }

  flushAndClose(timeoutMs?: number): Promise<number> {
    return this.host.flushAndClose(timeoutMs);
  }

  cancelAndClose(): void {
    this.host.cancelAndClose();
  }

  /** @internal {@link Inlet.attach}: a subscriber of `messages$`. */
  attach(subscriber: Subscriber<unknown>, acknowledged: boolean): TeardownLogic {
    if (this.inputComplete || this.ended) {
      subscriber.complete();
      return undefined;
    }
    const list = this.subscribers;
    this.subscribers = list.length === 0 ? [subscriber] : list.concat(subscriber);
    if (acknowledged) (this.acknowledging ??= new Set()).add(subscriber);
    this.host.inputAttached(this);
    // No detach function: one would cost each subscriber a closure and an rxjs finalizer array.
    // A subscriber that unsubscribed is dropped by `hasSubscribers()`, before the next delivery.
    return undefined;
  }

  /** Whether any input subscriber is left, after forgetting those that unsubscribed. */
  hasSubscribers(): boolean {
    const list = this.subscribers;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.closed) {
        this.prune();
        return this.subscribers.length > 0;
      }
    }
    return list.length > 0;
  }

  /** @internal {@link Inlet.acknowledge}. */
  acknowledge(): void {
    if (this.unacked > 0) this.unacked--;
    this.host.inputAcknowledged(this);
  }

  /** Complete every input subscriber and forget them. */
  completeSubscribers(): void {
    const list = this.subscribers;
    this.subscribers = NO_SUBSCRIBERS;
    for (const s of list) s.complete();
    this.acknowledging?.clear();
  }

  /** The subscriber to the processor's output. */
  outputObserver(): Observer<unknown> & Subscription {
    return new StageOutput(this.host, this);
  }

  private prune(): void {
    const open = this.subscribers.filter((s) => !s.closed);
    this.subscribers = open.length === 0 ? NO_SUBSCRIBERS : open;
    const acknowledging = this.acknowledging;
    if (acknowledging !== undefined) for (const s of acknowledging) if (s.closed) acknowledging.delete(s);
  }
}

/**
 * Hands a stage's processor output to its session. A {@link Subscription} with the observer
 * methods, which rxjs takes as a subscriber as it is (no wrapper objects per stage, no extra call
 * per message); it keeps the subscriber contract itself: nothing after `error` or `complete` or
 * once unsubscribed.
 */
class StageOutput<State> extends Subscription implements Observer<unknown> {
  private stopped = false;

  constructor(
    private readonly host: StageHost<State>,
    private readonly stage: ActiveStage<State>,
  ) {
    super();
  }

  next(message: unknown): void {
    if (!this.stopped && !this.closed) this.host.sendFrom(this.stage, message);
  }

  error(error: unknown): void {
    if (this.stopped || this.closed) return;
    this.stopped = true;
    try {
      this.host.outputFailed(this.stage, error);
    } finally {
      this.unsubscribe();
    }
  }

  complete(): void {
    if (this.stopped || this.closed) return;
    this.stopped = true;
    try {
      this.host.outputCompleted(this.stage);
    } finally {
      this.unsubscribe();
    }
  }
}
