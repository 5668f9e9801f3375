import { Subscription, type SchedulerLike } from 'rxjs';
import { toRxmsgError, ResumeFrameError, type Connection, type ConnectionHandlers, type RxmsgError } from '@rxmsg/core';
import { ResumeFrameDecoder, type ResumeFrame } from '@rxmsg/core/internal';

/** How long a link that ended its side (after a final or a reset frame) waits for the other side's close before it is destroyed. */
export const LINK_LINGER_MS = 2_000;

/** Who receives the frames of a {@link ResumeLink}: the handshake first, then the resumable connection. */
export interface LinkSink {
  /** One frame arrived. */
  frame(link: ResumeLink, frame: ResumeFrame): void;
  /** The physical connection drained after a `write()` answered `false`. */
  linkDrained(link: ResumeLink): void;
  /** The physical connection is gone (closed, ended without the layer's goodbye, or sent bad frames). Called once. */
  linkLost(link: ResumeLink, error: RxmsgError | undefined): void;
}

/**
 * One physical connection under a resumable connection: it starts the connection, decodes the
 * layer's frames from it and hands them to its current {@link LinkSink}. A physical connection is used
 * by one link for its whole life; losing it (close, bare end, bad frame) is reported once.
 */
export class ResumeLink implements ConnectionHandlers {
  private sink: LinkSink | undefined;
  private readonly decoder: ResumeFrameDecoder;
  private lost = false;
  private linger: Subscription | undefined;

  /**
   * @param connection - the physical connection, not started yet.
   * @param maxDataPayload - largest data frame accepted.
   */
  constructor(
    readonly connection: Connection,
    maxDataPayload: number,
    private readonly scheduler: SchedulerLike,
  ) {
    this.decoder = new ResumeFrameDecoder(maxDataPayload);
  }

  /** Start reading, frames going to `sink`. */
  start(sink: LinkSink): void {
    this.sink = sink;
    this.connection.start(this);
  }

  /** Accept data frames of up to `bytes` from now on (0 while in a handshake). */
  limitData(bytes: number): void {
    this.decoder.maxDataPayload = bytes;
  }

  /** Hand the following frames (and the loss) to `sink`. */
  handOver(sink: LinkSink): void {
    this.sink = sink;
  }

  /** Whether the physical connection is gone or given up. */
  get gone(): boolean {
    return this.lost;
  }

  /** Write one encoded frame. @returns the physical connection's answer. */
  write(frame: Uint8Array): boolean {
    return !this.lost && this.connection.write(frame);
  }

  /** Give the link up at once, telling nobody: its sink is done with it. */
  drop(): void {
    if (this.lost) return;
    this.lost = true;
    this.sink = undefined;
    this.connection.destroy();
  }

  /**
   * Write `last` (if given), end the physical connection and give the link up; the other side closes it
   * (or it is destroyed after {@link LINK_LINGER_MS}).
   */
  finish(last?: Uint8Array): void {
    if (this.lost) return;
    this.lost = true;
    this.sink = undefined;
    if (last !== undefined) this.connection.write(last);
    this.connection.end();
    this.linger = this.scheduler.schedule(() => this.connection.destroy(), LINK_LINGER_MS);
  }

  /** @internal */
  onData(chunk: Uint8Array): void {
    if (this.lost) return;
    this.decoder.push(chunk);
    for (;;) {
      let frame: ResumeFrame | undefined;
      try {
        frame = this.decoder.next();
      } catch (error) {
        this.lose(toRxmsgError(error, (c) => new ResumeFrameError(String(c), { cause: c })));
        return;
      }
      const sink = this.sink;
      if (frame === undefined || sink === undefined) return;
      sink.frame(this, frame);
      if (this.lost) return;
    }
  }

  /** @internal A bare end (no end frame, no reset frame first): the link is unusable. */
  onEnd(): void {
    this.lose(undefined);
  }

  /** @internal */
  onDrain(): void {
    if (!this.lost) this.sink?.linkDrained(this);
  }

  /** @internal */
  onClose(error: RxmsgError | undefined): void {
    this.linger?.unsubscribe();
    this.lose(error);
  }

  private lose(error: RxmsgError | undefined): void {
    if (this.lost) return;
    this.lost = true;
    const sink = this.sink;
    this.sink = undefined;
    this.connection.destroy();
    sink?.linkLost(this, error);
  }
}
