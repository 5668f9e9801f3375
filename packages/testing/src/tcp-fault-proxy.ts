import { createServer, connect, type Server, type Socket } from 'node:net';

/** Options of {@link tcpFaultProxy}. */
export interface TcpFaultProxyOptions {
  /** Where connections are forwarded to. */
  readonly targetPort: number;
  readonly targetHost?: string;
  /**
   * For the `index`-th connection (from 0): after how many bytes forwarded (both directions together)
   * both of its sockets are destroyed, or `undefined` to leave it alone.
   */
  readonly killAfter: (index: number) => number | undefined;
}

/** A running {@link tcpFaultProxy}. */
export interface TcpFaultProxy {
  /** `tcp://127.0.0.1:port` of the proxy. */
  readonly address: string;
  /** Connections killed so far. */
  readonly kills: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Destroy every connection now (a kill each) without closing the proxy. */
  killAll(): void;
  /** While `true`, new connections are destroyed as soon as accepted (the network is down). */
  blocked: boolean;
  /** Forward new connections to this port from now on (a server restarted elsewhere). */
  targetPort: number;
  /**
   * While `true`, nothing is read from the target on any connection (a client that stops reading:
   * the target's socket fills, then its writes wait); setting it back to `false` resumes them.
   */
  stalled: boolean;
  /** Destroy every connection and stop listening. */
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 that forwards to a target and destroys a connection (both its sockets, as a
 * network failure would) once it forwarded the number of bytes `killAfter` chose for it: with
 * {@link seededRandom}, a reproducible series of faults at arbitrary points of an exchange (inside
 * handshakes and frames alike).
 *
 * @example
 * ```ts
 * const random = seededRandom(7);
 * const proxy = await tcpFaultProxy({ targetPort, killAfter: (i) => (i < 20 ? 1 + Math.floor(random() * 30_000) : undefined) });
 * ```
 */
export async function tcpFaultProxy(options: TcpFaultProxyOptions): Promise<TcpFaultProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let kills = 0;
  let connections = 0;
  const kill = (pair: [Socket, Socket]): void => {
    if (!pairs.delete(pair)) return;
    kills++;
    pair[0].destroy();
    pair[1].destroy();
  };
  const state = { blocked: false, stalled: false, targetPort: options.targetPort };
  const server: Server = createServer({ allowHalfOpen: true }, (downstream) => {
    if (state.blocked) {
      downstream.on('error', () => {});
      downstream.destroy();
      return;
    }
    const limit = options.killAfter(connections++);
    const upstream = connect({ port: state.targetPort, host: options.targetHost ?? '127.0.0.1', allowHalfOpen: true });
    const pair: [Socket, Socket] = [downstream, upstream];
    pairs.add(pair);
    let forwarded = 0;
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (!pairs.has(pair)) return;
        if (limit !== undefined && forwarded + chunk.length >= limit) {
          // Forward the bytes before the kill point, then fail: the cut falls inside whatever this chunk held.
          const keep = limit - forwarded;
          forwarded = limit;
          if (keep > 0) to.write(chunk.subarray(0, keep));
          kill(pair);
          return;
        }
        forwarded += chunk.length;
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => {
            if (!(state.stalled && from === upstream)) from.resume();
          });
        }
      });
      from.on('end', () => to.end());
      from.on('error', () => kill(pair));
      from.on('close', () => {
        if (pairs.delete(pair)) to.destroy();
      });
    };
    forward(downstream, upstream);
    forward(upstream, downstream);
    if (state.stalled) upstream.pause();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const killAll = (): void => {
    for (const pair of [...pairs]) kill(pair);
  };
  return {
    address: `tcp://127.0.0.1:${port}`,
    get kills() {
      return kills;
    },
    get connections() {
      return connections;
    },
    killAll,
    get blocked() {
      return state.blocked;
    },
    set blocked(on: boolean) {
      state.blocked = on;
    },
    get stalled() {
      return state.stalled;
    },
    set stalled(on: boolean) {
      state.stalled = on;
      for (const [, upstream] of pairs) {
        if (on) upstream.pause();
        else upstream.resume();
      }
    },
    get targetPort() {
      return state.targetPort;
    },
    set targetPort(port: number) {
      state.targetPort = port;
    },
    close: async () => {
      killAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
