/**
 * Options of an SOE session core, their defaults and their validation. See {@link SoeSession}
 * for how each one is used.
 */
import { ConfigError } from '@rxmsg/core';
import type { CrcLength } from './soe-packet';
import { FRAGMENT_LENGTH_BYTES, resolveReliableOptions, type ReliableChannelOptions } from './reliable-options';

/** The SOE protocol version rxmsg speaks. */
export const SOE_PROTOCOL_VERSION = 3;

/** The smallest UDP length rxmsg negotiates: room for a fragment with its complete length and a few bytes. */
export const MIN_UDP_LENGTH = 64;

/** The largest UDP payload over IPv4. */
export const MAX_UDP_LENGTH = 65_507;

/** Default of `inactivityMs`, in ms. */
const DEFAULT_INACTIVITY_MS = 30_000;

/** Options both roles share. */
export interface SoeSessionCommonOptions {
  /** The longest datagram this end receives (announced to the peer). Default 512, as the documentation's clients use. */
  readonly udpLength?: number;
  /** RC4 key of application data; both ends must hold the same key. Default none (no encryption). */
  readonly rc4Key?: Uint8Array;
  /** Largest application payload sent or accepted, in bytes. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Reliable-channel tuning; `maxDataBytes` and `maxPayloadBytes` follow from the negotiation. */
  readonly reliable?: Omit<ReliableChannelOptions, 'maxDataBytes' | 'maxPayloadBytes'>;
  /** Source of random 32-bit unsigned integers (session id, CRC seed). Default `crypto.getRandomValues`. */
  readonly random?: () => number;
  /**
   * Send a `Heartbeat` after this long without sending anything, in ms; 0 never. Default a third
   * of `inactivityMs` or of the default `inactivityMs` (30 000), whichever is shorter: 10 000 with
   * the defaults, and still 10 000 when only this end tolerates a longer silence (SOE does not
   * tell a peer the other's timeout, so the heartbeat must suit a peer on the defaults). A client whose heartbeat gets no
   * answer sends another after `min(heartbeatMs, inactivityMs − heartbeatMs) / 3`, until the
   * server answers or the session times out.
   *
   * Keep it well under the peer's `inactivityMs`: the difference is all the slack there is for a
   * lost heartbeat and for an event loop that runs its timers late (a process setting up
   * thousands of sessions, a long GC). With 25 000 against 30 000 (the SOE documentation's
   * values, and rxmsg's default before) one heartbeat lost in a burst that overflowed a busy
   * server's socket buffer, or a loop blocked for 5 s, ended the session.
   */
  readonly heartbeatMs?: number;
  /** End the session after this long without receiving anything, in ms. Default 30 000. */
  readonly inactivityMs?: number;
  /** Client: resend the `SessionRequest` this long after the last one while no answer came, in ms. Default 1000. */
  readonly negotiationRetryMs?: number;
  /** Ask for zlib compression of outbound packets when the session negotiated it. Default true. */
  readonly compressOutbound?: boolean;
}

/** Options of the client end: it asks for one application protocol. */
export interface SoeClientSessionOptions extends SoeSessionCommonOptions {
  readonly role: 'client';
  /** The application protocol named in the `SessionRequest`. */
  readonly applicationProtocol: string;
}

/** Options of the server end: it hosts a set of application protocols and chooses the session parameters. */
export interface SoeServerSessionOptions extends SoeSessionCommonOptions {
  readonly role: 'server';
  /** The application protocols hosted: their names, or a predicate. */
  readonly applicationProtocols: readonly string[] | ((name: string) => boolean);
  /** CRC bytes per packet, 0–4. Default 2 (the documented usual value). */
  readonly crcLength?: CrcLength;
  /** Whether packets carry the compression flag byte. Default false. */
  readonly compression?: boolean;
}

/** Options of a {@link SoeSession}. */
export type SoeSessionOptions = SoeClientSessionOptions | SoeServerSessionOptions;

/** The common options with every default filled in. */
export interface ResolvedSoeSessionOptions {
  readonly udpLength: number;
  readonly rc4Key: Uint8Array | undefined;
  readonly maxPayloadBytes: number;
  readonly reliable: Omit<ReliableChannelOptions, 'maxDataBytes' | 'maxPayloadBytes'>;
  readonly random: () => number;
  readonly heartbeatMs: number;
  /** Client: the wait before another `Heartbeat` when the last one got no answer (derived, see `heartbeatMs`). */
  readonly heartbeatRetryMs: number;
  readonly inactivityMs: number;
  readonly negotiationRetryMs: number;
  readonly compressOutbound: boolean;
  readonly crcLength: CrcLength;
  readonly compression: boolean;
}

function cryptoRandom(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0] as number;
}

/** Fills in the defaults and validates; throws a {@link ConfigError} naming the first bad field. */
export function resolveSoeSessionOptions(options: SoeSessionOptions): ResolvedSoeSessionOptions {
  const inactivityMs = options.inactivityMs ?? DEFAULT_INACTIVITY_MS;
  // At least 1: 0 means never, which a short timeout must not turn on by itself.
  // The heartbeat keeps the peer's timeout from firing, and SOE does not tell either end the
  // other's: a longer timeout of this end's own must not make it beat too rarely for a default peer.
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(Math.min(inactivityMs, DEFAULT_INACTIVITY_MS) / 3));
  const o: ResolvedSoeSessionOptions = {
    udpLength: options.udpLength ?? 512,
    rc4Key: options.rc4Key,
    maxPayloadBytes: options.maxPayloadBytes ?? 1024 * 1024,
    reliable: options.reliable ?? {},
    random: options.random ?? cryptoRandom,
    heartbeatMs,
    // No faster retry when heartbeats do not come within the inactivity timeout at all (explicit options).
    heartbeatRetryMs: heartbeatMs < inactivityMs ? Math.max(1, Math.floor(Math.min(heartbeatMs, inactivityMs - heartbeatMs) / 3)) : heartbeatMs,
    inactivityMs,
    negotiationRetryMs: options.negotiationRetryMs ?? 1000,
    compressOutbound: options.compressOutbound ?? true,
    crcLength: options.role === 'server' ? (options.crcLength ?? 2) : 0,
    compression: options.role === 'server' ? (options.compression ?? false) : false,
  };
  const int = (field: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(field, [`must be an integer in [${min}, ${max}], got ${String(v)}`]);
  };
  int('udpLength', o.udpLength, MIN_UDP_LENGTH, MAX_UDP_LENGTH);
  int('maxPayloadBytes', o.maxPayloadBytes, 0, 0xffff_fff0);
  int('crcLength', o.crcLength, 0, 4);
  for (const [field, v] of [['heartbeatMs', o.heartbeatMs], ['inactivityMs', o.inactivityMs], ['negotiationRetryMs', o.negotiationRetryMs]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new ConfigError(field, [`must be a number >= 0, got ${String(v)}`]);
  }
  if (o.inactivityMs <= 0) throw new ConfigError('inactivityMs', ['must be > 0']);
  if (o.negotiationRetryMs <= 0) throw new ConfigError('negotiationRetryMs', ['must be > 0']);
  if (o.rc4Key !== undefined && (o.rc4Key.length < 1 || o.rc4Key.length > 256)) throw new ConfigError('rc4Key', [`must be 1–256 bytes, got ${o.rc4Key.length}`]);
  if (typeof o.random !== 'function') throw new ConfigError('random', ['must be a function']);
  // Checked now, not when a peer's request opens the channel (a throw there would escape a socket handler).
  try {
    resolveReliableOptions({ ...o.reliable, maxDataBytes: FRAGMENT_LENGTH_BYTES * 2 });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`reliable.${error.field}`, error.problems);
    throw error;
  }
  if (options.role === 'client' && (options.applicationProtocol.length === 0 || options.applicationProtocol.includes('\0'))) {
    throw new ConfigError('applicationProtocol', ['must be a non-empty string without NUL']);
  }
  return o;
}
