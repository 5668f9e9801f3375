import { deflateSync, inflateSync } from 'node:zlib';
import { ByteReader, putU16 } from './byte-reader';
import { isSessionContextOpCode } from './soe-op-code';
import { soeCrc32 } from './soe-crc32';
import type { SoePacket } from './soe-packet';
import { decodeSoePacketBody, encodeSoePacketBody, opCodeOf, type SoeDecodeLimits } from './soe-packet-codec';
import { SoePacketError } from './soe-packet-error';
import { DEFAULT_MAX_INFLATED_LENGTH, type SoeSessionParams } from './soe-session-params';

/** Options of {@link encodeSoeDatagram}. */
export interface SoeEncodeOptions {
  /**
   * Compress the packet's fields with zlib when the session negotiated compression and this
   * makes the datagram smaller. Default false: the flag byte is then written as 0x00.
   */
  readonly compress?: boolean;
}

/**
 * Encodes one packet as a datagram. Control packets (`SessionRequest`, `SessionResponse`,
 * `UnknownSender`, `RemapConnection`) are op code + fields. Session-context packets need the
 * session's parameters: op code, the compression flag byte if negotiated (0x01 when the fields
 * are zlib-compressed), the fields, then the low `crcLength` bytes of the CRC-32 of everything
 * before it, big-endian. Throws `SOE_NO_SESSION` or `SOE_INVALID`.
 */
export function encodeSoeDatagram(packet: SoePacket, session?: SoeSessionParams, options: SoeEncodeOptions = {}): Uint8Array {
  const opCode = opCodeOf(packet);
  let body = encodeSoePacketBody(packet);
  if (!isSessionContextOpCode(opCode)) {
    const out = new Uint8Array(2 + body.length);
    putU16(out, 0, opCode);
    out.set(body, 2);
    return out;
  }
  if (session === undefined) throw new SoePacketError('SOE_NO_SESSION', `a ${packet.kind} packet needs the session's parameters`);
  let flag = 0;
  if (session.compression && options.compress === true) {
    const deflated = deflateSync(body);
    if (deflated.length < body.length) {
      body = deflated;
      flag = 1;
    }
  }
  const head = session.compression ? 3 : 2;
  const out = new Uint8Array(head + body.length + session.crcLength);
  putU16(out, 0, opCode);
  if (session.compression) out[2] = flag;
  out.set(body, head);
  writeCrc(out, head + body.length, session);
  return out;
}

function writeCrc(out: Uint8Array, at: number, session: SoeSessionParams): void {
  if (session.crcLength === 0) return;
  const crc = soeCrc32(out, session.crcSeed, 0, at);
  for (let i = 0; i < session.crcLength; i++) out[at + i] = (crc >>> (8 * (session.crcLength - 1 - i))) & 0xff;
}

/**
 * Decodes one datagram. Session-context packets are checked against the session's CRC and
 * inflated if flagged (never beyond `maxInflatedLength`); without `session` they fail with
 * `SOE_NO_SESSION`. Byte fields of the result are views into `datagram` (or the inflated body).
 * Throws only {@link SoePacketError}.
 */
export function decodeSoeDatagram(datagram: Uint8Array, session?: SoeSessionParams, limits: SoeDecodeLimits = {}): SoePacket {
  const r = new ByteReader(datagram);
  const opCode = r.u16('op code');
  if (!isSessionContextOpCode(opCode)) return decodeSoePacketBody(opCode, r.rest(), limits);
  if (session === undefined) throw new SoePacketError('SOE_NO_SESSION', `op code 0x${opCode.toString(16)} needs a session`);
  const head = session.compression ? 3 : 2;
  const bodyEnd = datagram.length - session.crcLength;
  if (bodyEnd < head) throw new SoePacketError('SOE_MALFORMED', `truncated: ${datagram.length} byte(s) cannot hold op code, flag and CRC`);
  if (session.crcLength > 0) {
    const crc = soeCrc32(datagram, session.crcSeed, 0, bodyEnd);
    for (let i = 0; i < session.crcLength; i++) {
      if (datagram[bodyEnd + i] !== ((crc >>> (8 * (session.crcLength - 1 - i))) & 0xff)) {
        throw new SoePacketError('SOE_CRC', 'CRC-32 check value does not match');
      }
    }
  }
  let body = datagram.subarray(head, bodyEnd);
  if (session.compression) {
    const flag = datagram[2];
    if (flag === 1) body = inflate(body, session.maxInflatedLength ?? DEFAULT_MAX_INFLATED_LENGTH);
    else if (flag !== 0) throw new SoePacketError('SOE_MALFORMED', `compression flag ${String(flag)} is not 0 or 1`);
  }
  return decodeSoePacketBody(opCode, body, limits);
}

function inflate(body: Uint8Array, max: number): Uint8Array {
  try {
    return inflateSync(body, { maxOutputLength: max });
  } catch (cause) {
    if (cause instanceof RangeError) throw new SoePacketError('SOE_TOO_LARGE', `compressed packet inflates beyond ${max} bytes`, { cause });
    throw new SoePacketError('SOE_MALFORMED', 'compressed packet is not valid zlib data', { cause });
  }
}
