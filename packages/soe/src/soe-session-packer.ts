/**
 * Packing of outbound session-context packets into datagrams: consecutive packets that fit
 * together within the negotiated UDP length travel as one `MultiPacket` (0x03); a packet alone
 * in its datagram is sent as itself. The packer never splits a packet: reliable data is already
 * cut to fit one datagram by the reliable channel.
 *
 * The packets of the data path (reliable data and fragments, acknowledgements, out-of-order
 * notices, heartbeats) are written straight into their datagram, one allocation each, with the
 * bytes {@link encodeSoeDatagram} would give; the others, and compressed datagrams, go through it.
 */
import { checkUint, putU16, putU32 } from './byte-reader';
import { multiPacketLengthSize, writeMultiPacketLength } from './multi-packet-length';
import { soeCrc32 } from './soe-crc32';
import { encodeSoeDatagram } from './soe-datagram';
import { SoeOpCode } from './soe-op-code';
import type { SoeSubPacket } from './soe-packet';
import { encodeSoeSubPacket } from './soe-packet-codec';
import { sessionOverhead, type SoeSessionParams } from './soe-session-params';

/** The most sub-packets rxmsg puts into one MultiPacket (the decoder's default limit). */
export const MAX_SUB_PACKETS = 256;

/**
 * Encodes `packets`, in order, as few datagrams of at most `udpLength` bytes as greedy packing
 * allows. `compress` asks for zlib compression of each datagram when the session negotiated it.
 */
export function packSubPackets(packets: readonly SoeSubPacket[], session: SoeSessionParams, udpLength: number, compress: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  const overhead = sessionOverhead(session);
  const direct = !(compress && session.compression);
  let group: SoeSubPacket[] = [];
  let lengths: number[] = [];
  let groupSize = overhead;
  const flush = (): void => {
    const only = group.length === 1 ? group[0] : undefined;
    if (only !== undefined) out.push(direct && isDirect(only) ? encodeAlone(only, lengths[0] as number, session) : encodeSoeDatagram(only, session, { compress }));
    else if (group.length > 1) {
      out.push(direct && group.every(isDirect) ? encodeMulti(group, lengths, groupSize, session) : encodeSoeDatagram({ kind: 'multi-packet', packets: group }, session, { compress }));
    }
    group = [];
    lengths = [];
    groupSize = overhead;
  };
  for (const packet of packets) {
    const length = subPacketLength(packet);
    const entry = multiPacketLengthSize(length) + length;
    if (group.length > 0 && (groupSize + entry > udpLength || group.length >= MAX_SUB_PACKETS)) flush();
    group.push(packet);
    lengths.push(length);
    groupSize += entry;
  }
  flush();
  return out;
}

type DirectPacket = Extract<SoeSubPacket, { kind: 'reliable-data' | 'reliable-data-fragment' | 'acknowledge' | 'out-of-order' | 'heartbeat' }>;

function isDirect(packet: SoeSubPacket): packet is DirectPacket {
  switch (packet.kind) {
    case 'reliable-data':
    case 'reliable-data-fragment':
    case 'acknowledge':
    case 'out-of-order':
    case 'heartbeat':
      return true;
    default:
      return false;
  }
}

/** The length of a packet as a sub-packet (op code + body), computed without encoding it when it is a data-path packet. */
function subPacketLength(packet: SoeSubPacket): number {
  switch (packet.kind) {
    case 'reliable-data':
      return 4 + packet.data.length;
    case 'reliable-data-fragment':
      return (packet.totalLength === undefined ? 4 : 8) + packet.data.length;
    case 'acknowledge':
    case 'out-of-order':
      return 4;
    case 'heartbeat':
      return 2;
    default:
      return encodeSoeSubPacket(packet).length;
  }
}

function opCodeOfDirect(packet: DirectPacket): number {
  switch (packet.kind) {
    case 'reliable-data': return SoeOpCode.ReliableData;
    case 'reliable-data-fragment': return SoeOpCode.ReliableDataFragment;
    case 'acknowledge': return SoeOpCode.Acknowledge;
    case 'out-of-order': return SoeOpCode.OutOfOrder;
    case 'heartbeat': return SoeOpCode.Heartbeat;
  }
}

/** Writes op code and body of `packet` at `o` (as `encodeSoeSubPacket` would); returns the offset after it. */
function writeDirect(out: Uint8Array, o: number, packet: DirectPacket): number {
  putU16(out, o, opCodeOfDirect(packet));
  return writeBody(out, o + 2, packet);
}

/** Writes the body of `packet` at `o` (as `encodeSoePacketBody` would); returns the offset after it. */
function writeBody(out: Uint8Array, o: number, packet: DirectPacket): number {
  switch (packet.kind) {
    case 'heartbeat':
      return o;
    case 'acknowledge':
    case 'out-of-order':
      checkUint(packet.sequence, 0xffff, 'sequence');
      putU16(out, o, packet.sequence);
      return o + 2;
    case 'reliable-data':
      checkUint(packet.sequence, 0xffff, 'sequence');
      putU16(out, o, packet.sequence);
      out.set(packet.data, o + 2);
      return o + 2 + packet.data.length;
    case 'reliable-data-fragment':
      checkUint(packet.sequence, 0xffff, 'sequence');
      putU16(out, o, packet.sequence);
      o += 2;
      if (packet.totalLength !== undefined) {
        checkUint(packet.totalLength, 0xffff_ffff, 'totalLength');
        putU32(out, o, packet.totalLength);
        o += 4;
      }
      out.set(packet.data, o);
      return o + packet.data.length;
  }
}

/** A datagram of one packet: op code, the flag byte (0: uncompressed) if negotiated, body, CRC. */
function encodeAlone(packet: DirectPacket, length: number, session: SoeSessionParams): Uint8Array {
  const out = new Uint8Array(length + (session.compression ? 1 : 0) + session.crcLength);
  putU16(out, 0, opCodeOfDirect(packet));
  let o = 2;
  if (session.compression) out[o++] = 0;
  o = writeBody(out, o, packet);
  writeCrc(out, o, session);
  return out;
}

/** A `MultiPacket` datagram of `packets` (`size` bytes, overhead included). */
function encodeMulti(packets: readonly DirectPacket[], lengths: readonly number[], size: number, session: SoeSessionParams): Uint8Array {
  const out = new Uint8Array(size);
  putU16(out, 0, SoeOpCode.MultiPacket);
  let o = 2;
  if (session.compression) out[o++] = 0;
  for (let i = 0; i < packets.length; i++) {
    o = writeMultiPacketLength(out, o, lengths[i] as number);
    o = writeDirect(out, o, packets[i] as DirectPacket);
  }
  writeCrc(out, o, session);
  return out;
}

function writeCrc(out: Uint8Array, at: number, session: SoeSessionParams): void {
  if (session.crcLength === 0) return;
  const crc = soeCrc32(out, session.crcSeed, 0, at);
  for (let i = 0; i < session.crcLength; i++) out[at + i] = (crc >>> (8 * (session.crcLength - 1 - i))) & 0xff;
}
