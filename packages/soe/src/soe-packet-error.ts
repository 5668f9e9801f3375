import { RxmsgError, type SoeErrorCode } from '@rxmsg/core';

/**
 * Stable codes of {@link SoePacketError}:
 * - `SOE_MALFORMED`: the bytes do not form the packet they claim to be (truncated, trailing bytes, bad flag);
 * - `SOE_CRC`: the CRC-32 check value does not match;
 * - `SOE_UNKNOWN_OPCODE`: the op code names no packet rxmsg implements;
 * - `SOE_TOO_LARGE`: a declared or decompressed length exceeds the configured maximum;
 * - `SOE_NO_SESSION`: a session-context packet was decoded without the session's parameters;
 * - `SOE_INVALID`: an encoder was given a value the wire format cannot carry.
 */
export type SoePacketErrorCode = SoeErrorCode;

/**
 * The one error the SOE wire codec raises. Decoding any datagram either succeeds or throws a
 * `SoePacketError`; match on `code`, never on the message text.
 */
export class SoePacketError extends RxmsgError {
  /** Stable identifier of the failure kind. */
  readonly code: SoePacketErrorCode;

  constructor(code: SoePacketErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SoePacketError';
    this.code = code;
  }
}
