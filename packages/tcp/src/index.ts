/**
 * `@rxmsg/tcp`: the Node transports over stream sockets: TCP (`tcp://host:port`),
 * Unix domain sockets (`unix:/path`) and TLS (`tls://host:port`).
 * @packageDocumentation
 */
export { streamSocketTransport } from './stream-socket-transport';
export type { SocketFactory } from './stream-socket-transport';
export { tcpTransport } from './tcp-transport';
export { tlsTransport } from './tls-transport';
export type { TlsTransportOptions } from './tls-transport';
