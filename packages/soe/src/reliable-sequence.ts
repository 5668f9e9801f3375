/**
 * Serial-number arithmetic (RFC 1982) on the 16-bit sequences of a reliable channel: sequences
 * wrap from 65535 to 0, so "before" and "after" are decided by the shortest signed distance.
 * Two sequences compare correctly while they are less than half the space (32768) apart, which
 * is why every window of the channel is kept below that.
 */
import { SEQUENCE_MODULO } from './channel-packet';

/** Half the sequence space: the largest distance at which ordering is still defined. */
export const SEQUENCE_HALF = SEQUENCE_MODULO / 2;

/** `sequence + n`, wrapped into `[0, 65535]`. `n` may be negative. */
export function sequenceAdd(sequence: number, n: number): number {
  return (((sequence + n) % SEQUENCE_MODULO) + SEQUENCE_MODULO) % SEQUENCE_MODULO;
}

/**
 * The signed distance from `b` to `a` in `[-32768, 32767]`: positive when `a` comes after `b`,
 * zero when equal, negative when `a` comes before `b` (across the wrap).
 */
export function sequenceDiff(a: number, b: number): number {
  const d = (((a - b) % SEQUENCE_MODULO) + SEQUENCE_MODULO) % SEQUENCE_MODULO;
  return d >= SEQUENCE_HALF ? d - SEQUENCE_MODULO : d;
}

/** Whether `n` is a valid 16-bit sequence (an integer in `[0, 65535]`). */
export function isSequence(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < SEQUENCE_MODULO;
}
