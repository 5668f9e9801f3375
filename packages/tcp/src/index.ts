/**
 * `@rxmsg/tcp`: the Node transport for TCP (`tcp://host:port`) and Unix domain
 * sockets (`unix:/path`).
 * @packageDocumentation
 */
export { SocketConnection } from './socket-connection';
export { tcpTransport } from './tcp-transport';
