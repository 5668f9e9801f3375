import { TransportError } from '@rxmsg/core';

/** WebSocket close codes (RFC 6455 §7.4.1) the transport sends or reads. */
export const CLOSE_CODES = Object.freeze({
  /** A normal close: what `Connection.end()` sends. */
  normal: 1000,
  /** The endpoint is going away (a browser leaving the page, a server going down). */
  goingAway: 1001,
  /** A close frame without a status code. */
  noStatus: 1005,
  /** No close frame at all: the connection was lost (never sent on the wire). */
  abnormal: 1006,
  /** A message over the receiver's `maxPayload`. */
  messageTooBig: 1009,
});

/**
 * How a WebSocket close with `code` is reported: `undefined` for a clean close (1000, 1001, 1005),
 * else a `TransportError` naming the code and the peer's reason.
 */
export function closeError(code: number, reason: string): TransportError | undefined {
  if (code === CLOSE_CODES.normal || code === CLOSE_CODES.goingAway || code === CLOSE_CODES.noStatus) return undefined;
  if (code === CLOSE_CODES.abnormal) return new TransportError('WebSocket connection lost without a close frame (1006)');
  return new TransportError(`WebSocket closed with code ${code}${reason === '' ? '' : `: ${reason}`}`);
}
