import { TransportError } from '@rxmsg/core';

/**
 * Why a shared-memory connection lost its peer:
 * - `peer-destroyed`: the other side destroyed the link (its `destroy()`, or a refused end);
 * - `peer-gone`: the other side's end went away without finishing: its thread ended or was
 *   terminated, or its connection was closed some other way.
 */
export type SharedMemoryPeerLoss = 'peer-destroyed' | 'peer-gone';

/**
 * A shared-memory connection closed because its peer is gone (a {@link TransportError}, code
 * `TRANSPORT_FAILED`). Unread data the peer wrote before it went is dropped, as a reset socket drops it.
 */
export class SharedMemoryPeerError extends TransportError {
  /** How the peer went. */
  readonly reason: SharedMemoryPeerLoss;

  constructor(reason: SharedMemoryPeerLoss, address: string) {
    super(reason === 'peer-destroyed' ? `${address}: the peer destroyed the link` : `${address}: the peer's thread or end went away without closing`);
    this.reason = reason;
  }
}
