import { parseAddress } from '@rxmsg/core';

/**
 * The id a queue server gives a connection: `"ip:port"` of the remote end for TCP, TLS and
 * WebSocket connections (`"[::1]:5000"` for IPv6), the peer id as a string (`"7"`) for every
 * other transport (Unix sockets, in-memory pairs), whose remote ends have no distinct address.
 * `taken` tells whether an id still names a queue: then `#<peerId>` is appended, so an id is
 * never reused while its queue exists (a client that reconnects from the same port before the
 * old queue is collected gets `"127.0.0.1:5000#9"`).
 *
 * @param remoteAddress - the connection's remote address as the transport reports it (`tcp://127.0.0.1:5000`).
 * @param peerId - the connection's peer id, unique within its server.
 * @param taken - whether an id is in use.
 */
export function queueClientId(remoteAddress: string, peerId: number, taken: (id: string) => boolean): string {
  let base = String(peerId);
  try {
    const address = parseAddress(remoteAddress);
    if (address.kind === 'inet' && address.port > 0 && address.host !== '?') {
      base = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
    }
  } catch {
    // A remote address no listener scheme describes (a custom transport): the peer id names it.
  }
  return taken(base) ? `${base}#${peerId}` : base;
}
