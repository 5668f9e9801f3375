import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { ConfigError } from '@rxmsg/core';
import { seededRandom } from '@rxmsg/testing';

/** The direction of a datagram through the proxy: from a client to upstream, or from upstream back to a client. */
export type UdpDirection = 'toUpstream' | 'toClient';

/** The faults injected in one direction. Rates are probabilities in [0, 1], drawn per datagram. */
export interface UdpFaults {
  /** Rate of datagrams dropped. Default 0. */
  readonly drop?: number;
  /** Rate of datagrams sent twice. Default 0. */
  readonly duplicate?: number;
  /**
   * Rate of datagrams held back and released after the next one of the same client and direction
   * is sent (or scheduled, when delayed), or after {@link reorderHoldMs}. One datagram per client
   * and direction is held at a time: a datagram to hold releases the one held before. Default 0.
   */
  readonly reorder?: number;
  /** How long a held datagram waits at most for a next one, in ms. Default 50. */
  readonly reorderHoldMs?: number;
  /** Rate of datagrams delayed by {@link delayMs} plus up to {@link jitterMs}. Default 0. */
  readonly delay?: number;
  /** Fixed part of a delay, in ms. Default 20. */
  readonly delayMs?: number;
  /** Random part of a delay (uniform in [0, jitterMs)), in ms. Default 0. */
  readonly jitterMs?: number;
  /** Rate of datagrams with one byte flipped (all its bits). Default 0. */
  readonly corrupt?: number;
  /** Datagrams longer than this many bytes are dropped. Default: no limit. */
  readonly mtu?: number;
}

/** Options of {@link udpFaultProxy}. */
export interface UdpFaultProxyOptions {
  /** Where datagrams from clients go. `host` defaults to 127.0.0.1. */
  readonly upstream: { readonly port: number; readonly host?: string };
  /** Port the proxy listens on, on 127.0.0.1. Default 0: any free port. */
  readonly port?: number;
  /** Seed of the random source (a 32-bit integer). Default 1. */
  readonly seed?: number;
  /** Faults in both directions. Default none. */
  readonly faults?: UdpFaults;
  /** Faults from clients to upstream; replaces {@link faults} for that direction. */
  readonly toUpstream?: UdpFaults;
  /** Faults from upstream to clients; replaces {@link faults} for that direction. */
  readonly toClient?: UdpFaults;
  /** Most client mappings at once; a new client evicts the least recently active. Default 64. */
  readonly maxClients?: number;
  /** Most datagrams held (reorder) or delayed at once, both directions together. Default 1024. */
  readonly maxHeld?: number;
  /** A mapping without a datagram either way for this long is closed, in ms. Default 30000. */
  readonly idleMs?: number;
  /** Entries kept in the decisions log (the most recent). Default 10000. */
  readonly decisionLogLimit?: number;
}

/** Counts of one direction. A duplicated datagram counts once in `received` and twice in `forwarded`. */
export interface UdpFaultCounters {
  /** Datagrams that arrived at the proxy. */
  received: number;
  /** Datagrams sent on (copies included). */
  forwarded: number;
  /** Datagrams not sent on, for any reason (rate, MTU, overflow, mapping gone). */
  dropped: number;
  /** Of the dropped, those over the MTU. */
  oversized: number;
  /** Of the dropped, those beyond the bound of held and delayed datagrams. */
  overflowed: number;
  /** Datagrams sent twice. */
  duplicated: number;
  /** Datagrams held back for reordering. */
  reordered: number;
  /** Datagrams delayed. */
  delayed: number;
  /** Datagrams with a byte flipped. */
  corrupted: number;
}

/** What the proxy decided for one datagram. */
export interface UdpFaultDecision {
  readonly direction: UdpDirection;
  /** Index of the datagram among those received in its direction, from 0. */
  readonly index: number;
  readonly size: number;
  /** Dropped by rate or MTU (not for lack of room or a closed mapping, which depend on timing). */
  readonly dropped: boolean;
  readonly oversized: boolean;
  readonly duplicated: boolean;
  readonly reordered: boolean;
  readonly delayed: boolean;
  readonly corrupted: boolean;
}

/** A client's source address, as the proxy sees it. */
export interface UdpClientAddress {
  readonly address: string;
  readonly port: number;
}

/** A running proxy: see {@link udpFaultProxy}. */
export interface UdpFaultProxy {
  /** Where clients send to (127.0.0.1 and the proxy's port). */
  readonly address: UdpClientAddress;
  /** Replace the faults of one direction, or of both; applies to the next datagrams. */
  setFaults(faults: UdpFaults, direction?: UdpDirection | 'both'): void;
  /** A snapshot of the counters of both directions. */
  counters(): { readonly toUpstream: UdpFaultCounters; readonly toClient: UdpFaultCounters };
  /** The recent decisions (see {@link UdpFaultProxyOptions.decisionLogLimit}), optionally of one direction, oldest first. */
  decisions(direction?: UdpDirection): UdpFaultDecision[];
  /** Number of client mappings open. */
  readonly clientCount: number;
  /**
   * Simulate a NAT rebinding of `client`: its mapping gets a new upstream socket (a new source port
   * seen upstream), the old one is closed. False if the proxy has no mapping for that client.
   */
  rebind(client: UdpClientAddress): boolean;
  /** Close every socket and clear every timer; resolves when all sockets are closed. Idempotent. */
  close(): Promise<void>;
}

const DEFAULTS = { reorderHoldMs: 50, delayMs: 20, maxClients: 64, maxHeld: 1024, idleMs: 30_000, decisionLogLimit: 10_000 };
const DIRECTIONS: readonly UdpDirection[] = ['toUpstream', 'toClient'];
const LOOPBACK = '127.0.0.1';


function validateFaults(faults: UdpFaults, field: string): UdpFaults {
  const problems: string[] = [];
  for (const key of ['drop', 'duplicate', 'reorder', 'delay', 'corrupt'] as const) {
    const v = faults[key];
    if (v !== undefined && !(v >= 0 && v <= 1)) problems.push(`${key} must be a rate in [0, 1], got ${String(v)}`);
  }
  for (const key of ['reorderHoldMs', 'delayMs', 'jitterMs'] as const) {
    const v = faults[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 60_000)) problems.push(`${key} must be in [0, 60000] ms, got ${String(v)}`);
  }
  if (faults.mtu !== undefined && !(Number.isInteger(faults.mtu) && faults.mtu >= 1)) problems.push(`mtu must be a positive integer, got ${String(faults.mtu)}`);
  if (problems.length > 0) throw new ConfigError(field, problems);
  return { ...faults };
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= 1)) throw new ConfigError(field, [`must be a positive integer, got ${String(value)}`]);
  return value;
}

function zeroCounters(): UdpFaultCounters {
  return { received: 0, forwarded: 0, dropped: 0, oversized: 0, overflowed: 0, duplicated: 0, reordered: 0, delayed: 0, corrupted: 0 };
}

/** One client's mapping: its address and the socket its datagrams leave from. */
interface Mapping {
  readonly key: string;
  readonly client: UdpClientAddress;
  socket: Socket;
  lastActive: number;
  closed: boolean;
  /** The datagram held for reordering, per direction. */
  readonly held: Map<UdpDirection, Pending>;
}

/** A datagram waiting on a timer (held or delayed). */
interface Pending {
  readonly timer: NodeJS.Timeout;
  readonly release: () => void;
}

/**
 * A fault-injecting UDP proxy on loopback, for tests of datagram transports (SOE) over real sockets.
 *
 * Clients send to {@link UdpFaultProxy.address}; the proxy relays each datagram to one upstream
 * address out of a socket of its own per client source address (like a NAT, so the upstream server
 * sees one distinct peer per client) and relays the replies back to that client. On the way, in each
 * direction, it drops, duplicates, reorders, delays and corrupts datagrams at the configured rates,
 * and drops datagrams larger than an MTU. Every choice comes from a random source seeded with
 * {@link UdpFaultProxyOptions.seed}, one stream per direction, drawing the same number of values for
 * every datagram: for the same seed and the same datagrams arriving in the same order in a
 * direction, the proxy makes the same decisions ({@link UdpFaultProxy.decisions}), whatever the
 * timings. Counters per direction tell a test how many datagrams were received, forwarded, dropped
 * and so on, so that it can wait for a count instead of sleeping. {@link UdpFaultProxy.rebind}
 * simulates a NAT rebinding: the client's next datagrams leave from a new port.
 *
 * Everything is bounded: at most {@link UdpFaultProxyOptions.maxClients} client mappings (the least
 * recently active is evicted), at most {@link UdpFaultProxyOptions.maxHeld} datagrams held or delayed
 * at once (beyond, a datagram is dropped and counted as `overflowed`), idle mappings expire after
 * {@link UdpFaultProxyOptions.idleMs}, and the decisions log keeps the last
 * {@link UdpFaultProxyOptions.decisionLogLimit} entries. {@link UdpFaultProxy.close} closes every
 * socket and clears every timer.
 *
 * Resolves once the proxy's socket is bound.
 *
 * @throws ConfigError when an option is out of range.
 *
 * @example
 * ```ts
 * const proxy = await udpFaultProxy({ upstream: { port: server.address().port }, seed: 7, faults: { drop: 0.1 } });
 * client.send(bytes, proxy.address.port, proxy.address.address);
 * await eventually(() => proxy.counters().toClient.forwarded >= 1);
 * proxy.setFaults({ drop: 0.05, reorder: 0.1 }, 'toUpstream');
 * await proxy.close();
 * ```
 */
export async function udpFaultProxy(options: UdpFaultProxyOptions): Promise<UdpFaultProxy> {
  const upstreamHost = options.upstream.host ?? LOOPBACK;
  const upstreamPort = options.upstream.port;
  if (!(Number.isInteger(upstreamPort) && upstreamPort >= 1 && upstreamPort <= 65535)) throw new ConfigError('upstream.port', [`must be a port number, got ${String(upstreamPort)}`]);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new ConfigError('seed', [`must be an integer, got ${String(seed)}`]);
  const maxClients = positiveInteger(options.maxClients, DEFAULTS.maxClients, 'maxClients');
  const maxHeld = positiveInteger(options.maxHeld, DEFAULTS.maxHeld, 'maxHeld');
  const idleMs = positiveInteger(options.idleMs, DEFAULTS.idleMs, 'idleMs');
  const logLimit = positiveInteger(options.decisionLogLimit, DEFAULTS.decisionLogLimit, 'decisionLogLimit');
  const both = validateFaults(options.faults ?? {}, 'faults');
  const faults: Record<UdpDirection, UdpFaults> = {
    toUpstream: options.toUpstream === undefined ? both : validateFaults(options.toUpstream, 'toUpstream'),
    toClient: options.toClient === undefined ? both : validateFaults(options.toClient, 'toClient'),
  };
  // One stream per direction, so that the interleaving of the two directions does not change the decisions.
  const random: Record<UdpDirection, () => number> = { toUpstream: seededRandom(seed), toClient: seededRandom(seed ^ 0x5bd1e995) };
  const counters: Record<UdpDirection, UdpFaultCounters> = { toUpstream: zeroCounters(), toClient: zeroCounters() };
  let log: UdpFaultDecision[] = [];
  /** Mappings by client key, least recently active first. */
  const mappings = new Map<string, Mapping>();
  /** Every datagram on a timer, both directions. */
  const pending = new Set<Pending>();
  /** Close promises of every socket opened and not yet closed. */
  const closing = new Set<Promise<void>>();
  let closed = false;

  function openSocket(onMessage: (msg: Buffer, from: RemoteInfo) => void): Socket {
    const socket = createSocket('udp4');
    const done = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    closing.add(done);
    void done.then(() => closing.delete(done));
    // Errors of a relay socket (an unreachable port reported by ICMP, a send after close) are part of the simulated network: ignored.
    socket.on('error', () => undefined);
    socket.on('message', onMessage);
    return socket;
  }

  function closeSocket(socket: Socket): void {
    try {
      socket.close();
    } catch {
      // Already closed.
    }
  }

  function send(socket: Socket, data: Buffer, port: number, host: string): boolean {
    try {
      socket.send(data, port, host);
      return true;
    } catch {
      return false; // The socket was closed meanwhile (mapping evicted or rebound).
    }
  }

  const main = openSocket((msg, from) => {
    const key = `${from.address}:${from.port}`;
    let mapping = mappings.get(key);
    if (mapping === undefined) mapping = openMapping(key, { address: from.address, port: from.port });
    else {
      mappings.delete(key);
      mappings.set(key, mapping);
    }
    mapping.lastActive = Date.now();
    relay(mapping, 'toUpstream', msg);
  });

  function upstreamSocket(mapping: Mapping): Socket {
    const socket = openSocket((msg, from) => {
      if (from.port !== upstreamPort || mapping.closed || mapping.socket !== socket) return;
      mapping.lastActive = Date.now();
      relay(mapping, 'toClient', msg);
    });
    // Sends issued while binding are queued by node:dgram until the bind completes.
    socket.bind({ port: 0, address: LOOPBACK });
    return socket;
  }

  function openMapping(key: string, client: UdpClientAddress): Mapping {
    while (mappings.size >= maxClients) {
      const oldest = mappings.values().next().value;
      if (oldest === undefined) break;
      closeMapping(oldest);
    }
    const mapping: Mapping = { key, client, socket: main, lastActive: Date.now(), closed: false, held: new Map() };
    mapping.socket = upstreamSocket(mapping);
    mappings.set(key, mapping);
    return mapping;
  }

  function closeMapping(mapping: Mapping): void {
    mapping.closed = true;
    mappings.delete(mapping.key);
    closeSocket(mapping.socket);
    // Held datagrams are released (and found undeliverable, then counted as dropped) by their own timers.
  }

  /** Send `data` on in `direction`; false if the mapping is gone. */
  function deliver(mapping: Mapping, direction: UdpDirection, data: Buffer): boolean {
    if (closed) return false;
    if (direction === 'toClient') return send(main, data, mapping.client.port, mapping.client.address);
    if (mapping.closed) return false;
    return send(mapping.socket, data, upstreamPort, upstreamHost);
  }

  function forward(mapping: Mapping, direction: UdpDirection, data: Buffer, copies: number): void {
    const c = counters[direction];
    for (let i = 0; i < copies; i++) {
      if (deliver(mapping, direction, data)) c.forwarded++;
      else c.dropped++;
    }
  }

  /** Run `release` after `ms`, unless the bound of waiting datagrams is reached (then false). */
  function later(ms: number, release: () => void): Pending | undefined {
    if (pending.size >= maxHeld) return undefined;
    const entry: Pending = {
      timer: setTimeout(() => {
        pending.delete(entry);
        release();
      }, ms),
      release,
    };
    pending.add(entry);
    return entry;
  }

  /** Release the datagram held for reordering in `direction` now, if any. */
  function releaseHeld(mapping: Mapping, direction: UdpDirection): void {
    const held = mapping.held.get(direction);
    if (held === undefined) return;
    mapping.held.delete(direction);
    clearTimeout(held.timer);
    pending.delete(held);
    held.release();
  }

  function relay(mapping: Mapping, direction: UdpDirection, msg: Buffer): void {
    const f = faults[direction];
    const c = counters[direction];
    const r = random[direction];
    const index = c.received++;
    // The same number of draws for every datagram keeps the streams aligned whatever is decided.
    const dropDraw = r();
    const duplicateDraw = r();
    const reorderDraw = r();
    const delayDraw = r();
    const jitterDraw = r();
    const corruptDraw = r();
    const corruptAt = r();
    const oversized = f.mtu !== undefined && msg.length > f.mtu;
    const dropped = oversized || dropDraw < (f.drop ?? 0);
    const duplicated = !dropped && duplicateDraw < (f.duplicate ?? 0);
    const corrupted = !dropped && msg.length > 0 && corruptDraw < (f.corrupt ?? 0);
    const delayed = !dropped && delayDraw < (f.delay ?? 0);
    const reordered = !dropped && reorderDraw < (f.reorder ?? 0);
    log.push({ direction, index, size: msg.length, dropped, oversized, duplicated, reordered, delayed, corrupted });
    if (log.length >= 2 * logLimit) log = log.slice(-logLimit);
    if (dropped) {
      c.dropped++;
      if (oversized) c.oversized++;
      return;
    }
    let data = msg;
    if (corrupted) {
      data = Buffer.from(msg);
      const at = Math.floor(corruptAt * data.length);
      data[at] = (data[at] ?? 0) ^ 0xff;
      c.corrupted++;
    }
    const copies = duplicated ? 2 : 1;
    if (duplicated) c.duplicated++;
    const overflow = (): void => {
      c.dropped += copies;
      c.overflowed += copies;
    };
    if (reordered) {
      // One datagram per client and direction is held at a time: the one held before goes out now.
      releaseHeld(mapping, direction);
      const entry = later(f.reorderHoldMs ?? DEFAULTS.reorderHoldMs, () => {
        mapping.held.delete(direction);
        forward(mapping, direction, data, copies);
      });
      if (entry === undefined) return overflow();
      c.reordered++;
      mapping.held.set(direction, entry);
      return;
    }
    if (delayed) {
      const ms = (f.delayMs ?? DEFAULTS.delayMs) + jitterDraw * (f.jitterMs ?? 0);
      if (later(ms, () => forward(mapping, direction, data, copies)) === undefined) return overflow();
      c.delayed++;
    } else forward(mapping, direction, data, copies);
    // A held datagram goes out after the next one.
    releaseHeld(mapping, direction);
  }

  await new Promise<void>((resolve, reject) => {
    main.once('error', reject);
    main.bind({ port: options.port ?? 0, address: LOOPBACK }, () => {
      main.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    closeSocket(main);
    await Promise.all(closing);
    throw error;
  });
  const address: UdpClientAddress = { address: LOOPBACK, port: main.address().port };

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const mapping of [...mappings.values()]) if (now - mapping.lastActive >= idleMs) closeMapping(mapping);
    },
    Math.max(10, Math.min(1000, Math.floor(idleMs / 2))),
  );

  return {
    address,
    setFaults(next, direction = 'both') {
      const checked = validateFaults(next, direction === 'both' ? 'faults' : direction);
      for (const d of DIRECTIONS) if (direction === 'both' || direction === d) faults[d] = checked;
    },
    counters: () => ({ toUpstream: { ...counters.toUpstream }, toClient: { ...counters.toClient } }),
    decisions: (direction) => log.slice(-logLimit).filter((d) => direction === undefined || d.direction === direction),
    get clientCount() {
      return mappings.size;
    },
    rebind(client) {
      const mapping = mappings.get(`${client.address}:${client.port}`);
      if (mapping === undefined || closed) return false;
      const old = mapping.socket;
      mapping.socket = upstreamSocket(mapping);
      closeSocket(old);
      return true;
    },
    async close() {
      if (!closed) {
        closed = true;
        clearInterval(sweeper);
        for (const entry of pending) clearTimeout(entry.timer);
        pending.clear();
        for (const mapping of [...mappings.values()]) closeMapping(mapping);
        closeSocket(main);
      }
      await Promise.all(closing);
    },
  };
}
