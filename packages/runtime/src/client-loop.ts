import { Subscription, type Observable, type Observer, type SchedulerLike } from 'rxjs';
import { TransportError, toRxmsgError, type Address, type ClientConfig, type Connection, type ResumeOptions, type Transport } from '@rxmsg/core';
import type { ConnectionEnd, ConnectionLoopEvent, ConnectionLoopOptions } from './connection-loop';
import type { ClientEvent } from './events';
import { RESUME_REDIAL, resumeDialer } from './resume-dialer';

/** What a {@link ClientLoop} uses of its client. */
export interface ClientLoopHost {
  /** Use one connection until it ends. */
  run(connection: Connection): Observable<ConnectionEnd>;
  /** An event of the loop. */
  loopEvent(e: ConnectionLoopEvent<Connection>): void;
  /** A client event (of a resumption dial). */
  emit(e: ClientEvent): void;
}

/**
 * A client's connection loop as one object: the options of its `connectionLoop` (dialling and
 * running are methods, not closures) and the subscriber to it, which rxjs takes as it is (a
 * {@link Subscription} with the observer methods: no wrapper objects). A client keeps it for as
 * long as it lives, so an idle client holds this one object rather than a closure per callback.
 */
export class ClientLoop extends Subscription implements ConnectionLoopOptions<Connection>, Observer<ConnectionLoopEvent<Connection>> {
  /** The resumption dialer, when the client resumes sessions. */
  private readonly resumed: (() => Observable<Connection>) | undefined;

  /**
   * @param host - the client.
   * @param transport - dials `target`.
   * @param target - the address dialled.
   * @param address - the address as the client was given it (named by errors).
   * @param config - the client's config.
   * @param scheduler - the client's scheduler option, if any.
   * @param resume - the resumption options, if the client resumes sessions.
   * @param clock - the scheduler of the resumption dialer.
   */
  constructor(
    private readonly host: ClientLoopHost,
    private readonly transport: Transport,
    private readonly target: Address,
    readonly address: string,
    private readonly config: ClientConfig,
    readonly scheduler: SchedulerLike | undefined,
    resume: ResumeOptions | undefined,
    clock: SchedulerLike,
  ) {
    super();
    this.resumed =
      resume === undefined
        ? undefined
        : resumeDialer({
            resume,
            dial: () => this.connect(),
            handshakeTimeoutMs: config.connectTimeoutMs,
            maxFrameBytes: config.maxFrameBytes,
            redial: config.reconnect === 'none' ? RESUME_REDIAL : config.reconnect,
            scheduler: clock,
            emit: (e) => host.emit(e),
          });
  }

  get connectRetry(): ClientConfig['connectRetry'] {
    return this.config.connectRetry;
  }

  get reconnect(): ClientConfig['reconnect'] {
    return this.config.reconnect;
  }

  /** {@link ConnectionLoopOptions.dial}. */
  dial(): Observable<Connection> {
    return this.resumed === undefined ? this.connect() : this.resumed();
  }

  /** {@link ConnectionLoopOptions.run}. */
  run(connection: Connection): Observable<ConnectionEnd> {
    return this.host.run(connection);
  }

  next(e: ConnectionLoopEvent<Connection>): void {
    if (!this.closed) this.host.loopEvent(e);
  }

  error(e: unknown): void {
    // The loop reports its failures as events and does not error: were it to, the client ends with it.
    if (this.closed) return;
    this.unsubscribe();
    this.host.loopEvent({ type: 'ended', error: toRxmsgError(e, (c) => new TransportError(String(c), { cause: c })) });
  }

  complete(): void {
    this.unsubscribe();
  }

  private connect(): Observable<Connection> {
    const config = this.config;
    return this.transport.connect(this.target, { noDelay: config.noDelay, connectTimeoutMs: config.connectTimeoutMs, maxFrameBytes: config.maxFrameBytes });
  }
}
