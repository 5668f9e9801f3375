import { performance } from 'node:perf_hooks';
import type { RequestSource } from './system-adapter';
import type { IdleSettings } from './workloads';

/** How the connections of an idle run were opened. */
export interface IdleOpened {
  /** Connections open, each after one round trip. */
  readonly connections: number;
  /** From the first connect to the last first reply. */
  readonly seconds: number;
}

/**
 * The client side of an idle-connections run (`idle-10k`), independent of the system under test:
 * opens `connections` connections through the adapter (at most `connectConcurrency` being set up
 * at a time), lets each make one round trip, and leaves them open and idle until the process
 * exits. It keeps one small object per connection (and the adapter's promise), so that what the
 * client's memory grows by is the system's connection state.
 */
export class IdleClient {
  private established = 0;
  private failure: string | undefined;
  private reported = false;
  private wakeOpener: (() => void) | undefined;

  /** @param settings - counts of the run. */
  constructor(private readonly settings: IdleSettings) {}

  /**
   * Open every connection with `connect` (the adapter's `runClient` for one connection, which
   * resolves when that connection closes). Resolves once all made their round trip; rejects when
   * one fails or ends first.
   */
  async open(connect: (source: RequestSource) => Promise<void>): Promise<IdleOpened> {
    const s = this.settings;
    const t0 = performance.now();
    for (let i = 0; i < s.connections; i++) {
      while (this.failure === undefined && i - this.established >= s.connectConcurrency) await this.opened();
      if (this.failure !== undefined) break;
      connect(new IdleConnection(this)).then(
        () => undefined,
        (e: unknown) => this.fail(`a connection's client failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    while (this.failure === undefined && this.established < s.connections) await this.opened();
    if (this.failure !== undefined) throw new Error(this.failure);
    this.reported = true;
    return { connections: this.established, seconds: (performance.now() - t0) / 1000 };
  }

  /** @internal A connection made its round trip. */
  connectionEstablished(): void {
    this.established++;
    this.wake();
  }

  /** @internal A connection failed or ended before the figures were taken (later: the run is over). */
  fail(error: string): void {
    if (this.reported || this.failure !== undefined) return;
    this.failure = error;
    this.wake();
  }

  private opened(): Promise<void> {
    return new Promise<void>((resolve) => (this.wakeOpener = resolve));
  }

  private wake(): void {
    const w = this.wakeOpener;
    this.wakeOpener = undefined;
    w?.();
  }
}

/** One idle connection: request 0, its reply, then nothing. */
class IdleConnection implements RequestSource {
  private sent = false;
  private answered = false;

  constructor(private readonly owner: IdleClient) {}

  get finished(): boolean {
    return false;
  }

  nextRequest(): number | undefined {
    if (this.sent) return undefined;
    this.sent = true;
    return 0;
  }

  onReply(n: number): void {
    if (n !== 0 || this.answered) {
      this.owner.fail(`unexpected reply n=${n} on an idle connection`);
      return;
    }
    this.answered = true;
    this.owner.connectionEstablished();
  }

  connectionEnded(why: string): void {
    this.owner.fail(`an idle connection ended (${why})`);
  }

  setWake(): void {
    // Idle: nothing is sent after the first request, so there is nothing to wake.
  }
}
