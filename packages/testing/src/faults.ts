import { ConfigError } from '@rxmsg/core';

/** Which way a byte-offset fault counts: bytes this end `read`s (receives) or `write`s (sends). */
export type FaultDirection = 'read' | 'write';

/**
 * How a connection's received bytes are cut before its reader sees them:
 * - `'every-byte'`: one `onData` call per byte;
 * - `{ at }`: cut before each of these offsets of the received stream (0-based, ascending);
 * - `{ maxChunk }`: pieces of a random size from 1 to `maxChunk`, drawn from the transport's seed.
 */
export type SplitFault = 'every-byte' | { readonly at: readonly number[] } | { readonly maxChunk: number };

/**
 * The faults {@link faultyTransport} injects into one connection. Offsets and byte counts are per
 * connection and per direction, from its first byte. Every field is optional; an empty object
 * forwards everything untouched.
 */
export interface Faults {
  /** Cut what this end receives into smaller `onData` calls (the bytes and their order are kept). */
  readonly split?: SplitFault;
  /**
   * Hand each received piece (and the end and close that follow it) to the reader `ms` later, on
   * the transport's scheduler (virtual time in tests). Order is kept. Bounded: see
   * {@link FaultyTransportOptions.maxDelayedBytes}.
   */
  readonly delayMs?: number;
  /**
   * Drop the connection once `bytes` bytes passed in `direction`, as a network failure would: this
   * end's `onClose` reports a `TransportError` (code `TRANSPORT_FAILED`). `read`: this end's reader
   * gets exactly the first `bytes`, then the inner connection is destroyed. `write`: exactly the first
   * `bytes` are sent, then the inner connection is ended (the peer reads them, then the end of the
   * stream) and destroyed once the peer ends too or `destroy()` is called. `bytes: 0` drops at the first byte.
   */
  readonly dropAfter?: { readonly bytes: number; readonly direction: FaultDirection };
  /** Flip the bits of `mask` (0xff by default) in the byte at `offset` of `direction` (`read` by default). */
  readonly corrupt?: { readonly offset: number; readonly direction?: FaultDirection; readonly mask?: number };
}

/** Which connection a fault plan is asked about: the `index`-th one (from 0) the transport wrapped, and how it was made. */
export interface FaultTarget {
  /** Wrapped connections before this one, accepted and dialled together. */
  readonly index: number;
  /** `listen`: accepted by a listener of the transport; `connect`: dialled through it. */
  readonly side: 'listen' | 'connect';
}

/** The faults of every connection alike, or a function choosing them per connection (`undefined`: leave it alone). */
export type FaultPlan = Faults | ((target: FaultTarget) => Faults | undefined);

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/**
 * Check `faults`, so a mistake fails where the test wrote it rather than as a puzzling behaviour.
 * @throws {@link @rxmsg/core!ConfigError} (code `CONFIG_INVALID`) naming each bad field.
 */
export function checkFaults(faults: Faults): void {
  const problems: string[] = [];
  const { split, delayMs, dropAfter, corrupt } = faults;
  if (split !== undefined && split !== 'every-byte') {
    if ('at' in split) {
      if (!split.at.every((n, i) => isCount(n) && (i === 0 || n > split.at[i - 1]!))) problems.push('split.at: must be ascending non-negative integers');
    } else if (!(Number.isSafeInteger(split.maxChunk) && split.maxChunk >= 1)) problems.push('split.maxChunk: must be an integer >= 1');
  }
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) problems.push('delayMs: must be a finite number >= 0');
  if (dropAfter !== undefined && !isCount(dropAfter.bytes)) problems.push('dropAfter.bytes: must be a non-negative integer');
  if (corrupt !== undefined) {
    if (!isCount(corrupt.offset)) problems.push('corrupt.offset: must be a non-negative integer');
    if (corrupt.mask !== undefined && !(Number.isInteger(corrupt.mask) && corrupt.mask >= 1 && corrupt.mask <= 0xff)) problems.push('corrupt.mask: must be an integer from 1 to 255');
  }
  if (problems.length > 0) throw new ConfigError('faults', problems);
}
