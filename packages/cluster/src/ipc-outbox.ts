/** Default of `IpcOutboxOptions.maxInFlight` (and of `runCluster`'s `ipc.maxInFlight`). */
export const DEFAULT_MAX_IPC_IN_FLIGHT = 4096;

/**
 * The sending half of an IPC channel, as Node offers it on `process` (in a worker) and on a
 * cluster `Worker` (in the primary): `send` with a callback called once the message left (was
 * written to the channel), or with the error that stopped it.
 */
export interface IpcPort {
  send(message: unknown, callback: (error: Error | null) => void): boolean;
}

/** Options of an {@link IpcOutbox}. */
export interface IpcOutboxOptions {
  /** Messages sent and not yet written to the channel, at most; past it a send is dropped. */
  readonly maxInFlight?: number;
  /** Called for each dropped message (refused by the bound, or failed by the channel). */
  readonly onDrop: () => void;
}

/**
 * A bounded sender over an {@link IpcPort}. Node's `send` never refuses a message: when the
 * other process does not read (a blocked event loop), each message waits in this process's
 * memory. The outbox counts messages from `send` until its callback says they left, and past
 * `maxInFlight` drops the new ones (and counts them) instead of queueing: memory held for a
 * stuck peer is bounded by `maxInFlight` messages.
 */
export class IpcOutbox {
  /** Messages handed to the port and not yet written. */
  get inFlight(): number {
    return this.pending;
  }

  /** Messages dropped so far. */
  dropped = 0;
  private pending = 0;
  private readonly limit: number;
  private readonly onDrop: () => void;
  private readonly sent = (error: Error | null): void => {
    this.pending--;
    if (error !== null) this.drop();
  };

  constructor(
    private readonly port: IpcPort,
    options: IpcOutboxOptions,
  ) {
    this.limit = options.maxInFlight ?? DEFAULT_MAX_IPC_IN_FLIGHT;
    this.onDrop = options.onDrop;
  }

  /** Send `message`. @returns `false` when it was dropped (bound reached, or the channel is closed). */
  send(message: unknown): boolean {
    if (this.pending >= this.limit) {
      this.drop();
      return false;
    }
    this.pending++;
    try {
      this.port.send(message, this.sent);
    } catch {
      // A closed channel may throw at once rather than through the callback.
      this.pending--;
      this.drop();
      return false;
    }
    return true;
  }

  private drop(): void {
    this.dropped++;
    this.onDrop();
  }
}
