/** Options of the `soe://` transport, their defaults and their validation. */
import { ConfigError } from '@rxmsg/core';
import type { CrcLength } from './soe-packet';
import type { SoeClock } from './soe-session-driver';
import { resolveSoeSessionOptions, type SoeSessionCommonOptions } from './soe-session-options';

/**
 * Options of {@link soeTransport}: those of every session it makes (see `SoeSessionCommonOptions`),
 * the server's session parameters, and the bounds of a listening socket.
 */
export interface SoeTransportOptions extends SoeSessionCommonOptions {
  /**
   * Server: CRC bytes per packet, 0–4. Default 4: the CRC of the session's seed is what tells a
   * client that read the `SessionResponse` from a blind sender forging its address (2 bytes fall
   * to some 32,768 guesses). The session core and the SOE documentation use 2.
   */
  readonly crcLength?: CrcLength;
  /** Server: whether packets carry the compression flag (zlib). Default false. */
  readonly compression?: boolean;
  /**
   * Most sessions one listening socket holds at once; a `SessionRequest` beyond it is dropped and
   * reported to the listeners (`AcceptError`). Default 10 000.
   */
  readonly maxSessions?: number;
  /**
   * Most server sessions whose client has not yet proved it read the `SessionResponse` (a session
   * packet with the session's CRC): UDP source addresses can be forged. Such sessions are not
   * handed to the listener yet; beyond this bound the oldest is dropped without a word. Default 1024.
   */
  readonly maxUnconfirmedSessions?: number;
  /**
   * Bytes of payloads a connection holds while the application paused reading; past it, arriving
   * datagrams are dropped unread, so the peer's data stays unacknowledged and waits in its own
   * window. Default 1 MiB.
   */
  readonly maxHeldBytes?: number;
  /** Bytes a writer may add while the session's send queue is full (see `SoeConnectionOptions`). Default 1 MiB. */
  readonly maxPendingBytes?: number;
  /**
   * Half-close between rxmsg peers: `end()` sends an empty payload as end of stream, and the
   * session is disconnected once both sides ended (see `SoeConnection`). Turn off towards SOE
   * peers that are not rxmsg. Default true.
   */
  readonly halfClose?: boolean;
  /**
   * Server: follow a client's `RemapConnection` to its new address (NAT rebinding). A session's
   * owner can also use it to point the session's traffic at someone else's address (SOE has no
   * proof that the new address belongs to the owner); turn it off where clients do not roam.
   * Default true.
   */
  readonly remap?: boolean;
  /** `UnknownSender` answers a listening socket sends per second at most. Default 100. */
  readonly unknownSenderPerSecond?: number;
  /** Kernel receive and send buffer sizes of each UDP socket, in bytes. Default: the system's. */
  readonly socketBufferBytes?: number;
  /** The clock of every session (ms, non-decreasing). Default `performance.now`. */
  readonly clock?: SoeClock;
}

/** {@link SoeTransportOptions} with the transport's own defaults filled in. */
export interface ResolvedSoeTransportOptions {
  readonly session: SoeSessionCommonOptions;
  readonly crcLength: CrcLength;
  readonly compression: boolean;
  readonly maxSessions: number;
  readonly maxUnconfirmedSessions: number;
  readonly maxHeldBytes: number;
  readonly maxPendingBytes: number;
  readonly halfClose: boolean;
  readonly remap: boolean;
  readonly unknownSenderPerSecond: number;
  readonly socketBufferBytes: number | undefined;
  readonly clock: SoeClock | undefined;
}

/**
 * The UDP length the transport asks for by default: a datagram of 1400 bytes plus IP and UDP
 * headers fits an Ethernet MTU of 1500. (The SOE documentation's clients ask for 512; a server
 * answers the smaller of both, so either end can ask for less.)
 */
export const DEFAULT_SOE_UDP_LENGTH = 1400;

/** Fills in defaults and validates every field once; throws a `ConfigError` naming the first bad one. */
export function resolveSoeTransportOptions(options: SoeTransportOptions = {}): ResolvedSoeTransportOptions {
  const {
    crcLength = 4,
    compression = false,
    maxSessions = 10_000,
    maxUnconfirmedSessions = 1024,
    maxHeldBytes = 1_048_576,
    maxPendingBytes = 1_048_576,
    halfClose = true,
    remap = true,
    unknownSenderPerSecond = 100,
    socketBufferBytes,
    clock,
    ...rest
  } = options;
  const session: SoeSessionCommonOptions = { ...rest, udpLength: rest.udpLength ?? DEFAULT_SOE_UDP_LENGTH };
  // Validates the session fields the way each session will.
  resolveSoeSessionOptions({ ...session, role: 'server', applicationProtocols: [], crcLength, compression });
  const int = (field: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(field, [`must be an integer in [${min}, ${max}], got ${String(v)}`]);
  };
  int('maxSessions', maxSessions, 1, 1_000_000);
  int('maxUnconfirmedSessions', maxUnconfirmedSessions, 1, 1_000_000);
  int('maxHeldBytes', maxHeldBytes, 0, 0x7fff_ffff);
  int('maxPendingBytes', maxPendingBytes, 0, 0x7fff_ffff);
  int('unknownSenderPerSecond', unknownSenderPerSecond, 0, 1_000_000);
  if (socketBufferBytes !== undefined) int('socketBufferBytes', socketBufferBytes, 1024, 0x7fff_ffff);
  if (clock !== undefined && typeof clock !== 'function') throw new ConfigError('clock', ['must be a function']);
  if (typeof halfClose !== 'boolean') throw new ConfigError('halfClose', ['must be a boolean']);
  if (typeof remap !== 'boolean') throw new ConfigError('remap', ['must be a boolean']);
  return { session, crcLength, compression, maxSessions, maxUnconfirmedSessions, maxHeldBytes, maxPendingBytes, halfClose, remap, unknownSenderPerSecond, socketBufferBytes, clock };
}
