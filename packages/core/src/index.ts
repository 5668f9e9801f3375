/**
 * `@rxmsg/core`: protocols from zod schemas, wire codecs and framers, config,
 * typed errors, and the transport and processor interfaces. Browser-safe.
 * @packageDocumentation
 */
export { formatAddress, parseAddress } from './address.js';
export type { Address, InetAddress, UnixAddress } from './address.js';
export { binaryCodec } from './binary-codec.js';
export { concatBytes, utf8Length } from './bytes.js';
export type { Codec } from './codec.js';
export { CLIENT_CONFIG_DEFAULTS, SERVER_CONFIG_DEFAULTS, resolveConfig } from './config.js';
export type {
  BaseConfig,
  ClientConfig,
  ConfigInput,
  DecodeErrorPolicy,
  EffectiveConfig,
  RetryPolicy,
  ServerConfig,
} from './config.js';
export {
  AddressError,
  ClosedError,
  ConfigError,
  ConnectError,
  DecodeError,
  FrameTooLargeError,
  FrameTruncatedError,
  InvalidMessageError,
  MalformedMessageError,
  ProcessorError,
  ProtocolDefinitionError,
  RxmsgError,
  SendQueueFullError,
  TimeoutError,
  TransportError,
  UnknownMessageError,
  toRxmsgError,
} from './errors.js';
export type { DecodeErrorCode, MessageIssue, RxmsgErrorCode } from './errors.js';
export type { FrameResult, Framer } from './framer.js';
export { LENGTH_PREFIX_BYTES, LengthPrefixFramer } from './length-prefix-framer.js';
export { LineFramer } from './line-framer.js';
export type { ClientProcessor, Peer, Processor, ServerProcessor } from './processor.js';
export { MessageSet, defineProtocol } from './protocol.js';
export type {
  AnyProtocol,
  ClientMessage,
  CodecName,
  ErrorReplies,
  InboundOf,
  MessageOf,
  MessageSchema,
  MessageSchemas,
  OutboundOf,
  Protocol,
  ProtocolDefinition,
  ReplySides,
  ServerMessage,
  Side,
} from './protocol.js';
export { backoffDelay, retryBackoff } from './retry-backoff.js';
export type { RetryBackoffOptions } from './retry-backoff.js';
export { textCodec } from './text-codec.js';
export type { Connection, ConnectionHandlers, Listener, Transport, TransportOptions } from './transport.js';
