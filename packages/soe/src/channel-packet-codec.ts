import type { ChannelPacket } from './channel-packet';
import { decodeSoeDatagram, encodeSoeDatagram, type SoeEncodeOptions } from './soe-datagram';
import type { SoePacket, SoeSubPacket } from './soe-packet';
import type { SoeSessionParams } from './soe-session-params';

/**
 * The wire packet of a channel packet: `data` → ReliableData (0x09), `fragment` →
 * ReliableDataFragment (0x0D, with the complete length when `totalLength` is set), `ack` →
 * Acknowledge (0x15), `out-of-order` → OutOfOrder (0x11).
 */
export function channelPacketToSoePacket(packet: ChannelPacket): SoeSubPacket {
  switch (packet.kind) {
    case 'data':
      return { kind: 'reliable-data', sequence: packet.sequence, data: packet.payload };
    case 'fragment':
      return packet.totalLength === undefined
        ? { kind: 'reliable-data-fragment', sequence: packet.sequence, data: packet.payload }
        : { kind: 'reliable-data-fragment', sequence: packet.sequence, totalLength: packet.totalLength, data: packet.payload };
    case 'ack':
      return { kind: 'acknowledge', sequence: packet.sequence };
    case 'out-of-order':
      return { kind: 'out-of-order', sequence: packet.sequence };
  }
}

/**
 * The channel packet a decoded wire packet is, or `undefined` for packets outside the reliable
 * channel. A decoded fragment has no `totalLength`: the channel reads it from the first fragment
 * of each message with `splitFirstFragment`.
 */
export function soePacketToChannelPacket(packet: SoePacket): ChannelPacket | undefined {
  switch (packet.kind) {
    case 'reliable-data':
      return { kind: 'data', sequence: packet.sequence, payload: packet.data };
    case 'reliable-data-fragment':
      return { kind: 'fragment', sequence: packet.sequence, payload: packet.data };
    case 'acknowledge':
      return { kind: 'ack', sequence: packet.sequence };
    case 'out-of-order':
      return { kind: 'out-of-order', sequence: packet.sequence };
    default:
      return undefined;
  }
}

/** Encodes a channel packet as one datagram of the session (flag and CRC as negotiated). */
export function encodeChannelPacket(packet: ChannelPacket, session: SoeSessionParams, options?: SoeEncodeOptions): Uint8Array {
  return encodeSoeDatagram(channelPacketToSoePacket(packet), session, options);
}

/**
 * Decodes a datagram of the session into the channel packets it carries: one, several (a
 * MultiPacket), or none (a packet outside the reliable channel). Throws only `SoePacketError`.
 */
export function decodeChannelPackets(datagram: Uint8Array, session: SoeSessionParams): ChannelPacket[] {
  const packet = decodeSoeDatagram(datagram, session);
  const packets = packet.kind === 'multi-packet' ? packet.packets : [packet];
  const out: ChannelPacket[] = [];
  for (const p of packets) {
    const c = soePacketToChannelPacket(p);
    if (c !== undefined) out.push(c);
  }
  return out;
}
