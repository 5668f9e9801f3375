import type { BaseConfig, Connection, Side } from '@rxmsg/core';
import type { ConnectionEvent } from './events';
import type { ByteMeter } from './outbound-queue';
import type { DataTap } from './server-event-stream';
import type { Session, SessionOptions } from './session';
import type { Router } from './session-info';
import type { Stage } from './stage';
import type { SchedulerLike } from 'rxjs';

/** What every session of one server shares: made once per server, read through by each connection's options. */
export interface ServerSessionShared<State> {
  readonly config: BaseConfig;
  readonly stages: ReadonlyMap<string, Stage<Side, State>>;
  readonly router: Router<State>;
  /** Receives every event of every connection. */
  readonly emit: (event: ConnectionEvent) => void;
  readonly handshakeTimeoutMs: number;
  readonly scheduler: SchedulerLike | undefined;
  readonly meter: ByteMeter | undefined;
  readonly dataTap: DataTap | undefined;
}

/** The listener a connection came through, as its options read it. */
export interface SessionListener<State> {
  readonly listener: { readonly address: string };
  readonly context: unknown;
  /** Forgets a session of this listener once it closed. */
  readonly onClosed: (session: Session<State>) => void;
}

/**
 * The {@link SessionOptions} of one server connection: its own id, connection and state, and
 * the rest read through from what the server and the listener share. A server keeps one per
 * connection for as long as it lives, so it holds five fields rather than a copy of every option.
 */
export class ServerSessionOptions<State> implements SessionOptions<State> {
  /**
   * @param shared - the server's part.
   * @param bound - the listener's part.
   * @param id - the connection's id.
   * @param connection - the transport's connection.
   * @param state - the connection's state (from `initialState`).
   */
  constructor(
    private readonly shared: ServerSessionShared<State>,
    private readonly bound: SessionListener<State>,
    readonly id: number,
    readonly connection: Connection,
    readonly state: State,
  ) {}

  get side(): 'server' {
    return 'server';
  }

  get listener(): string {
    return this.bound.listener.address;
  }

  get listenerContext(): unknown {
    return this.bound.context;
  }

  get config(): BaseConfig {
    return this.shared.config;
  }

  get stages(): ReadonlyMap<string, Stage<Side, State>> {
    return this.shared.stages;
  }

  get router(): Router<State> {
    return this.shared.router;
  }

  get handshakeTimeoutMs(): number {
    return this.shared.handshakeTimeoutMs;
  }

  get scheduler(): SchedulerLike | undefined {
    return this.shared.scheduler;
  }

  get meter(): ByteMeter | undefined {
    return this.shared.meter;
  }

  get dataTap(): DataTap | undefined {
    return this.shared.dataTap;
  }

  emit(event: ConnectionEvent): void {
    this.shared.emit(event);
  }

  onClosed(session: Session<State>): void {
    this.bound.onClosed(session);
  }
}
