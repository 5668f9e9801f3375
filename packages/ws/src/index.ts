/**
 * `@rxmsg/ws`: the WebSocket transport. {@link wsTransport} serves and dials `ws://` and `wss://`
 * on Node (over the `ws` package); {@link browserWsTransport} dials on the platform's global
 * `WebSocket`. Browser code imports `@rxmsg/ws/browser`, which holds only the browser client.
 * Connections keep message boundaries (`framing: 'message'`).
 * @packageDocumentation
 */
export { browserWsTransport } from './browser-ws-client-transport';
export type { BrowserWsTransportOptions } from './browser-ws-client-transport';
export { DEFAULT_RECEIVE_BUFFER_BYTES } from './browser-ws-connection';
export { CLOSE_CODES } from './close-codes';
export type { WebSocketConstructorLike, WebSocketEventLike, WebSocketEventType, WebSocketLike } from './web-socket-like';
export { DEFAULT_MAX_PAYLOAD } from './max-payload';
export { wsTransport } from './ws-transport';
export type { WsTransportOptions } from './ws-transport';
