/** What a {@link DisconnectedQueue} hands its messages to: the peer of a connection's current stage. */
export interface QueueTarget<T> {
  /** The name of the stage (the `protocol` of its peer and events). */
  readonly protocol: string;
  /** Queue a message on the connection; `false` when refused. */
  send(message: T): boolean;
}

/** A waiting message and the stages that may carry it (`undefined`: any). */
interface Waiting<T> {
  readonly message: T;
  readonly stages: readonly string[] | undefined;
}

/**
 * The messages a client's `send()` keeps until a stage can carry them: while it is not connected
 * (`whileDisconnected: 'queue'`), and, on a composite client, while the current stage's protocol
 * is not theirs. At most `limit` in all, oldest first. Each message waits for one of the stages
 * named with it (`undefined`: whichever stage comes first); a stage takes, in order, every message
 * meant for it, and the others keep waiting (so messages for one protocol keep their order).
 */
export class DisconnectedQueue<T> {
  private waiting: Waiting<T>[] = [];
  /** Messages held, those of a flush in progress included. */
  private count = 0;
  private handing = false;
  /** The target the last flush handed everything it could take to: nothing waiting is for it. */
  private clean: QueueTarget<T> | undefined;

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
    return this.count;
  }

  /** `true` while {@link flush} is handing messages over (a message sent meanwhile must queue behind them). */
  get flushing(): boolean {
    return this.handing;
  }

  /**
   * Queue `message`.
   * @param stages - the names of the stages that may carry it; `undefined` for any.
   * @returns `false` (and `onDrop('queue-full')`) when `limit` messages are waiting.
   */
  offer(message: T, stages: readonly string[] | undefined): boolean {
    if (this.count >= this.limit) {
      this.onDrop('queue-full', message);
      return false;
    }
    const clean = this.clean;
    if (clean !== undefined && (stages === undefined || stages.includes(clean.protocol))) this.clean = undefined;
    this.waiting.push({ message, stages });
    this.count++;
    return true;
  }

  /**
   * Hand `target`, in order, every message meant for its stage, while `live()` holds; the others
   * keep waiting. The first message `target` refuses is dropped (`onDrop('refused')`) and the rest
   * wait for the next target. Messages offered during the flush (from a handler it triggers) go out in turn.
   */
  flush(target: QueueTarget<T>, live: () => boolean): void {
    if (this.handing || this.count === 0 || this.clean === target) return;
    this.handing = true;
    const kept: Waiting<T>[] = [];
    let batch: Waiting<T>[] = [];
    let i = 0;
    let complete = false;
    try {
      for (;;) {
        batch = this.waiting;
        this.waiting = [];
        for (i = 0; i < batch.length; i++) {
          if (!live()) return;
          const w = batch[i]!;
          if (w.stages !== undefined && !w.stages.includes(target.protocol)) {
            kept.push(w);
            continue;
          }
          const sent = target.send(w.message);
          this.count--;
          if (!sent) {
            i++;
            this.onDrop('refused', w.message);
            return;
          }
        }
        if (this.waiting.length === 0) break;
      }
      complete = true;
    } finally {
      // What was not looked at, then what was offered meanwhile, behind what was kept.
      for (; i < batch.length; i++) kept.push(batch[i]!);
      this.waiting = kept.length === 0 ? this.waiting : kept.concat(this.waiting);
      this.clean = complete ? target : undefined;
      this.handing = false;
    }
  }

  /** Remove and return every waiting message. */
  clear(): T[] {
    const all = this.waiting.map((w) => w.message);
    this.waiting = [];
    this.count = 0;
    this.clean = undefined;
    return all;
  }
}
