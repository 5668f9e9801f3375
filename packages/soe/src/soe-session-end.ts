/** Why and how an SOE session ended. */
import type { RxmsgError } from '@rxmsg/core';
import type { DisconnectReason } from './disconnect-reason';

/**
 * Why a session ended. Stable strings:
 * - `'closed'`: this end called `close` (sends `Disconnect(Application)`);
 * - `'peer-disconnected'`: the peer sent `Disconnect` (its reason is in `peerReason`);
 * - `'timeout'`: nothing received for `inactivityMs` (sends `Disconnect(Timeout)`);
 * - `'unacknowledged-timeout'`: the reliable channel's data stayed unacknowledged (sends `Disconnect(UnacknowledgedTimeout)`);
 * - `'protocol-mismatch'`: version, application protocol or UDP length refused (sends `Disconnect(ProtocolMismatch)` when refusing);
 * - `'corrupt-data'`: the peer's reliable data does not add up: a declared length over the maximum, fragments that do not fit, a malformed data bundle (sends `Disconnect(CorruptPacket)`).
 */
export type SoeSessionEndReason = 'closed' | 'peer-disconnected' | 'timeout' | 'unacknowledged-timeout' | 'protocol-mismatch' | 'corrupt-data';

/** How a session ended. */
export interface SoeSessionEnd {
  readonly reason: SoeSessionEndReason;
  /** The reason code this end sent in its `Disconnect`, if it sent one. */
  readonly sentReason: DisconnectReason | undefined;
  /** The reason code the peer's `Disconnect` carried, for `'peer-disconnected'` and a refused negotiation. */
  readonly peerReason: DisconnectReason | undefined;
  /** A typed error with a stable `code`; `undefined` for a local `close`. */
  readonly error: RxmsgError | undefined;
  /** The `now` at which it ended. */
  readonly at: number;
}
