/**
 * `@rxmsg/soe/internal`: parts of `@rxmsg/soe` that are not its public API. No semver guarantee:
 * these names may change or disappear in any release. They exist for rxmsg's own packages and tests;
 * applications use `@rxmsg/soe` (see docs/api.md).
 * @packageDocumentation
 */
export type { ChannelPacket } from './channel-packet';
export { SEQUENCE_MODULO } from './channel-packet';
export { SoeOpCode, isSessionContextOpCode } from './soe-op-code';
export { soeCrc32 } from './soe-crc32';
export type {
  AcknowledgePacket,
  DisconnectPacket,
  HeartbeatPacket,
  MultiPacketPacket,
  OutOfOrderPacket,
  ReliableDataFragmentPacket,
  ReliableDataPacket,
  RemapConnectionPacket,
  SessionRequestPacket,
  SessionResponsePacket,
  SoeControlPacket,
  SoePacket,
  SoeSessionContextPacket,
  SoeSubPacket,
  UnknownSenderPacket,
} from './soe-packet';
export { multiPacketLengthSize, readMultiPacketLength, writeMultiPacketLength } from './multi-packet-length';
export { dataBundleLengthSize, readDataBundleLength, writeDataBundleLength } from './data-bundle-length';
export { ByteReader } from './byte-reader';
export {
  decodeSoePacketBody,
  decodeSoeSubPacket,
  encodeSoePacketBody,
  encodeSoeSubPacket,
  opCodeOf,
  splitFirstFragment,
  type SoeDecodeLimits,
} from './soe-packet-codec';
export { DEFAULT_MAX_INFLATED_LENGTH, PLAIN_SESSION, sessionOverhead } from './soe-session-params';
export { decodeSoeDatagram, encodeSoeDatagram, type SoeEncodeOptions } from './soe-datagram';
export { Rc4 } from './rc4';
export { DATA_BUNDLE_MAGIC, dataBundleSize, decodeDataBundle, encodeDataBundle, isDataBundle } from './data-bundle';
export {
  decodeApplicationData,
  decryptApplicationBuffer,
  encodeApplicationData,
  encryptApplicationBuffer,
} from './application-data';
export { channelPacketToSoePacket, decodeChannelPackets, encodeChannelPacket, soePacketToChannelPacket } from './channel-packet-codec';
export { ReliableChannel } from './reliable-channel';
export type { ReliableChannelEnd, ReliableEndReason } from './reliable-channel';
export { FRAGMENT_LENGTH_BYTES, resolveReliableOptions } from './reliable-options';
export { Reassembler } from './reliable-reassembler';
export type { ReassemblyFailure, ReassemblyResult } from './reliable-reassembler';
export { RtoEstimator } from './reliable-rto';
export type { RtoParameters } from './reliable-rto';
export { SEQUENCE_HALF, isSequence, sequenceAdd, sequenceDiff } from './reliable-sequence';
export { resolveSoeSessionOptions } from './soe-session-options';
export type { ResolvedSoeSessionOptions } from './soe-session-options';
export { MAX_SUB_PACKETS, packSubPackets } from './soe-session-packer';
export { ReceiveSequencer } from './soe-session-sequencer';
export type { SequencedPacket, SequencerResult } from './soe-session-sequencer';
export { SoeSessionDriver, monotonicClock } from './soe-session-driver';
export type { SoeSessionDriverHooks } from './soe-session-driver';
export { SoeConnection } from './soe-connection';
export type { SoeConnectionOptions } from './soe-connection';
export { SoeEndpoint } from './soe-endpoint';
export type { SoeEndpointHost } from './soe-endpoint';
export { resolveSoeTransportOptions } from './soe-transport-options';
export type { ResolvedSoeTransportOptions } from './soe-transport-options';
