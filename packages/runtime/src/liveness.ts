import type { SchedulerLike, Subscription } from 'rxjs';
import { TimeoutError, type BaseConfig } from '@rxmsg/core';

/** Why a {@link Liveness} deadline ended a connection. */
export type LivenessExpiry = 'timeout' | 'idle-timeout' | 'handshake-timeout';

/** What a {@link Liveness} asks of the connection it watches. */
export interface LivenessHost {
  /** A deadline passed: close the connection. */
  expired(reason: LivenessExpiry, error: TimeoutError): void;
  /** Nothing was sent for a heartbeat interval: send a heartbeat. */
  ping(): void;
}

/**
 * The deadlines of one connection: the first message within `handshakeTimeoutMs`, something
 * received within the heartbeat timeout (sending a heartbeat after each quiet interval), and an
 * application message either way within `idleTimeoutMs`. Each is one timer, re-armed when it
 * fires: a connection holds at most three, however long it lives.
 */
export class Liveness {
  /** When bytes were last received (kept only with heartbeats on). */
  private lastReceived: number;
  /** When an application message was last received or queued (kept only with an idle timeout). */
  private lastActivity: number;
  private sentSinceBeat = false;
  private readonly heartbeatOn: boolean;
  private readonly idleOn: boolean;
  private handshake: Subscription | undefined;
  private heartbeat: Subscription | undefined;
  private idle: Subscription | undefined;
  private stopped = false;

  /**
   * @param host - the connection.
   * @param config - its heartbeat and idle timeout.
   * @param scheduler - clock and timers.
   * @param handshakeTimeoutMs - deadline of the first message; 0 for none.
   */
  constructor(
    private readonly host: LivenessHost,
    private readonly config: Pick<BaseConfig, 'heartbeat' | 'idleTimeoutMs'>,
    private readonly scheduler: SchedulerLike,
    private readonly handshakeTimeoutMs = 0,
  ) {
    this.lastReceived = this.lastActivity = scheduler.now();
    this.heartbeatOn = config.heartbeat !== 'none';
    this.idleOn = config.idleTimeoutMs > 0;
  }

  /**
   * Whether a connection under `config` has anything to watch: a heartbeat, an idle timeout or a
   * handshake deadline. Without any, a connection makes no `Liveness` at all.
   */
  static needed(config: Pick<BaseConfig, 'heartbeat' | 'idleTimeoutMs'>, handshakeTimeoutMs = 0): boolean {
    return config.heartbeat !== 'none' || config.idleTimeoutMs > 0 || handshakeTimeoutMs > 0;
  }

  /** Arm the timers. */
  start(): void {
    const handshake = this.handshakeTimeoutMs;
    if (handshake > 0) {
      this.handshake = this.scheduler.schedule(() => {
        this.handshake = undefined;
        this.host.expired('handshake-timeout', new TimeoutError(`no message within ${handshake} ms`));
      }, handshake);
    }
    const heartbeat = this.config.heartbeat;
    if (heartbeat !== 'none') this.armHeartbeat(heartbeat.intervalMs);
    const idle = this.config.idleTimeoutMs;
    if (idle > 0) this.armIdle(idle);
  }

  /** Bytes arrived. */
  received(): void {
    if (this.heartbeatOn) this.lastReceived = this.scheduler.now();
  }

  /** An application message arrived: the handshake deadline is met, the connection is active. */
  messageIn(): void {
    const handshake = this.handshake;
    if (handshake !== undefined) {
      this.handshake = undefined;
      handshake.unsubscribe();
    }
    if (this.idleOn) this.lastActivity = this.scheduler.now();
  }

  /** An application message was queued. */
  messageOut(): void {
    // Timestamps cost a clock read per message: taken only when a timer needs them.
    if (this.idleOn) this.lastActivity = this.scheduler.now();
    this.sentSinceBeat = true;
  }

  /** A heartbeat was queued. */
  controlOut(): void {
    this.sentSinceBeat = true;
  }

  /** Cancel every timer; idempotent. */
  stop(): void {
    this.stopped = true;
    this.handshake?.unsubscribe();
    this.heartbeat?.unsubscribe();
    this.idle?.unsubscribe();
    this.handshake = this.heartbeat = this.idle = undefined;
  }

  /** Timers held now (for tests of their bound). */
  get timers(): number {
    return (this.handshake === undefined ? 0 : 1) + (this.heartbeat === undefined ? 0 : 1) + (this.idle === undefined ? 0 : 1);
  }

  // Each timer is re-armed as a new one that replaces the fired one in its field, rather than by
  // rescheduling the fired action: a fired action is then held by nobody, on every scheduler
  // (a virtual-time action rescheduled from its own work chains the new one onto itself).

  private armHeartbeat(intervalMs: number): void {
    this.heartbeat = this.scheduler.schedule(() => this.beat(), intervalMs);
  }

  private armIdle(delayMs: number): void {
    this.idle = this.scheduler.schedule(() => this.idleCheck(), delayMs);
  }

  /** One heartbeat tick: the peer is gone, or a ping is due, or something was sent meanwhile. */
  private beat(): void {
    const heartbeat = this.config.heartbeat;
    this.heartbeat = undefined;
    if (this.stopped || heartbeat === 'none') return;
    const now = this.scheduler.now();
    if (now - this.lastReceived >= heartbeat.timeoutMs) {
      this.host.expired('timeout', new TimeoutError(`nothing received for ${now - this.lastReceived} ms`));
      return;
    }
    // Ticks come every intervalMs: nothing sent since the last one means intervalMs of silence.
    if (!this.sentSinceBeat) this.host.ping();
    // Reset after the ping: the next tick asks whether anything went out after this one.
    this.sentSinceBeat = false;
    if (!this.stopped) this.armHeartbeat(heartbeat.intervalMs);
  }

  /** The idle deadline came: close, or wait for what is left of it since the last activity. */
  private idleCheck(): void {
    const idleMs = this.config.idleTimeoutMs;
    this.idle = undefined;
    if (this.stopped) return;
    const quiet = this.scheduler.now() - this.lastActivity;
    if (quiet < idleMs) this.armIdle(idleMs - quiet);
    else this.host.expired('idle-timeout', new TimeoutError(`no message for ${quiet} ms`));
  }
}
