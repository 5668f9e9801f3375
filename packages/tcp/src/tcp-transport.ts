import { createConnection, createServer } from 'node:net';
import type { Transport } from '@rxmsg/core';
import { streamSocketTransport } from './stream-socket-transport';

/**
 * The transport for `tcp://host:port` and `unix:/path` addresses, over Node's `net`.
 * Sockets allow half-open connections, so a peer that ends its side still receives
 * the replies queued for it.
 *
 * @example
 * ```ts
 * import { createServer } from '@rxmsg/runtime';
 * import { tcpTransport } from '@rxmsg/tcp';
 * const server = await createServer({ listen: 'tcp://127.0.0.1:0', transports: [tcpTransport()], protocol, processor });
 * ```
 */
export function tcpTransport(): Transport {
  return streamSocketTransport({
    schemes: ['tcp', 'unix'],
    createServer: () => createServer({ allowHalfOpen: true }),
    connectionEvent: 'connection',
    connect: (address) =>
      address.kind === 'unix'
        ? createConnection({ path: address.path, allowHalfOpen: true })
        : createConnection({ host: address.host, port: address.port, allowHalfOpen: true }),
    readyEvent: 'connect',
  });
}
