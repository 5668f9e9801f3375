/**
 * `@rxmsg/soe`: the SOE reliable-UDP protocol (version 3) for rxmsg. The wire format (packets,
 * the CRC-32 variant, variable-length integers, bundling) and a sans-I/O session core; the UDP
 * driver and the `soe://` transport build on them.
 * @packageDocumentation
 */
export { SoePacketError, type SoePacketErrorCode } from './soe-packet-error';
export { DisconnectReason, isDisconnectReason } from './disconnect-reason';
export type { CrcLength } from './soe-packet';
export { type SoeSessionParams } from './soe-session-params';
export type { ReliableChannelStats } from './reliable-channel';
export { RELIABLE_DEFAULTS } from './reliable-options';
export type { ReliableChannelOptions, ResolvedReliableOptions } from './reliable-options';
export { SoeSession } from './soe-session';
export type { SoeSessionState, SoeSessionStats } from './soe-session';
export type { SoeSessionEnd, SoeSessionEndReason } from './soe-session-end';
export { MAX_UDP_LENGTH, MIN_UDP_LENGTH, SOE_PROTOCOL_VERSION } from './soe-session-options';
export type { SoeClientSessionOptions, SoeServerSessionOptions, SoeSessionCommonOptions, SoeSessionOptions } from './soe-session-options';
export type { ReceiveSequencerStats } from './soe-session-sequencer';
export type { SoeClock } from './soe-session-driver';
export type { SoeEndpointStats } from './soe-endpoint';
export { DEFAULT_SOE_APPLICATION_PROTOCOL, formatSoeAddress, soeAddressOf } from './soe-address';
export type { SoeAddress } from './soe-address';
export { DEFAULT_SOE_UDP_LENGTH } from './soe-transport-options';
export type { SoeTransportOptions } from './soe-transport-options';
export { soeTransport } from './soe-transport';
export type { SoeTransport } from './soe-transport';
export { createSoeServer } from './soe-server';
export type { SoeServer, SoeServerEvent, SoeServerOptions, SoeServerSessionInfo } from './soe-server';
