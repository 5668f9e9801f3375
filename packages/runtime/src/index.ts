/**
 * `@rxmsg/runtime`: server and client factories over any transport, and composite
 * protocol stacking. Browser-safe: transports are passed in.
 * @packageDocumentation
 */
export { createClient, createCompositeClient } from './client.js';
export type { Client, ClientHandle, ClientOptions, ClientStatus, CompositeClientOptions } from './client.js';
export type { ClientEvent, ConnectionEvent, DisconnectReason, ServerEvent } from './events.js';
export { OutboundQueue } from './outbound-queue.js';
export { createCompositeServer, createServer } from './server.js';
export type {
  CompositeServer,
  CompositeServerOptions,
  ConnectionSnapshot,
  Server,
  ServerHandle,
  ServerOptions,
  ServerSnapshot,
} from './server.js';
export { Session } from './session.js';
export type { Router, SessionInfo, SessionOptions, SessionStats } from './session.js';
export { eraseStage } from './stage.js';
export type { ErasedStage, Stage } from './stage.js';
