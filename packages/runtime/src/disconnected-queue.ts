/** What a {@link DisconnectedQueue} hands its messages to: the peer of a connection's current stage. */
export interface QueueTarget<T> {
  /** The protocol the stage speaks. */
  readonly protocol: string;
  /** Queue a message on the connection; `false` when refused. */
  send(message: T): boolean;
}

/**
 * The messages a client's `send()` keeps while it is not connected (`whileDisconnected: 'queue'`):
 * at most `limit`, oldest first. They are meant for one protocol, the one given with the first of
 * them (`undefined`: whichever stage comes first), and are handed only to a stage speaking it.
 */
export class DisconnectedQueue<T> {
  private readonly messages: T[] = [];
  private protocol: string | undefined;
  private handing = false;

  /**
   * @param limit - messages the queue may hold.
   * @param onDrop - told of each message the queue refuses (`queue-full`) or a target refused (`refused`).
   */
  constructor(
    private readonly limit: number,
    private readonly onDrop: (cause: 'queue-full' | 'refused', message: T) => void,
  ) {}

  /** Messages waiting. */
  get length(): number {
    return this.messages.length;
  }

  /** `true` while {@link flush} is handing messages over (a message sent meanwhile must queue behind them). */
  get flushing(): boolean {
    return this.handing;
  }

  /**
   * Queue `message`.
   * @param protocol - the protocol the client spoke last; sets the queue's protocol when it was empty.
   * @returns `false` (and `onDrop('queue-full')`) when `limit` messages are waiting.
   */
  offer(message: T, protocol: string | undefined): boolean {
    if (this.messages.length >= this.limit) {
      this.onDrop('queue-full', message);
      return false;
    }
    if (this.messages.length === 0) this.protocol = protocol;
    this.messages.push(message);
    return true;
  }

  /**
   * Hand the messages, in order, to `target` if it speaks their protocol, while `live()` holds.
   * The first message `target` refuses is dropped (`onDrop('refused')`) and the rest wait for the next target.
   * Messages offered during the flush (from a handler it triggers) go out in turn.
   */
  flush(target: QueueTarget<T>, live: () => boolean): void {
    if (this.handing || this.messages.length === 0) return;
    if (this.protocol !== undefined && target.protocol !== this.protocol) return;
    this.handing = true;
    try {
      while (this.messages.length > 0 && live()) {
        const message = this.messages.shift() as T; // non-empty, checked just above
        if (!target.send(message)) {
          this.onDrop('refused', message);
          break;
        }
      }
    } finally {
      this.handing = false;
    }
  }

  /** Remove and return every waiting message. */
  clear(): T[] {
    return this.messages.splice(0);
  }
}
