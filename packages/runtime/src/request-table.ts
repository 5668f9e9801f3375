import type { SchedulerLike } from 'rxjs';
import {
  ClosedError,
  MAX_ERROR_CODE_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  RemoteError,
  RequestLimitError,
  type RequestKind,
  type RxmsgError,
  type Side,
  type RequestSpec,
} from '@rxmsg/core';
import { CANCEL_TAG, END_TAG, ERROR_TAG } from '@rxmsg/core/internal';

/** Why a correlated message was dropped: it matched nothing (`uncorrelated`), or the responder was at its bound (`busy`). */
export type RequestDropCause = 'uncorrelated' | 'busy' | 'stage-ended';

/** What a {@link RequestTable} asks of the stage it serves. */
export interface CallHost {
  /** Queue one message on the stage. @returns whether it was queued. */
  send(message: unknown): boolean;
  /** A correlated message was dropped: report it (a `message-dropped` event). */
  droppedIn(cause: RequestDropCause): void;
  /** A request handler failed: report it (a `processor-error` event; the connection stays up). */
  handlerFailed(error: unknown, where: string): void;
}

/** One request of this side waiting for its answer. */
export interface OutgoingCall {
  /** The reply it waits for. */
  readonly kind: RequestKind;
  /** A reply arrived (the correlation field removed). */
  next(reply: unknown): void;
  /** `$end` arrived (the table has forgotten the call). */
  end(): void;
  /** `$error` arrived, or the stage ended (the table has forgotten the call). */
  fail(error: RxmsgError): void;
}

/**
 * The requests of one protocol stage of one connection, both ways: the requests this side sent
 * and waits on (at most `limit`), keyed by correlation id, and the cancel functions of the
 * requests this side serves (`respond()`). Replies and control messages that arrive are taken
 * here ({@link RequestTable.intercept}) and never reach the processor. Maps are created with
 * their first entry: a stage that declares requests but makes none pays one object.
 */
export class RequestTable {
  /** The correlation field. */
  readonly correlation: string;
  private pending: Map<number, OutgoingCall> | undefined;
  private serving: Map<number, () => void> | undefined;
  private lastId = 0;
  private closed = false;

  /**
   * @param host - the stage.
   * @param spec - the protocol's requests.
   * @param tag - the protocol's tag field.
   * @param side - the side running the stage.
   * @param limit - `maxRequestsInFlight`.
   * @param scheduler - the session's scheduler (request timeouts).
   */
  constructor(
    private readonly host: CallHost,
    private readonly spec: RequestSpec,
    readonly tag: string,
    readonly side: Side,
    readonly limit: number,
    readonly scheduler: SchedulerLike,
  ) {
    this.correlation = spec.correlation;
  }

  /** Requests of this side outstanding. */
  get inFlight(): number {
    return this.pending?.size ?? 0;
  }

  /** Requests of the other side being served. */
  get served(): number {
    return this.serving?.size ?? 0;
  }

  /** How a request this side sends is answered, or `undefined` if `name` is not one. */
  sends(name: string): RequestKind | undefined {
    return this.spec.sends[this.side].get(name);
  }

  /** How a request this side receives is answered, or `undefined` if `name` is not one. */
  receives(name: string): RequestKind | undefined {
    return this.spec.sends[this.side === 'server' ? 'client' : 'server'].get(name);
  }

  /**
   * Send a request and wait for its answer.
   * @returns its correlation id, or why it was not sent ({@link ClosedError}, {@link RequestLimitError}).
   */
  open(message: object, call: OutgoingCall): number | RxmsgError {
    if (this.closed) return new ClosedError('the protocol stage has ended: no request can be sent on it');
    const pending = (this.pending ??= new Map());
    if (pending.size >= this.limit) return new RequestLimitError(this.limit);
    // Ids of this side only: the other side's requests have their own. Wraps long before 2^53.
    this.lastId = this.lastId >= Number.MAX_SAFE_INTEGER ? 1 : this.lastId + 1;
    const id = this.lastId;
    pending.set(id, call);
    if (!this.host.send({ ...message, [this.correlation]: id })) {
      pending.delete(id);
      return new ClosedError('the request could not be queued (the connection is closing, or its send policy refused it)');
    }
    return id;
  }

  /** Forget a request given up on (timeout, abort, unsubscribe) and tell the other side with `$cancel`. */
  abandon(id: number): void {
    if (this.pending?.delete(id) !== true || this.closed) return;
    this.host.send({ [this.tag]: CANCEL_TAG, [this.correlation]: id });
  }

  /** Register the cancel function of a request of the other side being served. */
  serve(id: number, cancel: () => void): void {
    (this.serving ??= new Map()).set(id, cancel);
  }

  /** Whether request `id` of the other side is being served. */
  isServing(id: number): boolean {
    return this.serving?.has(id) === true;
  }

  /** A served request finished. */
  unserve(id: number): void {
    this.serving?.delete(id);
  }

  /** Report a dropped correlated message. */
  dropped(cause: RequestDropCause): void {
    this.host.droppedIn(cause);
  }

  /** Report a failed handler. */
  handlerFailed(error: unknown, where: string): void {
    this.host.handlerFailed(error, where);
  }

  /**
   * Take an inbound message if it belongs here: a reply carrying the correlation id of a request
   * of this side, or a control message. One that matches nothing (late after a timeout, forged)
   * is reported and dropped. Requests of the other side and uncorrelated messages are not taken.
   * @returns `true` when taken (the processor must not see it).
   */
  intercept(message: unknown): boolean {
    // The message passed the tag check of its MessageSet: an object whose tag is a known name.
    const m = message as Record<string, unknown>;
    const name = m[this.tag] as string;
    if (name.charCodeAt(0) === 36 /* '$' */) {
      this.control(name, m);
      return true;
    }
    if (!this.spec.answers(this.side, name)) return false;
    const id = m[this.correlation];
    if (id === undefined) return false;
    const call = typeof id === 'number' ? this.pending?.get(id) : undefined;
    if (call === undefined || call.kind.reply !== name) {
      this.host.droppedIn('uncorrelated');
      return true;
    }
    delete m[this.correlation];
    if (!call.kind.stream) this.pending!.delete(id as number);
    call.next(m);
    return true;
  }

  /**
   * The connection is closing on purpose (`close()`, `peer.close()`): tell the other side to stop
   * serving this side's outstanding requests (a `$cancel` each, queued before the end of the
   * output), and fail them with a {@link ClosedError}. Without it a request-stream handler (a watch)
   * would keep the other side's connection open until its close deadline.
   */
  cancelAll(): void {
    const pending = this.pending;
    if (this.closed || pending === undefined) return;
    this.pending = undefined;
    for (const id of pending.keys()) this.host.send({ [this.tag]: CANCEL_TAG, [this.correlation]: id });
    for (const call of pending.values()) call.fail(new ClosedError('the connection was closed before the answer came'));
  }

  /** The stage ended: every request of this side fails with a {@link ClosedError}; served ones are torn down by the output's end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.serving = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    for (const call of pending.values()) call.fail(new ClosedError('the connection (or its protocol stage) ended before the answer came'));
  }

  private control(name: string, m: Record<string, unknown>): void {
    const id = m[this.correlation];
    if (name === CANCEL_TAG) {
      const cancel = typeof id === 'number' ? this.serving?.get(id) : undefined;
      if (cancel === undefined) this.host.droppedIn('uncorrelated');
      else {
        this.serving!.delete(id as number);
        cancel();
      }
      return;
    }
    const call = typeof id === 'number' ? this.pending?.get(id) : undefined;
    if (call === undefined || (name !== END_TAG && name !== ERROR_TAG)) {
      this.host.droppedIn('uncorrelated');
      return;
    }
    this.pending!.delete(id as number);
    if (name === END_TAG) call.end();
    // Under `validation: 'tag'` the fields are unchecked: made strings and cut to the bounds.
    else call.fail(new RemoteError(String(m['code']).slice(0, MAX_ERROR_CODE_LENGTH), String(m['message']).slice(0, MAX_ERROR_MESSAGE_LENGTH)));
  }
}
