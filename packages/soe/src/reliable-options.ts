/**
 * Options of a reliable channel, their defaults and their validation. See
 * `ReliableChannel` for how each one is used.
 */
import { ConfigError } from '@rxmsg/core';
import { SEQUENCE_HALF, isSequence } from './reliable-sequence';

/** Bytes the first fragment of a payload spends on the payload's complete length (a 32-bit integer). */
export const FRAGMENT_LENGTH_BYTES = 4;

/** Options of a `ReliableChannel`; every field but `maxDataBytes` has a default. */
export interface ReliableChannelOptions {
  /**
   * Payload bytes one `data` or `fragment` packet may carry: the peer's datagram (UDP) length
   * minus the op code, compression flag, sequence and CRC. A first fragment carries
   * `FRAGMENT_LENGTH_BYTES` fewer, as the complete length shares its room. At least 8.
   */
  readonly maxDataBytes: number;
  /** Largest payload sent or accepted, in bytes. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Packets sent and not yet acknowledged, at most. Default 64; below 32768. */
  readonly sendWindowPackets?: number;
  /** Payloads waiting for the send window, at most. Default 256. */
  readonly sendQueuePayloads?: number;
  /** Bytes of payloads waiting for the send window, at most. Default 4 MiB. */
  readonly sendQueueBytes?: number;
  /** Sequences ahead of the next expected one that are stashed; later ones are dropped. Default 64; below 32768. */
  readonly receiveWindowPackets?: number;
  /** Acknowledge at once after this many in-order packets. Default 4. */
  readonly ackEveryPackets?: number;
  /** Otherwise acknowledge this long after the first unacknowledged arrival, in ms. Default 10. */
  readonly ackDelayMs?: number;
  /** Retransmission timeout before any RTT sample, in ms. Default 1000 (RFC 6298). */
  readonly initialRtoMs?: number;
  /** Lower bound of the retransmission timeout, in ms. Default 100. */
  readonly minRtoMs?: number;
  /** Upper bound of the retransmission timeout, backoff included, in ms. Default 8000. */
  readonly maxRtoMs?: number;
  /** Clock granularity G of RFC 6298, in ms. Default 1. */
  readonly clockGranularityMs?: number;
  /** Consecutive timeouts of the same unacknowledged data that end the channel. Default 12. */
  readonly maxRetransmissions?: number;
  /** Time the oldest unacknowledged packet may wait without progress before the channel ends, in ms. Default 30000. */
  readonly unacknowledgedTimeoutMs?: number;
  /** Sequence of the first packet sent. Default 0 (SOE starts at 0). */
  readonly initialSendSequence?: number;
  /** Sequence of the first packet expected. Default 0. */
  readonly initialReceiveSequence?: number;
}

/** {@link ReliableChannelOptions} with every default filled in. */
export type ResolvedReliableOptions = Required<ReliableChannelOptions>;

/** The defaults of {@link ReliableChannelOptions}. */
export const RELIABLE_DEFAULTS: Omit<ResolvedReliableOptions, 'maxDataBytes'> = {
  maxPayloadBytes: 1024 * 1024,
  sendWindowPackets: 64,
  sendQueuePayloads: 256,
  sendQueueBytes: 4 * 1024 * 1024,
  receiveWindowPackets: 64,
  ackEveryPackets: 4,
  ackDelayMs: 10,
  initialRtoMs: 1000,
  minRtoMs: 100,
  maxRtoMs: 8000,
  clockGranularityMs: 1,
  maxRetransmissions: 12,
  unacknowledgedTimeoutMs: 30_000,
  initialSendSequence: 0,
  initialReceiveSequence: 0,
};

/** Fills in the defaults and validates; throws a {@link ConfigError} naming the first bad field. */
export function resolveReliableOptions(options: ReliableChannelOptions): ResolvedReliableOptions {
  const o: ResolvedReliableOptions = { ...RELIABLE_DEFAULTS, ...options };
  const intAtLeast = (field: keyof ResolvedReliableOptions, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = o[field];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(field, [`must be an integer in [${min}, ${max}], got ${String(v)}`]);
    }
  };
  const numAtLeast = (field: keyof ResolvedReliableOptions, min: number): void => {
    const v = o[field];
    if (!Number.isFinite(v) || v < min) throw new ConfigError(field, [`must be a number >= ${min}, got ${String(v)}`]);
  };
  intAtLeast('maxDataBytes', FRAGMENT_LENGTH_BYTES * 2);
  intAtLeast('maxPayloadBytes', 0, 0xffff_ffff);
  intAtLeast('sendWindowPackets', 1, SEQUENCE_HALF - 1);
  intAtLeast('sendQueuePayloads', 1);
  intAtLeast('sendQueueBytes', 0);
  intAtLeast('receiveWindowPackets', 1, SEQUENCE_HALF - 1);
  intAtLeast('ackEveryPackets', 1);
  numAtLeast('ackDelayMs', 0);
  numAtLeast('minRtoMs', 1);
  numAtLeast('maxRtoMs', o.minRtoMs);
  numAtLeast('initialRtoMs', 1);
  numAtLeast('clockGranularityMs', 0);
  intAtLeast('maxRetransmissions', 0);
  numAtLeast('unacknowledgedTimeoutMs', 1);
  for (const field of ['initialSendSequence', 'initialReceiveSequence'] as const) {
    if (!isSequence(o[field])) throw new ConfigError(field, [`must be a 16-bit sequence, got ${String(o[field])}`]);
  }
  return o;
}
