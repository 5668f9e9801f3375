/**
 * `@rxmsg/node`: rxmsg for Node.js. The runtime's factories with the TCP, Unix-socket, TLS and
 * WebSocket transports built in, and everything from `@rxmsg/core` and `@rxmsg/runtime` re-exported.
 *
 * @example
 * ```ts
 * import { createServer, createClient, defineProtocol } from '@rxmsg/node';
 * const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol, processor });
 * const client = createClient({ connect: server.addresses()[0]!, protocol, processor: clientProcessor });
 * ```
 * @packageDocumentation
 */
export * from '@rxmsg/core';
export * from '@rxmsg/runtime';
export { createClient, createCompositeClient, createCompositeServer, createServer } from './factories';
export { SocketConnection, streamSocketTransport, tcpTransport, tlsTransport } from '@rxmsg/tcp';
export type { SocketFactory, TlsTransportOptions } from '@rxmsg/tcp';
export { DEFAULT_MAX_PAYLOAD, WsConnection, wsTransport } from '@rxmsg/ws';
export type { WsTransportOptions } from '@rxmsg/ws';
