/**
 * Helpers of the `soe://` transport tests over real loopback UDP sockets: a listener that collects
 * its connections and errors, a recorder of one connection's events, raw datagram sockets, and a
 * cleanup that closes everything a test opened.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { firstValueFrom } from 'rxjs';
import { parseAddress, type Connection, type Listener, type ListenerError, type RxmsgError } from '@rxmsg/core';
import { eventually } from '@rxmsg/test-utils';
import { SoeConnection } from '../../src/soe-connection';
import type { SoeTransport } from '../../src/soe-transport';

const decoder = new TextDecoder();

/** The events of one connection, in order, as a test reads them. */
export class Recorder {
  /** The payloads delivered, in order. */
  readonly payloads: Uint8Array[] = [];
  /** `data`, `end`, `drain`, `close` in the order they came. */
  readonly events: string[] = [];
  /** How many times `onClose` was called (must end at 1). */
  closeCount = 0;
  /** The error `onClose` was called with. */
  closeError: RxmsgError | undefined;
  /** Resolves with `onClose`'s error. */
  readonly closed: Promise<RxmsgError | undefined>;

  constructor(
    readonly connection: Connection,
    hooks: { readonly onEnd?: (r: Recorder) => void; readonly onData?: (r: Recorder, chunk: Uint8Array) => void } = {},
  ) {
    this.closed = new Promise((resolve) => {
      connection.start({
        onData: (chunk) => {
          this.payloads.push(chunk);
          this.events.push('data');
          hooks.onData?.(this, chunk);
        },
        onEnd: () => {
          this.events.push('end');
          hooks.onEnd?.(this);
        },
        onDrain: () => {
          this.events.push('drain');
        },
        onClose: (error) => {
          this.closeCount += 1;
          this.closeError = error;
          this.events.push('close');
          resolve(error);
        },
      });
    });
  }

  /** The payloads as text. */
  texts(): string[] {
    return this.payloads.map((p) => decoder.decode(p));
  }

  /** Whether `onEnd` was called. */
  get ended(): boolean {
    return this.events.includes('end');
  }

  /** Whether `onClose` was called. */
  get isClosed(): boolean {
    return this.closeCount > 0;
  }
}

/** A listener and what it received. */
export interface TestServer {
  readonly listener: Listener;
  /** The bound address, `soe://127.0.0.1:port/name`. */
  readonly address: string;
  readonly port: number;
  /** Connections accepted, in order (none started). */
  readonly connections: Connection[];
  /** Failures reported to the listener's `onError`. */
  readonly errors: ListenerError[];
  /** The `index`-th connection accepted, once it is. */
  connection(index: number): Promise<Connection>;
}

/** Listens on `soe://127.0.0.1:port/name` (port 0: any) with `transport`. */
export async function listenSoe(transport: SoeTransport, name: string, port = 0): Promise<TestServer> {
  const connections: Connection[] = [];
  const errors: ListenerError[] = [];
  const listener = await transport.listen(parseAddress(`soe://127.0.0.1:${port}/${name}`), (c) => connections.push(c), {
    noDelay: true,
    onError: (e) => errors.push(e),
  });
  const bound = parseAddress(listener.address);
  if (bound.kind !== 'inet') throw new Error(`not an inet address: ${listener.address}`);
  return {
    listener,
    address: listener.address,
    port: bound.port,
    connections,
    errors,
    async connection(index) {
      await eventually(() => connections.length > index, 10_000, `server connection ${index}`);
      return connections[index] as Connection;
    },
  };
}

/** One `connect` of `transport` to `address`. */
export function connectSoe(transport: SoeTransport, address: string, connectTimeoutMs?: number): Promise<Connection> {
  return firstValueFrom(transport.connect(parseAddress(address), connectTimeoutMs === undefined ? { noDelay: true } : { noDelay: true, connectTimeoutMs }));
}

/** `connection` as the {@link SoeConnection} the transport made. */
export function asSoe(connection: Connection): SoeConnection {
  if (!(connection instanceof SoeConnection)) throw new Error('not an SoeConnection');
  return connection;
}

/** A raw UDP socket on 127.0.0.1 that records what it receives. */
export class RawUdp {
  readonly received: { readonly data: Buffer; readonly from: RemoteInfo }[] = [];
  private readonly socket: Socket = createSocket('udp4');
  private closing: Promise<void> | undefined;

  private constructor() {
    this.socket.on('message', (data, from) => this.received.push({ data, from }));
    // ICMP errors (a port with nobody on it) are part of the test network.
    this.socket.on('error', () => undefined);
  }

  /** A bound raw socket. */
  static async open(): Promise<RawUdp> {
    const raw = new RawUdp();
    await new Promise<void>((resolve) => raw.socket.bind({ port: 0, address: '127.0.0.1' }, () => resolve()));
    return raw;
  }

  /** The bound port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** Sends one datagram to `127.0.0.1:port`; resolves once handed to the kernel. */
  send(bytes: Uint8Array, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(bytes, port, '127.0.0.1', (error) => (error === null ? resolve() : reject(error))));
  }

  /** Closes the socket (idempotent). */
  close(): Promise<void> {
    return (this.closing ??= new Promise((resolve) => this.socket.close(() => resolve())));
  }
}

/** What a test opened, closed by {@link Cleanup.run}. */
export class Cleanup {
  private readonly steps: (() => Promise<void> | void)[] = [];

  /** Run `step` at cleanup (last added, first run). */
  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  /** Destroy `connection` at cleanup. */
  connection<C extends Connection>(connection: C): C {
    this.add(() => connection.destroy());
    return connection;
  }

  /** Runs every step, newest first; the first failure is thrown after all ran. */
  async run(): Promise<void> {
    let failure: unknown;
    while (this.steps.length > 0) {
      const step = this.steps.pop() as () => Promise<void> | void;
      try {
        await step();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

/** Destroys every connection of `server`, closes its listener, and waits for its socket to close (no session left). */
export async function closeServer(transport: SoeTransport, server: TestServer): Promise<void> {
  for (const c of server.connections) c.destroy();
  await server.listener.close();
  await eventually(() => transport.endpointStats('127.0.0.1', server.port) === undefined, 10_000, 'the endpoint to close');
}
