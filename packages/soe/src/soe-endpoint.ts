/**
 * The server side of `soe://`: one bound UDP socket and the sessions behind it, keyed by the
 * sender's address. Several listeners may share it, one per application protocol.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { AcceptError, ListenerSocketError, TransportError, type Connection, type ListenerError } from '@rxmsg/core';
import { formatSoeAddress } from './soe-address';
import { SoeConnection } from './soe-connection';
import { soeCrc32 } from './soe-crc32';
import { encodeSoeDatagram, decodeSoeDatagram } from './soe-datagram';
import { SoeOpCode, isSessionContextOpCode } from './soe-op-code';
import { SoeSession } from './soe-session';
import { monotonicClock, SoeSessionDriver, type SoeClock } from './soe-session-driver';
import type { SoeSessionEnd } from './soe-session-end';
import type { ResolvedSoeTransportOptions } from './soe-transport-options';
import { RateLimit } from './rate-limit';

/** What a listener on an endpoint gives it: where its connections and its failures go. */
export interface SoeEndpointHost {
  onConnection(connection: Connection): void;
  onError(error: ListenerError): void;
}

/** Counters of one listening socket. */
export interface SoeEndpointStats {
  /** Sessions open (or negotiating) now. */
  readonly sessions: number;
  /** Of those, sessions that received no session packet with their CRC since their `SessionRequest` (the sender may not exist). */
  readonly unconfirmed: number;
  readonly datagramsReceived: number;
  /** Sessions negotiated and handed to a listener. */
  readonly opened: number;
  /** `SessionRequest`s refused by a session (version, application protocol, UDP length). */
  readonly refused: number;
  /** `SessionRequest`s dropped because `maxSessions` sessions were open. */
  readonly overCapacity: number;
  /** Unconfirmed sessions dropped to make room (`maxUnconfirmedSessions`). */
  readonly evicted: number;
  readonly unknownSenderSent: number;
  /** Datagrams from addresses without a session that got no answer (not session traffic, a malformed `SessionRequest`, or over the `UnknownSender` rate). */
  readonly droppedUnknown: number;
  readonly remapped: number;
  /** `RemapConnection`s that named no session, the wrong CRC seed, or an address in use. */
  readonly remapRejected: number;
  /** Datagrams not given to a session whose connection held `maxHeldBytes` while paused. */
  readonly droppedWhilePaused: number;
  /** `send` failures of the socket. */
  readonly sendErrors: number;
}

type MutableStats = { -readonly [K in Exclude<keyof SoeEndpointStats, 'sessions' | 'unconfirmed'>]: number };

/** One session behind the socket. */
interface Route {
  key: string;
  address: string;
  port: number;
  confirmed: boolean;
  readonly driver: SoeSessionDriver;
  connection: SoeConnection | undefined;
}

function keyOf(address: string, port: number): string {
  return `${address} ${port}`;
}

/** One bound UDP socket serving SOE sessions; see the module documentation. */
export class SoeEndpoint {
  private socket: Socket | undefined;
  private readonly hosts = new Map<string, SoeEndpointHost>();
  private readonly routes = new Map<string, Route>();
  private readonly byId = new Map<number, Route>();
  /** Unconfirmed routes, oldest first. */
  private readonly unconfirmed = new Set<Route>();
  private readonly clock: SoeClock;
  private readonly unknownSenderLimit: RateLimit;
  private readonly reportLimit: RateLimit;
  private readonly counters: MutableStats = {
    datagramsReceived: 0, opened: 0, refused: 0, overCapacity: 0, evicted: 0, unknownSenderSent: 0, droppedUnknown: 0,
    remapped: 0, remapRejected: 0, droppedWhilePaused: 0, sendErrors: 0,
  };
  private bound = false;
  private closed = false;
  /** Sends handed to the socket and not yet done: closing waits for them (a send may still wait for its address lookup). */
  private sending = 0;
  private localHost = '';
  private localPort = 0;
  private readonly closedPromise: Promise<void>;
  private resolveClosed: () => void = () => undefined;

  constructor(
    private readonly options: ResolvedSoeTransportOptions,
    /** Called once the socket closed (no listener and no session left). */
    private readonly onClosed: (endpoint: SoeEndpoint) => void,
  ) {
    this.clock = options.clock ?? monotonicClock;
    this.unknownSenderLimit = new RateLimit(options.unknownSenderPerSecond, this.clock);
    this.reportLimit = new RateLimit(10, this.clock);
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Binds the socket. Rejects with the platform error. */
  bind(host: string, port: number): Promise<void> {
    const socket = createSocket(isIPv6(host) ? { type: 'udp6', ipv6Only: false } : { type: 'udp4' });
    this.socket = socket;
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', fail);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', fail);
        this.bound = true;
        const a = socket.address();
        this.localHost = a.address;
        this.localPort = a.port;
        if (this.options.socketBufferBytes !== undefined) {
          socket.setRecvBufferSize(this.options.socketBufferBytes);
          socket.setSendBufferSize(this.options.socketBufferBytes);
        }
        socket.on('message', this.onMessage);
        socket.on('error', this.onSocketError);
        socket.on('close', () => this.resolveClosed());
        resolve();
      });
    });
  }

  /** The bound port. */
  get port(): number {
    return this.localPort;
  }

  /** The bound address. */
  get host(): string {
    return this.localHost;
  }

  /**
   * Hosts `name` on this socket.
   * @throws TransportError when it is hosted already.
   */
  addHost(name: string, host: SoeEndpointHost): void {
    if (this.hosts.has(name)) throw new TransportError(`cannot listen on ${formatSoeAddress(this.localHost, this.localPort, name)}: already listening`);
    this.hosts.set(name, host);
  }

  /** Stops hosting `name` (its open sessions go on); the socket closes once nothing is left. */
  removeHost(name: string): Promise<void> {
    this.hosts.delete(name);
    // Sessions not yet handed over belong to no one now: they end without a word.
    for (const route of [...this.routes.values()]) {
      if (route.connection === undefined && route.driver.session.applicationProtocol === name) {
        route.driver.abandon(new TransportError(`application protocol "${name}" is no longer hosted`));
      }
    }
    this.closeIfUnused();
    return this.hosts.size === 0 && this.routes.size === 0 ? this.closedPromise : Promise.resolve();
  }

  /** A snapshot of the counters. */
  stats(): SoeEndpointStats {
    return { ...this.counters, sessions: this.routes.size, unconfirmed: this.unconfirmed.size };
  }

  private readonly onMessage = (message: Buffer, remote: RemoteInfo): void => {
    this.counters.datagramsReceived += 1;
    const key = keyOf(remote.address, remote.port);
    const route = this.routes.get(key);
    const bytes = new Uint8Array(message.buffer, message.byteOffset, message.length);
    if (route !== undefined && !route.confirmed && isSessionRequest(bytes, route.driver.session.sessionId)) {
      // A new request from an address whose session never proved itself: the first request was
      // forged from this address (or its client restarted). The new one replaces it; otherwise a
      // forged request, repeated within the inactivity timeout, would keep the address's real
      // client out for good.
      route.driver.abandon(new TransportError('SOE session replaced: its address sent another SessionRequest before proving it read the response'));
    } else if (route !== undefined) {
      if (!route.confirmed && provesSession(bytes, route.driver.session.crcSeed, this.options.crcLength)) {
        route.confirmed = true;
        this.unconfirmed.delete(route);
        // Handed over before this datagram is read: it may carry the first payloads.
        if (route.connection === undefined && route.driver.session.state === 'open') this.handOver(route);
      }
      if (route.connection !== undefined && !route.connection.admits()) {
        this.counters.droppedWhilePaused += 1;
        return;
      }
      route.driver.receive(bytes);
      return;
    }
    const opCode = opCodeOf(bytes);
    if (opCode === SoeOpCode.SessionRequest) this.openSession(key, remote, bytes);
    else if (opCode === SoeOpCode.RemapConnection) this.remap(key, remote, bytes);
    else if (isSessionContextOpCode(opCode) && this.unknownSenderLimit.take() !== undefined) {
      this.counters.unknownSenderSent += 1;
      this.sendTo(UNKNOWN_SENDER, remote.address, remote.port);
    } else this.counters.droppedUnknown += 1;
  };

  private openSession(key: string, remote: RemoteInfo, request: Uint8Array): void {
    // Only a well-formed request makes a session: a session fed a malformed one would stay
    // negotiating, unseen by any listener, until its inactivity timeout (and keep the socket open after close).
    if (this.hosts.size === 0 || this.closed || !isSessionRequest(request)) {
      this.counters.droppedUnknown += 1;
      return;
    }
    if (this.routes.size >= this.options.maxSessions) {
      this.counters.overCapacity += 1;
      this.report((note) => new AcceptError(`SOE session from ${remote.address}:${remote.port} dropped: ${this.options.maxSessions} sessions are open (maxSessions)${note}`, { remoteAddress: formatSoeAddress(remote.address, remote.port) }));
      return;
    }
    if (this.unconfirmed.size >= this.options.maxUnconfirmedSessions) {
      const oldest = this.unconfirmed.values().next().value as Route;
      this.counters.evicted += 1;
      oldest.driver.abandon(new TransportError(`SOE session evicted: it received nothing since its request, and ${this.options.maxUnconfirmedSessions} such sessions are held (maxUnconfirmedSessions)`));
    }
    const session = new SoeSession({
      ...this.options.session,
      role: 'server',
      applicationProtocols: (name) => this.hosts.has(name),
      crcLength: this.options.crcLength,
      compression: this.options.compression,
    });
    // Assigned right below; the hooks run only after start().
    // eslint-disable-next-line prefer-const
    let route: Route;
    const endpoint = this;
    const driver = new SoeSessionDriver(
      session,
      {
        sendDatagram(datagram) {
          // An address that has not proved it read the SessionResponse may be forged: it gets the
          // answers to its requests (a SessionResponse, a refusal) and nothing else, so a forged
          // request is not answered later by a Heartbeat and Disconnect copies at its victim.
          if (!route.confirmed && session.params !== undefined && opCodeOf(datagram) !== SoeOpCode.SessionResponse) return;
          endpoint.sendTo(datagram, route.address, route.port);
        },
        onOpen() {
          endpoint.onOpen(route);
        },
        onPayloads(payloads) {
          route.connection?.onPayloads(payloads);
        },
        onWritable() {
          route.connection?.onWritable();
        },
        onIdle() {
          route.connection?.onIdle();
        },
        onEnded(end) {
          endpoint.onEnded(route, end);
        },
      },
      this.clock,
    );
    route = { key, address: remote.address, port: remote.port, confirmed: false, connection: undefined, driver };
    this.routes.set(key, route);
    this.unconfirmed.add(route);
    route.driver.start();
    route.driver.receive(request);
  }

  private onOpen(route: Route): void {
    const session = route.driver.session;
    const name = session.applicationProtocol ?? '';
    const host = this.hosts.get(name);
    const id = session.sessionId as number;
    const other = this.byId.get(id);
    if (host === undefined || other !== undefined) {
      // The listener left between the request and now, or another address holds this session id.
      route.driver.abandon(new TransportError(other !== undefined ? `SOE session id ${id} is in use` : `application protocol "${name}" is no longer hosted`));
      return;
    }
    this.byId.set(id, route);
    if (route.confirmed) this.handOver(route);
  }

  /**
   * Gives an open session to its listener, once the client proved it read the `SessionResponse`
   * (see {@link provesSession}): a forged source address becomes a connection only by guessing
   * the CRC (2^16 tries with the default `crcLength` 2, 2^32 with 4).
   */
  private handOver(route: Route): void {
    const session = route.driver.session;
    const name = session.applicationProtocol ?? '';
    const host = this.hosts.get(name);
    if (host === undefined) {
      route.driver.abandon(new TransportError(`application protocol "${name}" is no longer hosted`));
      return;
    }
    const connection = new SoeConnection(route.driver, {
      localAddress: formatSoeAddress(this.localHost, this.localPort, name),
      remoteAddress: formatSoeAddress(route.address, route.port),
      maxHeldBytes: this.options.maxHeldBytes,
      maxPendingBytes: this.options.maxPendingBytes,
      halfClose: this.options.halfClose,
    });
    route.connection = connection;
    this.counters.opened += 1;
    try {
      host.onConnection(connection);
    } catch (error) {
      connection.destroy();
      host.onError(new AcceptError(`SOE session from ${connection.remoteAddress} not taken over: ${String(error)}`, { cause: error, remoteAddress: connection.remoteAddress }));
    }
  }

  private onEnded(route: Route, end: SoeSessionEnd): void {
    if (this.routes.get(route.key) === route) this.routes.delete(route.key);
    this.unconfirmed.delete(route);
    const id = route.driver.session.sessionId;
    if (id !== undefined && this.byId.get(id) === route) this.byId.delete(id);
    if (route.connection !== undefined) route.connection.onEnded(end);
    else if (end.reason === 'protocol-mismatch') {
      this.counters.refused += 1;
      this.report((note) => new AcceptError(`SOE session from ${route.address}:${route.port} refused: ${end.error?.message ?? 'protocol mismatch'}${note}`, { cause: end.error, remoteAddress: formatSoeAddress(route.address, route.port) }));
    }
    this.closeIfUnused();
  }

  private remap(key: string, remote: RemoteInfo, bytes: Uint8Array): void {
    let sessionId: number;
    let crcSeed: number;
    try {
      const packet = decodeSoeDatagram(bytes);
      if (packet.kind !== 'remap-connection') throw new TransportError('not a RemapConnection');
      ({ sessionId, crcSeed } = packet);
    } catch {
      this.counters.remapRejected += 1;
      return;
    }
    const route = this.byId.get(sessionId);
    if (!this.options.remap || route === undefined || route.driver.session.crcSeed !== crcSeed || this.routes.has(key)) {
      this.counters.remapRejected += 1;
      return;
    }
    this.routes.delete(route.key);
    route.key = key;
    route.address = remote.address;
    route.port = remote.port;
    this.routes.set(key, route);
    route.connection?.remapped(formatSoeAddress(remote.address, remote.port));
    this.counters.remapped += 1;
  }

  private sendTo(datagram: Uint8Array, address: string, port: number): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.sending += 1;
    try {
      socket.send(datagram, port, address, this.onSent);
    } catch (error) {
      this.onSent(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private readonly onSent = (error: Error | null): void => {
    this.sending -= 1;
    if (this.sending === 0 && this.closed) this.closeSocket();
    if (error === null) return;
    this.counters.sendErrors += 1;
    this.report((note) => new ListenerSocketError(`SOE datagram not sent: ${error.message}${note}`, { cause: error }));
  };

  private readonly onSocketError = (error: Error): void => {
    this.report((note) => new ListenerSocketError(`SOE socket on ${this.localHost}:${this.localPort} failed: ${error.message}${note}`, { cause: error }));
  };

  /** Reports to every listener, at most 10 a second (a flood of refusals is one report a tenth of a second, counting the rest). */
  private report(make: (note: string) => ListenerError): void {
    const skipped = this.reportLimit.take();
    if (skipped === undefined) return;
    const error = make(skipped === 0 ? '' : ` (${skipped} more failures not reported in the last second)`);
    for (const host of [...this.hosts.values()]) host.onError(error);
  }

  private closeIfUnused(): void {
    if (this.closed || this.hosts.size > 0 || this.routes.size > 0) return;
    this.closed = true;
    this.onClosed(this);
    // The last datagrams (a session's final Disconnect) go out before the socket closes.
    if (this.sending === 0) this.closeSocket();
  }

  private closeSocket(): void {
    if (this.bound && this.socket !== undefined) {
      const socket = this.socket;
      this.socket = undefined;
      socket.close();
    } else this.resolveClosed();
  }
}

/**
 * Whether `bytes` show that their sender read the session's `SessionResponse`: a session-context
 * packet whose CRC matches the session's seed (any one when the session has no CRC). A forged
 * source address can send anything else, a repeated request included.
 */
function provesSession(bytes: Uint8Array, crcSeed: number | undefined, crcLength: number): boolean {
  if (bytes.length < 2 || !isSessionContextOpCode((bytes[0] as number) * 256 + (bytes[1] as number))) return false;
  if (crcLength === 0) return true;
  const end = bytes.length - crcLength;
  if (crcSeed === undefined || end < 2) return false;
  const crc = soeCrc32(bytes, crcSeed, 0, end);
  for (let i = 0; i < crcLength; i++) if (bytes[end + i] !== ((crc >>> (8 * (crcLength - 1 - i))) & 0xff)) return false;
  return true;
}

/** The op code of a datagram, -1 when it is shorter than one. */
function opCodeOf(bytes: Uint8Array): number {
  return bytes.length >= 2 ? (bytes[0] as number) * 256 + (bytes[1] as number) : -1;
}

/**
 * Whether `bytes` decode as a `SessionRequest` (any field values: the session judges those),
 * with a session id other than `otherThan` when given.
 */
function isSessionRequest(bytes: Uint8Array, otherThan?: number): boolean {
  if (opCodeOf(bytes) !== SoeOpCode.SessionRequest) return false;
  try {
    const packet = decodeSoeDatagram(bytes);
    return packet.kind === 'session-request' && (otherThan === undefined || packet.sessionId !== otherThan);
  } catch {
    return false;
  }
}

/** `UnknownSender`: two bytes, never more than what it answers. */
const UNKNOWN_SENDER = encodeSoeDatagram({ kind: 'unknown-sender' });
