/**
 * `@rxmsg/runtime/internal`: parts of `@rxmsg/runtime` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/runtime` (see docs/api.md).
 * @packageDocumentation
 */
export { connectionLoop } from './connection-loop';
export type { ConnectionEnd, ConnectionLoopEvent, ConnectionLoopOptions } from './connection-loop';
export { DisconnectedQueue } from './disconnected-queue';
export type { QueueTarget } from './disconnected-queue';
export { shouldReconnect } from './should-reconnect';
export { respondTo } from './respond';
export { peerRequest$ } from './peer-request';
export { OutboundQueue } from './outbound-queue';
export type { OutboundLimits } from './outbound-queue';
export { TokenBucket } from './token-bucket';
export { Session } from './session';
export { FRAME_BUFFER_SLACK } from './inbound-pump';
export { MemoryBudget } from './memory-budget';
export type { ByteMeter } from './outbound-queue';
export type { SessionOptions } from './session';
export { widenRouter } from './session-info';
export { ReplayBuffer } from './replay-buffer';
export { RESUME_ACK_BYTES, RESUME_ACK_DELAY_MS, RESUME_MAX_DATA_FRAME, ResumableConnection, resumeDataLimit } from './resumable-connection';
export type { ResumableConnectionOptions } from './resumable-connection';
export { LINK_LINGER_MS, ResumeLink } from './resume-link';
export type { LinkSink } from './resume-link';
export { RESUME_TOMBSTONES, ResumeRegistry } from './resume-registry';
export type { ResumeRegistryEvent, ResumeRegistryOptions } from './resume-registry';
export { RESUME_REDIAL, resumeDialer } from './resume-dialer';
export type { ResumeDialerEvent, ResumeDialerOptions } from './resume-dialer';
export { ClientQueue } from './client-queue';
export { queueClientId } from './queue-client-id';
