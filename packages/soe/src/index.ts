/**
 * `@rxmsg/soe`: the SOE reliable-UDP protocol (version 3) for rxmsg. The wire format (packets,
 * the CRC-32 variant, variable-length integers, bundling) and a sans-I/O session core; the UDP
 * driver and the `soe://` transport build on them.
 * @packageDocumentation
 */
export type { ChannelPacket } from './channel-packet.js';
export { SEQUENCE_MODULO } from './channel-packet.js';
export { SoePacketError, type SoePacketErrorCode } from './soe-packet-error.js';
export { SoeOpCode, isSessionContextOpCode } from './soe-op-code.js';
export { DisconnectReason, isDisconnectReason } from './disconnect-reason.js';
export { soeCrc32 } from './soe-crc32.js';
export type {
  AcknowledgePacket,
  CrcLength,
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
} from './soe-packet.js';
export { multiPacketLengthSize, readMultiPacketLength, writeMultiPacketLength } from './multi-packet-length.js';
export { dataBundleLengthSize, readDataBundleLength, writeDataBundleLength } from './data-bundle-length.js';
export { ByteReader } from './byte-reader.js';
export {
  decodeSoePacketBody,
  decodeSoeSubPacket,
  encodeSoePacketBody,
  encodeSoeSubPacket,
  opCodeOf,
  splitFirstFragment,
  type SoeDecodeLimits,
} from './soe-packet-codec.js';
export { DEFAULT_MAX_INFLATED_LENGTH, PLAIN_SESSION, sessionOverhead, type SoeSessionParams } from './soe-session-params.js';
export { decodeSoeDatagram, encodeSoeDatagram, type SoeEncodeOptions } from './soe-datagram.js';
export { Rc4 } from './rc4.js';
export { DATA_BUNDLE_MAGIC, dataBundleSize, decodeDataBundle, encodeDataBundle, isDataBundle } from './data-bundle.js';
export {
  decodeApplicationData,
  decryptApplicationBuffer,
  encodeApplicationData,
  encryptApplicationBuffer,
} from './application-data.js';
export { channelPacketToSoePacket, decodeChannelPackets, encodeChannelPacket, soePacketToChannelPacket } from './channel-packet-codec.js';
