import { asyncScheduler, map, type SchedulerLike } from 'rxjs';
import { ConfigError, type Connection, type Transport } from '@rxmsg/core';
import { checkFaults, type FaultPlan, type Faults } from './faults';
import { emptyFaultStats, type FaultStats } from './fault-stats';
import { FaultyConnection } from './faulty-connection';
import { seededRandom } from './seeded-random';

/** Default of {@link FaultyTransportOptions.maxDelayedBytes}: 1 MiB. */
export const DEFAULT_MAX_DELAYED_BYTES = 1024 * 1024;

/** Options of {@link faultyTransport}. */
export interface FaultyTransportOptions {
  /** Seed of the random cuts of `split: { maxChunk }` (connection `i` draws from `seed + i`); 1 by default. Same seed, same cuts. */
  readonly seed?: number;
  /** Clock and timers of `delayMs`: pass the one given to the factories for virtual time; `asyncScheduler` by default. */
  readonly scheduler?: SchedulerLike;
  /**
   * Received bytes one connection may hold (waiting for `delayMs`, or for a paused reader) before
   * its inner connection is paused; reading resumes once it holds half. A connection therefore
   * holds at most this plus one received chunk. 1 MiB by default.
   */
  readonly maxDelayedBytes?: number;
}

/** A {@link Transport} that injects faults; see {@link faultyTransport}. */
export interface FaultyTransport extends Transport {
  /** What it did so far (a snapshot). */
  readonly stats: FaultStats;
}

/**
 * Wrap any transport so that its connections misbehave on purpose, deterministically: received
 * bytes split into small pieces (every byte, at chosen offsets, or at seeded random points),
 * delivered late, a connection dropped after exactly N bytes either way, a byte corrupted at
 * offset N. Accepted and dialled connections are both wrapped; a {@link FaultPlan} function picks
 * the faults per connection (by index and side). `stats` counts what was done.
 *
 * Cuts and corruption apply to what *this end* receives (a reader sees the cuts whatever the
 * sender did); to hurt what a server receives, fault the connections on the `listen` side.
 *
 * @param inner - the transport wrapped (memory, TCP, WebSocket, ...).
 * @param plan - the faults of every connection, or a function choosing them per connection.
 * @param options - seed, scheduler of the delays, and the bound of held bytes.
 * @returns a transport for the same schemes, to pass to the factories in place of `inner`.
 * @throws {@link @rxmsg/core!ConfigError} for bad options, or bad faults (a plan function's when it is called).
 *
 * @example
 * ```ts
 * const memory = memoryTransport();
 * // The server's reader gets one byte per onData; the 3rd connection dialled is cut after 100 bytes sent.
 * const faulty = faultyTransport(memory, ({ side, index }) =>
 *   side === 'listen' ? { split: 'every-byte' } : index === 2 ? { dropAfter: { bytes: 100, direction: 'write' } } : undefined,
 * );
 * const server = await createServer({ listen: 'memory://svc:0', transports: [faulty], protocol, processor });
 * ```
 */
export function faultyTransport(inner: Transport, plan: FaultPlan, options: FaultyTransportOptions = {}): FaultyTransport {
  const seed = options.seed ?? 1;
  const maxDelayedBytes = options.maxDelayedBytes ?? DEFAULT_MAX_DELAYED_BYTES;
  const problems: string[] = [];
  if (!Number.isSafeInteger(seed)) problems.push(`seed: must be an integer, got ${seed}`);
  if (!(Number.isSafeInteger(maxDelayedBytes) && maxDelayedBytes > 0)) problems.push(`maxDelayedBytes: must be a positive integer, got ${maxDelayedBytes}`);
  if (problems.length > 0) throw new ConfigError('faultyTransport', problems);
  if (typeof plan !== 'function') checkFaults(plan);
  const scheduler = options.scheduler ?? asyncScheduler;
  const stats = emptyFaultStats();
  let next = 0;
  const wrap = (connection: Connection, side: 'listen' | 'connect'): Connection => {
    const index = next++;
    let faults: Faults | undefined;
    try {
      faults = typeof plan === 'function' ? plan({ index, side }) : plan;
      if (faults !== undefined && typeof plan === 'function') checkFaults(faults);
    } catch (error) {
      connection.destroy(); // not handed to anyone: nobody else would close it
      throw error;
    }
    if (faults === undefined) return connection;
    stats.connections++;
    return new FaultyConnection(connection, faults, { scheduler, maxDelayedBytes, random: seededRandom(seed + index), stats });
  };
  const { checkAddress } = inner;
  return {
    schemes: inner.schemes,
    get stats(): FaultStats {
      return { ...stats };
    },
    listen: (address, onConnection, listenOptions) => inner.listen(address, (connection) => onConnection(wrap(connection, 'listen')), listenOptions),
    connect: (address, connectOptions) => inner.connect(address, connectOptions).pipe(map((connection) => wrap(connection, 'connect'))),
    ...(checkAddress === undefined ? {} : { checkAddress: (address, use) => checkAddress.call(inner, address, use) }),
  };
}
