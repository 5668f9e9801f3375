import type { DisconnectReason } from './events';

/**
 * Whether a client connection that ended for `reason` was lost, and so is re-established
 * under the `reconnect` policy:
 * - `shutdown` (the client's `close()`) and `local-close` (the client's processor called
 *   `peer.close()`, `flushAndClose()` or `cancelAndClose()`): no, the client chose to end it;
 * - `completed` (the stack ended): no when the client's processors completed on their own, yes when
 *   the server ended the connection first (`remoteEndedFirst`) and the stack completed because its input did;
 * - anything else (`remote-closed`, `transport-error`, `timeout`, `idle-timeout`, `decode-error`,
 *   `processor-error`, `send-queue-full`, `rate-limit`, and any reason added later): yes.
 *
 * @param reason - the reason of the connection's `disconnected` event.
 * @param remoteEndedFirst - the server ended its side before the client's session began closing.
 */
export function shouldReconnect(reason: DisconnectReason, remoteEndedFirst: boolean): boolean {
  switch (reason) {
    case 'shutdown':
    case 'local-close':
      return false;
    case 'completed':
      return remoteEndedFirst;
    default:
      return true;
  }
}
