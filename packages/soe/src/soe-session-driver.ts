/**
 * Drives one sans-I/O {@link SoeSession} with a real clock and one timer: it feeds the session
 * the datagrams that arrive, calls `poll` when the session's next deadline comes, hands the
 * datagrams to send to a `send` function, and reports what changed (opened, payloads delivered,
 * writable again, ended) through hooks. It owns no socket, so a client (one socket per session)
 * and a server multiplexer (one socket for all) share it.
 */
import type { RxmsgError } from '@rxmsg/core';
import { TransportError } from '@rxmsg/core';
import type { SoeSession } from './soe-session';
import type { SoeSessionEnd } from './soe-session-end';

/** What a {@link SoeSessionDriver} reports. Hooks are called as methods of the object given. */
export interface SoeSessionDriverHooks {
  /** Send one datagram to the peer. */
  sendDatagram(datagram: Uint8Array): void;
  /** The session opened (negotiation done). Called once, before any payload. */
  onOpen(): void;
  /** Application payloads the session completed, in order. */
  onPayloads(payloads: readonly Uint8Array[]): void;
  /** The session accepts payloads again after {@link SoeSessionDriver.send} returned `false`. */
  onWritable(): void;
  /** The session has nothing left to send or to be acknowledged (called only while {@link SoeSessionDriver.watchIdle} is set). */
  onIdle(): void;
  /** The session ended (last call). */
  onEnded(end: SoeSessionEnd): void;
}

/** The clock a driver reads: milliseconds, non-decreasing. */
export type SoeClock = () => number;

/** How many times the final `Disconnect` is sent (a duplicate is ignored by the peer, whose session ended). */
const DISCONNECT_COPIES = 3;

/** `performance.now()`, the default clock. */
export const monotonicClock: SoeClock = () => performance.now();

/**
 * One session, one timer. Every call that changes the session reschedules: a deadline at or
 * before now runs in a microtask (so the payloads sent by the code running now are bundled
 * together, and go out before the event loop turns; if that run leaves something due, it runs on
 * the next `setImmediate`), a later one on a `setTimeout`. A timer already armed for an earlier
 * time is kept (polling early is harmless); one armed later is replaced.
 */
export class SoeSessionDriver {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private immediate: NodeJS.Immediate | undefined;
  private microtaskQueued = false;
  private inMicrotask = false;
  private opened = false;
  private finished = false;
  private blocked = false;
  private closeError: RxmsgError | undefined;
  /** Report `onIdle` after each change that leaves the session idle (for a graceful close). */
  watchIdle = false;

  constructor(
    /** The session driven; started by {@link start}. */
    readonly session: SoeSession,
    private readonly hooks: SoeSessionDriverHooks,
    private readonly clock: SoeClock = monotonicClock,
  ) {}

  /** Whether the session ended (and the hooks were told). */
  get ended(): boolean {
    return this.finished;
  }

  /** Starts the session (the client sends its request) and its timer. */
  start(): void {
    this.session.start(this.clock());
    this.run();
  }

  /** Feeds one datagram from the peer. */
  receive(datagram: Uint8Array): void {
    if (this.finished) return;
    let payloads: Uint8Array[];
    try {
      payloads = this.session.receive(datagram, this.clock());
    } catch (error) {
      // The session core does not throw on any bytes; a throw is a defect, kept to this session
      // (it must not reach the socket's message handler, which serves every session).
      this.abandon(new TransportError(`SOE session failed on a datagram: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return;
    }
    this.afterChange(payloads);
  }

  /**
   * Queues one payload; see {@link SoeSession.send}. `false` means nothing was queued: call again
   * after `onWritable`.
   * @throws FrameTooLargeError as `SoeSession.send` does.
   */
  send(payload: Uint8Array | string, byteLength?: number): boolean {
    if (this.finished) return false;
    const accepted = this.session.send(payload, byteLength);
    if (!accepted) this.blocked = true;
    this.schedule();
    return accepted;
  }

  /** Acknowledges again what arrived (see {@link SoeSession.acknowledgeNow}). */
  acknowledgeNow(): void {
    if (this.finished) return;
    this.session.acknowledgeNow(this.clock());
    this.schedule();
  }

  /** Whether {@link send} would accept a payload now. */
  get writable(): boolean {
    return !this.finished && this.session.writable;
  }

  /**
   * Closes the session: a `Disconnect(Application)` goes out at once, then `onEnded`, with
   * `error` when given (a local failure, such as a payload over the limit).
   */
  close(error?: RxmsgError): void {
    if (this.finished) return;
    this.closeError ??= error;
    this.session.close(this.clock());
    this.run();
  }

  /**
   * Ends at once without sending anything (the peer is not believed to exist: an evicted
   * half-open session, a socket that failed). `onEnded` gets `error`.
   */
  abandon(error: RxmsgError): void {
    if (this.finished) return;
    this.session.close(this.clock());
    this.finish({ reason: 'closed', sentReason: undefined, peerReason: undefined, error, at: this.clock() });
  }

  private readonly runMicrotask = (): void => {
    this.microtaskQueued = false;
    if (this.immediate !== undefined) return;
    this.inMicrotask = true;
    try {
      this.run();
    } finally {
      this.inMicrotask = false;
    }
  };

  private readonly run = (): void => {
    this.immediate = undefined;
    if (this.finished) return;
    const now = this.clock();
    let datagrams: Uint8Array[];
    try {
      datagrams = this.session.poll(now);
    } catch (error) {
      // The session core does not throw on any input; a throw here is a defect, kept to this session.
      this.abandon(new TransportError(`SOE session failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return;
    }
    for (const d of datagrams) this.hooks.sendDatagram(d);
    const last = datagrams.at(-1);
    if (last !== undefined && this.opened && this.session.state === 'ended' && this.session.ended?.sentReason !== undefined) {
      // The session's last datagram is its Disconnect, which nothing acknowledges: one lost leaves
      // the peer waiting for its timeouts (and a clean close reported as one). Send copies; not
      // for a refusal before the session opened (the client resends its request and is refused
      // again, and three copies would answer a forged request with more bytes than it had).
      for (let i = 1; i < DISCONNECT_COPIES; i++) this.hooks.sendDatagram(last);
    }
    this.afterChange(undefined);
  };

  private afterChange(payloads: readonly Uint8Array[] | undefined): void {
    const session = this.session;
    if (!this.opened && session.state === 'open') {
      this.opened = true;
      this.hooks.onOpen();
    }
    if (payloads !== undefined && payloads.length > 0 && !this.finished) this.hooks.onPayloads(payloads);
    if (session.state === 'closing') {
      // The final Disconnect waits for a poll: send it now.
      if (!this.finished) this.run();
      return;
    }
    if (session.state === 'ended') {
      const end = session.ended;
      if (end !== undefined) this.finish(end);
      return;
    }
    if (this.blocked && session.writable) {
      this.blocked = false;
      this.hooks.onWritable();
    }
    if (this.watchIdle && session.idle && !this.finished) this.hooks.onIdle();
    this.schedule();
  }

  private schedule(): void {
    // A run already queued reschedules when it is done (afterChange): nothing to compute now.
    // This keeps `send`, called once per payload, free of `nextDeadline()` and a clock read.
    if (this.finished || this.microtaskQueued || this.immediate !== undefined) return;
    const deadline = this.session.nextDeadline();
    if (deadline === undefined) return;
    const now = this.clock();
    if (deadline <= now) {
      // Due now: after the code running now (so what it sends in one go is bundled), before the
      // event loop turns; from within that run itself, on the next turn (never a microtask loop).
      if (!this.microtaskQueued && !this.inMicrotask) {
        this.microtaskQueued = true;
        queueMicrotask(this.runMicrotask);
      } else if (!this.microtaskQueued) this.immediate ??= setImmediate(this.run);
      return;
    }
    if (this.timer !== undefined && this.timerAt <= deadline) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(deadline - now)));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.run();
  };

  private finish(end: SoeSessionEnd): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.hooks.onEnded(end.reason === 'closed' && end.error === undefined && this.closeError !== undefined ? { ...end, error: this.closeError } : end);
  }
}
