/**
 * `@rxmsg/ws/browser`: the browser-safe part of `@rxmsg/ws`, a WebSocket client transport on the
 * platform's global `WebSocket`. Nothing here imports `ws`, a Node built-in, or uses `Buffer`.
 *
 * @example
 * ```ts
 * import { browserWsTransport } from '@rxmsg/ws/browser';
 * const client = createClient({ connect: 'ws://localhost:8080/play', transports: [browserWsTransport()], protocol, processor });
 * ```
 * @packageDocumentation
 */
export { browserWsTransport } from './browser-ws-client-transport';
export type { BrowserWsTransportOptions } from './browser-ws-client-transport';
export { DEFAULT_RECEIVE_BUFFER_BYTES } from './browser-ws-connection';
export { CLOSE_CODES } from './close-codes';
export type { WebSocketConstructorLike, WebSocketEventLike, WebSocketEventType, WebSocketLike } from './web-socket-like';
