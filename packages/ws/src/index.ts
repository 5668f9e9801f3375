/**
 * `@rxmsg/ws`: the WebSocket transport. {@link wsTransport} serves and dials `ws://` and `wss://`
 * on Node (over the `ws` package); {@link browserWsTransport} dials on the platform's global
 * `WebSocket`. Browser code imports `@rxmsg/ws/browser`, which holds only the browser client.
 * Connections keep message boundaries (`framing: 'message'`).
 * @packageDocumentation
 */
export { browserWsTransport } from './browser-ws-client-transport';
export type { BrowserWsTransportOptions } from './browser-ws-client-transport';
export { BrowserWsConnection, DEFAULT_RECEIVE_BUFFER_BYTES } from './browser-ws-connection';
export { CLOSE_CODES, closeError } from './close-codes';
export { DEFAULT_HIGH_WATER_MARK, MessageConnection } from './message-connection';
export type { WebSocketConstructorLike, WebSocketEventLike, WebSocketEventType, WebSocketLike } from './web-socket-like';
export { WsConnection } from './ws-connection';
export { DEFAULT_MAX_PAYLOAD, MAX_PAYLOAD_SLACK, maxPayloadFor } from './max-payload';
export { wsTransport } from './ws-transport';
export type { WsTransportOptions } from './ws-transport';
