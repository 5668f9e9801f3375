/**
 * `@rxmsg/soe`: the SOE reliable-UDP protocol (version 3) for rxmsg. The wire format (packets,
 * the CRC-32 variant, variable-length integers, bundling) and a sans-I/O session core; the UDP
 * driver and the `soe://` transport build on them.
 * @packageDocumentation
 */
export {};
export { ReliableChannel } from './reliable-channel';
export type { ReliableChannelEnd, ReliableChannelStats, ReliableEndReason } from './reliable-channel';
export { FRAGMENT_LENGTH_BYTES, RELIABLE_DEFAULTS, resolveReliableOptions } from './reliable-options';
export type { ReliableChannelOptions, ResolvedReliableOptions } from './reliable-options';
export { Reassembler } from './reliable-reassembler';
export type { ReassemblyFailure, ReassemblyResult } from './reliable-reassembler';
export { RtoEstimator } from './reliable-rto';
export type { RtoParameters } from './reliable-rto';
export { SEQUENCE_HALF, isSequence, sequenceAdd, sequenceDiff } from './reliable-sequence';
