import type { DisconnectReason } from './disconnect-reason';

/** The number of bytes of the CRC-32 check value appended to session-context packets. */
export type CrcLength = 0 | 1 | 2 | 3 | 4;

/** Opens a session: sent by the client. */
export interface SessionRequestPacket {
  readonly kind: 'session-request';
  /** The SOE protocol version; 3 is the documented one. */
  readonly protocolVersion: number;
  /** A random 32-bit identifier chosen by the client. */
  readonly sessionId: number;
  /** The longest UDP datagram the client can receive. */
  readonly udpLength: number;
  /** The application protocol to carry (sent null-terminated, UTF-8). */
  readonly applicationProtocol: string;
}

/** Accepts a session: sent by the server. */
export interface SessionResponsePacket {
  readonly kind: 'session-response';
  readonly sessionId: number;
  /** The random seed of the session's CRC-32. */
  readonly crcSeed: number;
  readonly crcLength: CrcLength;
  /** Whether session-context packets carry the compression flag byte. */
  readonly compression: boolean;
  /** The longest UDP datagram the server can receive. */
  readonly udpLength: number;
  readonly protocolVersion: number;
}

/** Several session-context packets in one datagram (each without flag or CRC). */
export interface MultiPacketPacket {
  readonly kind: 'multi-packet';
  readonly packets: readonly SoeSubPacket[];
}

/** Ends a session. */
export interface DisconnectPacket {
  readonly kind: 'disconnect';
  readonly sessionId: number;
  readonly reason: DisconnectReason;
}

/** Keeps a session alive; carries nothing. */
export interface HeartbeatPacket {
  readonly kind: 'heartbeat';
}

/** One whole reliable payload. */
export interface ReliableDataPacket {
  readonly kind: 'reliable-data';
  readonly sequence: number;
  readonly data: Uint8Array;
}

/**
 * One piece of a fragmented reliable payload. On encode, `totalLength` (the first fragment's
 * complete length) is written before `data` when present. On decode it is never set: whether a
 * fragment is the first of its message is known only to the reliable channel, which reads the
 * length with `splitFirstFragment`.
 */
export interface ReliableDataFragmentPacket {
  readonly kind: 'reliable-data-fragment';
  readonly sequence: number;
  readonly totalLength?: number;
  readonly data: Uint8Array;
}

/** 0x11: one sequence that arrived (ahead of a gap). */
export interface OutOfOrderPacket {
  readonly kind: 'out-of-order';
  readonly sequence: number;
}

/** 0x15: every sequence up to and including `sequence` arrived. */
export interface AcknowledgePacket {
  readonly kind: 'acknowledge';
  readonly sequence: number;
}

/** The receiver has no session for the sender's address. */
export interface UnknownSenderPacket {
  readonly kind: 'unknown-sender';
}

/** Asks the receiver to move an existing session to the sender's new address. */
export interface RemapConnectionPacket {
  readonly kind: 'remap-connection';
  readonly sessionId: number;
  readonly crcSeed: number;
}

/** The packets a MultiPacket may carry: the session-context packets except MultiPacket itself. */
export type SoeSubPacket =
  | DisconnectPacket
  | HeartbeatPacket
  | ReliableDataPacket
  | ReliableDataFragmentPacket
  | OutOfOrderPacket
  | AcknowledgePacket;

/** Packets sent within a session: they carry the negotiated compression flag and CRC. */
export type SoeSessionContextPacket = MultiPacketPacket | SoeSubPacket;

/** Packets sent outside a session: no compression flag, no CRC. */
export type SoeControlPacket = SessionRequestPacket | SessionResponsePacket | UnknownSenderPacket | RemapConnectionPacket;

/** Every SOE packet rxmsg encodes and decodes. */
export type SoePacket = SoeControlPacket | SoeSessionContextPacket;
