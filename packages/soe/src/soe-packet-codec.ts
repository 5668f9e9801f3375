import { ByteReader, checkUint, putU16, putU32 } from './byte-reader';
import { isDisconnectReason } from './disconnect-reason';
import { multiPacketLengthSize, readMultiPacketLength, writeMultiPacketLength } from './multi-packet-length';
import { SoeOpCode } from './soe-op-code';
import type { SoePacket, SoeSubPacket } from './soe-packet';
import { SoePacketError } from './soe-packet-error';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** The op code of a packet. */
export function opCodeOf(packet: SoePacket): SoeOpCode {
  switch (packet.kind) {
    case 'session-request': return SoeOpCode.SessionRequest;
    case 'session-response': return SoeOpCode.SessionResponse;
    case 'multi-packet': return SoeOpCode.MultiPacket;
    case 'disconnect': return SoeOpCode.Disconnect;
    case 'heartbeat': return SoeOpCode.Heartbeat;
    case 'reliable-data': return SoeOpCode.ReliableData;
    case 'reliable-data-fragment': return SoeOpCode.ReliableDataFragment;
    case 'out-of-order': return SoeOpCode.OutOfOrder;
    case 'acknowledge': return SoeOpCode.Acknowledge;
    case 'unknown-sender': return SoeOpCode.UnknownSender;
    case 'remap-connection': return SoeOpCode.RemapConnection;
  }
}

/**
 * Encodes a packet's fields, without op code, compression flag or CRC (the body that
 * compression applies to). Throws `SOE_INVALID` for values the format cannot carry.
 */
export function encodeSoePacketBody(packet: SoePacket): Uint8Array {
  switch (packet.kind) {
    case 'session-request': {
      checkUint(packet.protocolVersion, 0xffff_ffff, 'protocolVersion');
      checkUint(packet.sessionId, 0xffff_ffff, 'sessionId');
      checkUint(packet.udpLength, 0xffff_ffff, 'udpLength');
      const name = utf8Encoder.encode(packet.applicationProtocol);
      if (name.includes(0)) throw new SoePacketError('SOE_INVALID', 'applicationProtocol must not contain NUL');
      const out = new Uint8Array(12 + name.length + 1);
      putU32(out, 0, packet.protocolVersion);
      putU32(out, 4, packet.sessionId);
      putU32(out, 8, packet.udpLength);
      out.set(name, 12);
      return out;
    }
    case 'session-response': {
      checkUint(packet.sessionId, 0xffff_ffff, 'sessionId');
      checkUint(packet.crcSeed, 0xffff_ffff, 'crcSeed');
      checkUint(packet.crcLength, 4, 'crcLength');
      checkUint(packet.udpLength, 0xffff_ffff, 'udpLength');
      checkUint(packet.protocolVersion, 0xffff_ffff, 'protocolVersion');
      const out = new Uint8Array(19);
      putU32(out, 0, packet.sessionId);
      putU32(out, 4, packet.crcSeed);
      out[8] = packet.crcLength;
      out[9] = packet.compression ? 1 : 0;
      out[10] = 0;
      putU32(out, 11, packet.udpLength);
      putU32(out, 15, packet.protocolVersion);
      return out;
    }
    case 'multi-packet': {
      const subs = packet.packets.map((p) => encodeSoeSubPacket(p));
      let size = 0;
      for (const s of subs) size += multiPacketLengthSize(s.length) + s.length;
      const out = new Uint8Array(size);
      let o = 0;
      for (const s of subs) {
        o = writeMultiPacketLength(out, o, s.length);
        out.set(s, o);
        o += s.length;
      }
      return out;
    }
    case 'disconnect': {
      checkUint(packet.sessionId, 0xffff_ffff, 'sessionId');
      checkUint(packet.reason, 0xffff, 'reason');
      const out = new Uint8Array(6);
      putU32(out, 0, packet.sessionId);
      putU16(out, 4, packet.reason);
      return out;
    }
    case 'heartbeat':
    case 'unknown-sender':
      return new Uint8Array(0);
    case 'reliable-data': {
      checkUint(packet.sequence, 0xffff, 'sequence');
      const out = new Uint8Array(2 + packet.data.length);
      putU16(out, 0, packet.sequence);
      out.set(packet.data, 2);
      return out;
    }
    case 'reliable-data-fragment': {
      checkUint(packet.sequence, 0xffff, 'sequence');
      const head = packet.totalLength === undefined ? 2 : 6;
      const out = new Uint8Array(head + packet.data.length);
      putU16(out, 0, packet.sequence);
      if (packet.totalLength !== undefined) {
        checkUint(packet.totalLength, 0xffff_ffff, 'totalLength');
        putU32(out, 2, packet.totalLength);
      }
      out.set(packet.data, head);
      return out;
    }
    case 'out-of-order':
    case 'acknowledge': {
      checkUint(packet.sequence, 0xffff, 'sequence');
      const out = new Uint8Array(2);
      putU16(out, 0, packet.sequence);
      return out;
    }
    case 'remap-connection': {
      checkUint(packet.sessionId, 0xffff_ffff, 'sessionId');
      checkUint(packet.crcSeed, 0xffff_ffff, 'crcSeed');
      const out = new Uint8Array(8);
      putU32(out, 0, packet.sessionId);
      putU32(out, 4, packet.crcSeed);
      return out;
    }
  }
}

/** Encodes a packet as op code + body: the whole of a control packet, or a MultiPacket's sub-packet. */
export function encodeSoeSubPacket(packet: SoePacket): Uint8Array {
  const body = encodeSoePacketBody(packet);
  const out = new Uint8Array(2 + body.length);
  putU16(out, 0, opCodeOf(packet));
  out.set(body, 2);
  return out;
}

/** Limits applied while decoding. */
export interface SoeDecodeLimits {
  /** The most sub-packets one MultiPacket may hold (default 256). */
  readonly maxSubPackets?: number;
}

/**
 * Decodes a packet body for `opCode` (the bytes after op code and compression flag, before the
 * CRC). Returns views into `body`. Throws only {@link SoePacketError}.
 */
export function decodeSoePacketBody(opCode: number, body: Uint8Array, limits: SoeDecodeLimits = {}): SoePacket {
  const r = new ByteReader(body);
  switch (opCode) {
    case SoeOpCode.SessionRequest: {
      const protocolVersion = r.u32('SessionRequest version');
      const sessionId = r.u32('SessionRequest session id');
      const udpLength = r.u32('SessionRequest UDP length');
      const rest = r.rest();
      const nul = rest.indexOf(0);
      if (nul < 0) throw new SoePacketError('SOE_MALFORMED', 'SessionRequest: application protocol is not null-terminated');
      if (nul !== rest.length - 1) throw new SoePacketError('SOE_MALFORMED', 'SessionRequest: trailing bytes after the application protocol');
      let applicationProtocol: string;
      try {
        applicationProtocol = utf8Decoder.decode(rest.subarray(0, nul));
      } catch (cause) {
        throw new SoePacketError('SOE_MALFORMED', 'SessionRequest: application protocol is not UTF-8', { cause });
      }
      return { kind: 'session-request', protocolVersion, sessionId, udpLength, applicationProtocol };
    }
    case SoeOpCode.SessionResponse: {
      const sessionId = r.u32('SessionResponse session id');
      const crcSeed = r.u32('SessionResponse CRC seed');
      const crcLength = r.u8('SessionResponse CRC length');
      if (crcLength > 4) throw new SoePacketError('SOE_MALFORMED', `SessionResponse: CRC length ${crcLength} is not in 0–4`);
      const flag = r.u8('SessionResponse compression flag');
      if (flag > 1) throw new SoePacketError('SOE_MALFORMED', `SessionResponse: compression flag ${flag} is not 0 or 1`);
      r.u8('SessionResponse unknown byte');
      const udpLength = r.u32('SessionResponse UDP length');
      const protocolVersion = r.u32('SessionResponse version');
      r.done('SessionResponse');
      return { kind: 'session-response', sessionId, crcSeed, crcLength: crcLength as 0 | 1 | 2 | 3 | 4, compression: flag === 1, udpLength, protocolVersion };
    }
    case SoeOpCode.MultiPacket: {
      const max = limits.maxSubPackets ?? 256;
      const packets: SoeSubPacket[] = [];
      while (r.remaining > 0) {
        if (packets.length >= max) throw new SoePacketError('SOE_TOO_LARGE', `MultiPacket: more than ${max} sub-packets`);
        const length = readMultiPacketLength(r);
        if (length > r.remaining) throw new SoePacketError('SOE_MALFORMED', `MultiPacket: sub-packet length ${length} exceeds the ${r.remaining} byte(s) left`);
        const sub = r.bytesView(length, 'MultiPacket sub-packet');
        packets.push(decodeSoeSubPacket(sub));
      }
      return { kind: 'multi-packet', packets };
    }
    case SoeOpCode.Disconnect: {
      const sessionId = r.u32('Disconnect session id');
      const reason = r.u16('Disconnect reason');
      r.done('Disconnect');
      if (!isDisconnectReason(reason)) throw new SoePacketError('SOE_MALFORMED', `Disconnect: unknown reason ${reason}`);
      return { kind: 'disconnect', sessionId, reason };
    }
    case SoeOpCode.Heartbeat:
      r.done('Heartbeat');
      return { kind: 'heartbeat' };
    case SoeOpCode.ReliableData: {
      const sequence = r.u16('ReliableData sequence');
      return { kind: 'reliable-data', sequence, data: r.rest() };
    }
    case SoeOpCode.ReliableDataFragment: {
      const sequence = r.u16('ReliableDataFragment sequence');
      return { kind: 'reliable-data-fragment', sequence, data: r.rest() };
    }
    case SoeOpCode.OutOfOrder:
    case SoeOpCode.Acknowledge: {
      const sequence = r.u16('sequence');
      r.done(opCode === SoeOpCode.OutOfOrder ? 'OutOfOrder' : 'Acknowledge');
      return { kind: opCode === SoeOpCode.OutOfOrder ? 'out-of-order' : 'acknowledge', sequence };
    }
    case SoeOpCode.UnknownSender:
      r.done('UnknownSender');
      return { kind: 'unknown-sender' };
    case SoeOpCode.RemapConnection: {
      const sessionId = r.u32('RemapConnection session id');
      const crcSeed = r.u32('RemapConnection CRC seed');
      r.done('RemapConnection');
      return { kind: 'remap-connection', sessionId, crcSeed };
    }
    default:
      throw new SoePacketError('SOE_UNKNOWN_OPCODE', `unknown op code 0x${opCode.toString(16).padStart(4, '0')}`);
  }
}

/**
 * Decodes op code + body, with no compression flag and no CRC: a control packet's datagram, or
 * one MultiPacket sub-packet (which must be a session-context packet other than MultiPacket).
 */
export function decodeSoeSubPacket(bytes: Uint8Array): SoeSubPacket {
  const r = new ByteReader(bytes);
  const opCode = r.u16('op code');
  if (opCode === SoeOpCode.MultiPacket) throw new SoePacketError('SOE_MALFORMED', 'MultiPacket: a MultiPacket cannot be a sub-packet');
  const packet = decodeSoePacketBody(opCode, r.rest());
  switch (packet.kind) {
    case 'disconnect':
    case 'heartbeat':
    case 'reliable-data':
    case 'reliable-data-fragment':
    case 'out-of-order':
    case 'acknowledge':
      return packet;
    default:
      throw new SoePacketError('SOE_MALFORMED', `MultiPacket: a ${packet.kind} packet cannot be a sub-packet`);
  }
}

/**
 * Reads the complete length a first fragment starts with; returns it and the fragment's data.
 * Throws `SOE_MALFORMED` if fewer than 4 bytes, `SOE_TOO_LARGE` if the length exceeds `maxLength`.
 */
export function splitFirstFragment(data: Uint8Array, maxLength: number): { readonly totalLength: number; readonly data: Uint8Array } {
  const r = new ByteReader(data);
  const totalLength = r.u32('ReliableDataFragment complete length');
  if (totalLength > maxLength) throw new SoePacketError('SOE_TOO_LARGE', `fragmented payload of ${totalLength} bytes exceeds the maximum of ${maxLength}`);
  return { totalLength, data: r.rest() };
}
