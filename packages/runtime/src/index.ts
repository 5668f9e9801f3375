/**
 * `@rxmsg/runtime`: server and client factories over any transport, and composite
 * protocol stacking. Browser-safe: transports are passed in.
 * @packageDocumentation
 */
export { createClient, createCompositeClient } from './client';
export type { Client, ClientHandle, ClientOptions, ClientStatus, CompositeClient, CompositeClientOptions } from './client';
export type { ClientEvent, ConnectionEvent, DisconnectReason, PauseCause, RefusalReason, SendDropCause, ServerEvent } from './events';
export { consume } from './consume';
export { credited, CREDIT_WINDOW } from './credited';
export type { CreditedOptions } from './credited';
export { outputOf, paced } from './paced';
export { rpc } from './rpc';
export type { ReplyOf, RequestHandler, RequestHandlers, RequestOf, RequestTarget, Rpc, SingleRequestOf } from './rpc';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './request-options';
export type { RequestOptions } from './request-options';
export { RESPOND_CONCURRENCY } from './respond';
export type { AnyRequestHandler, RespondOptions } from './respond';
export { MAX_REQUEST_RESENDS } from './client-request';
export type { RequestDropCause } from './request-table';
export type { PacedOptions, Pullable } from './paced';
export { pull, PULL_LIMIT } from './pull';
export type { PullOptions } from './pull';
export { MAX_EARLY_GRANTS } from './credit-ledger';
export { createCompositeServer, createServer } from './server';
export type {
  CompositeServer,
  CompositeServerOptions,
  ConnectionSnapshot,
  ListenInput,
  ListenSpec,
  PeerHandle,
  Server,
  ServerHandle,
  ServerOptions,
  ServerSnapshot,
} from './server';
export { DEFAULT_MAX_ROOM_NAME_LENGTH, DEFAULT_MAX_ROOMS_PER_PEER, DEFAULT_REMOTE_TIMEOUT_MS, ROOM_ADAPTER_CLOSE_TIMEOUT_MS, Rooms, createRooms } from './rooms';
export type { RoomsAccess, RoomsOptions } from './rooms';
export { LocalRoomAdapter } from './local-room-adapter';
export { MAX_NODE_NUMBER, PEER_ID_NODE_STRIDE, nodeOfPeer } from './room-adapter';
export type { ClusterSnapshot, DeliveryReport, NodeSnapshot, PeerRef, RoomAdapter, RoomHost, RoomPacket, SendToResult } from './room-adapter';
export { RoomTarget } from './room-target';
export type { PeerFilter, RoomName } from './room-target';
export { Topic } from './topic';
export { EVENT_BUFFER_SIZE } from './server-event-stream';
export type { PeerEvent, ServerEventReader, ServerEventsOptions } from './server-event-stream';
export { HANDLE_MAX_IN_FLIGHT, HANDLE_READY_TIMEOUT_MS, openHandle } from './open-handle';
export type { OpenHandleOptions, RemoteServerHandle } from './open-handle';
export type { ServerHandleData } from './handle-wire';
export { MAX_HANDLES } from './handle-host';
export { connectionMemoryBound } from './memory-budget';
export { BACKPRESSURE_CAP } from './outbound-policy';
export { LANE_STARVATION_LIMIT } from './outbound-lanes';
export type { Router, SessionInfo } from './session-info';
export type { LaneStats, SessionStats } from './session-stats';
export { clientStage, serverStage } from './stage';
export type { ClientStage, CommonReplySides, ServerStage, Stage, StageOptions, StageReceives, StageSends } from './stage';
export type { StageMap } from './stage-table';
export { MEMORY_HIGH_WATER_MARK, MemoryConnection } from './memory-connection';
export type { MemoryConnectionOptions } from './memory-connection';
export { memoryTransport } from './memory-transport';
export type { MemoryTransport, MemoryTransportOptions } from './memory-transport';
export { POLL_MAX_TURNS, createSessionHost } from './session-host';
export type { CompositeSessionHostOptions, SessionHost, SessionHostEvent, SessionHostExtras, SessionHostOptions, SessionLogger } from './session-host';
export type { HostedSession } from './hosted-session';
export type { WaitIncomingOptions } from './client-queue';
export { createQueueServer, QUEUE_GC_INTERVAL_MS, QUEUE_INBOUND_LIMIT } from './queue-server';
export type { CollectedQueue, QueueServer, QueueServerEvent, QueueServerOptions } from './queue-server';
export type { ClientBaseOptions } from './client';
export type { RoomSender } from './room-target';
export type { TopicHost } from './topic';
