/**
 * `@rxmsg/core`: protocols from zod schemas, wire codecs and framers, config,
 * typed errors, and the transport and processor interfaces. Browser-safe.
 * @packageDocumentation
 */
export { formatAddress, parseAddress } from './address';
export type { Address, InetAddress, UnixAddress } from './address';
export { binaryCodec } from './binary-codec';
export { MAX_CREDIT, MAX_STREAM_ID } from './codec';
export type { Codec, ControlKind, Credit, HeartbeatKind } from './codec';
export { CLIENT_CONFIG_DEFAULTS, SERVER_CONFIG_DEFAULTS, validatesOutbound } from './config';
export type {
  BaseConfig,
  ClientConfig,
  ConfigInput,
  DecodeErrorPolicy,
  EffectiveConfig,
  HeartbeatPolicy,
  LaneConfig,
  OutboundValidation,
  RateLimitAction,
  RateLimitPolicy,
  ReconnectPolicy,
  RetryPolicy,
  SendQueuePolicy,
  ServerConfig,
  WhileDisconnectedPolicy,
} from './config';
export {
  AcceptError,
  AddressError,
  CallbackError,
  ClosedError,
  ConfigError,
  ConnectError,
  DecodeError,
  FlowControlError,
  FrameTooLargeError,
  MAX_SKIP_FACTOR,
  FrameTruncatedError,
  EventBufferFullError,
  InvalidMessageError,
  ListenerError,
  ListenerSocketError,
  MalformedMessageError,
  MemoryLimitError,
  ProcessorError,
  ProtocolDefinitionError,
  CancelledError,
  ReceiveBufferFullError,
  ResumeFrameError,
  ResumeRefusedError,
  RemoteError,
  RequestLimitError,
  RoomAdapterError,
  PeerNotFoundError,
  RemoteDeliveryError,
  WorkerFailedError,
  RoomLimitError,
  RxmsgError,
  SendQueueFullError,
  StageStateError,
  TimeoutError,
  TlsHandshakeError,
  TransportError,
  UnknownMessageError,
  UpgradeError,
  toRxmsgError,
} from './errors';
export type { DecodeErrorCode, ListenerErrorCode, MessageIssue, RequestErrorCode, ResumeRefusalReason, RoomLimit, RxmsgErrorCode, SoeErrorCode } from './errors';
export {
  DEFAULT_CORRELATION_FIELD,
  MAX_ERROR_CODE_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  RequestSpec,
} from './request-spec';
export type { RequestDeclaration, RequestDeclarations, RequestKind, RequestPair, RequestPairs } from './request-spec';
export type { FrameResult, Framer } from './framer';
export type { CertificateFields, HandshakeInfo, HttpUpgrade, PeerCertificate, TlsHandshake, TlsSocketLike } from './handshake';
export { LENGTH_PREFIX_BYTES, LengthPrefixFramer } from './length-prefix-framer';
export { LineFramer } from './line-framer';
export type { LineFramerOptions } from './line-framer';
export { PayloadFramer } from './payload-framer';
export type { ClientProcessor, OutboundStream, Peer, Processor, ProcessorOutput, ServerProcessor } from './processor';
export { MessageSet, defineProtocol } from './protocol';
export type {
  AnyProtocol,
  ClientMessage,
  CodecName,
  ErrorReplies,
  GoingAwayMessages,
  InboundOf,
  MessageLanes,
  MessageOf,
  MessageSchema,
  MessageSchemas,
  OutboundOf,
  Protocol,
  ProtocolDefinition,
  ReplySides,
  RequestsOf,
  ServerMessage,
  Side,
} from './protocol';
export type { ResumeOptions } from './resume-options';
export { retryBackoff } from './retry-backoff';
export type { RetryBackoffOptions } from './retry-backoff';
export { textCodec } from './text-codec';
export type { Connection, ConnectionHandlers, ListenOptions, Listener, Transport, TransportOptions } from './transport';
export { toAsyncApi } from './asyncapi-document';
export type { AsyncApiDocument, AsyncApiOptions } from './asyncapi-document';
export { REFINED_KEYWORD, UNREPRESENTABLE_KEYWORD, messageJsonSchema } from './message-json-schema';
export type { JsonObject, JsonValue } from './message-json-schema';
export { defineStack } from './protocol-stack';
export type { ProtocolStack, ProtocolStackDefinition, StackStage, StackStageDefinition } from './protocol-stack';
export { wireFormat } from './wire-format';
export type { WireFormat } from './wire-format';
