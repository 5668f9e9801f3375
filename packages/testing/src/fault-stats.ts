/**
 * What a {@link faultyTransport} did so far, over all its connections (monotonic counters, except
 * `peakHeldBytes`, a high-water mark). Read it to assert that a fault really happened.
 */
export interface FaultStats {
  /** Connections wrapped (accepted and dialled). */
  readonly connections: number;
  /** `onData` calls made to readers. */
  readonly chunksDelivered: number;
  /** Bytes handed to readers. */
  readonly bytesDelivered: number;
  /** Bytes passed to the inner connections' `write`. */
  readonly bytesWritten: number;
  /** Extra cuts made by `split` (a chunk cut in three counts two). */
  readonly splits: number;
  /** Pieces held back by `delayMs`. */
  readonly delayedChunks: number;
  /** Most received bytes one connection held at once, waiting for their time or for the reader. */
  readonly peakHeldBytes: number;
  /** Times a connection's reading was paused because it held more than `maxDelayedBytes`. */
  readonly boundPauses: number;
  /** Connections dropped by `dropAfter`. */
  readonly drops: number;
  /** Bytes flipped by `corrupt`. */
  readonly corruptions: number;
}

/** A zeroed, writable {@link FaultStats}. */
export function emptyFaultStats(): { -readonly [K in keyof FaultStats]: FaultStats[K] } {
  return { connections: 0, chunksDelivered: 0, bytesDelivered: 0, bytesWritten: 0, splits: 0, delayedChunks: 0, peakHeldBytes: 0, boundPauses: 0, drops: 0, corruptions: 0 };
}
