/**
 * `@rxmsg/node/internal`: parts of `@rxmsg/node` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/node` (see docs/api.md).
 * @packageDocumentation
 */
export {
  backoffDelay,
  checkLanes,
  concatBytes,
  resolveConfig,
  resolveResumeOptions,
  tlsHandshakeOf,
  utf8Length,
} from '@rxmsg/core/internal';
export {
  DisconnectedQueue,
  FRAME_BUFFER_SLACK,
  OutboundQueue,
  Session,
  TokenBucket,
  connectionLoop,
  shouldReconnect,
  widenRouter,
} from '@rxmsg/runtime/internal';
export type {
  ConnectionEnd,
  ConnectionLoopEvent,
  ConnectionLoopOptions,
  OutboundLimits,
  QueueTarget,
  SessionOptions,
} from '@rxmsg/runtime/internal';
export {
  CANCEL_TAG,
  END_TAG,
  ERROR_TAG,
  correlationSchema,
} from '@rxmsg/core/internal';
export { peerRequest$, respondTo } from '@rxmsg/runtime/internal';
export { SocketConnection } from '@rxmsg/tcp/internal';
export { MAX_PAYLOAD_SLACK, WsConnection, maxPayloadFor } from '@rxmsg/ws/internal';
export { SharedMemoryConnection } from '@rxmsg/shm/internal';
export type { SharedMemoryConnectionOptions } from '@rxmsg/shm/internal';
export { ClientQueue, queueClientId } from '@rxmsg/runtime/internal';
export { QueuePortHost } from './queue-port-host';
