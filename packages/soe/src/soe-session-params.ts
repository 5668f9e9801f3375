import type { CrcLength } from './soe-packet';

/** What a session negotiated, as far as the bytes of its session-context packets go. */
export interface SoeSessionParams {
  /** The seed of the session's CRC-32 (from `SessionResponse`). */
  readonly crcSeed: number;
  /** How many low-order bytes of the CRC-32 follow each packet (0 = none). */
  readonly crcLength: CrcLength;
  /** Whether each packet carries the compression flag byte after its op code. */
  readonly compression: boolean;
  /** The most bytes a compressed packet may inflate to (default `DEFAULT_MAX_INFLATED_LENGTH`). */
  readonly maxInflatedLength?: number;
}

/** The default bound on a compressed packet's inflated body: 64 KiB. */
export const DEFAULT_MAX_INFLATED_LENGTH = 0x1_0000;

/** No CRC, no compression: the parameters of a session that negotiated neither. */
export const PLAIN_SESSION: SoeSessionParams = { crcSeed: 0, crcLength: 0, compression: false };

/**
 * The bytes a session-context packet adds around its fields: op code, compression flag when
 * negotiated, CRC. A `ReliableData` packet of `n` data bytes is `sessionOverhead(s) + 2 + n`.
 */
export function sessionOverhead(session: SoeSessionParams): number {
  return 2 + (session.compression ? 1 : 0) + session.crcLength;
}
