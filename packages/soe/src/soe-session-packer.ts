/**
 * Packing of outbound session-context packets into datagrams: consecutive packets that fit
 * together within the negotiated UDP length travel as one `MultiPacket` (0x03); a packet alone
 * in its datagram is sent as itself. The packer never splits a packet: reliable data is already
 * cut to fit one datagram by the reliable channel.
 */
import { multiPacketLengthSize } from './multi-packet-length';
import { encodeSoeDatagram } from './soe-datagram';
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
  let group: SoeSubPacket[] = [];
  let groupSize = overhead;
  const flush = (): void => {
    const only = group.length === 1 ? group[0] : undefined;
    if (only !== undefined) out.push(encodeSoeDatagram(only, session, { compress }));
    else if (group.length > 1) out.push(encodeSoeDatagram({ kind: 'multi-packet', packets: group }, session, { compress }));
    group = [];
    groupSize = overhead;
  };
  for (const packet of packets) {
    const length = encodeSoeSubPacket(packet).length;
    const entry = multiPacketLengthSize(length) + length;
    if (group.length > 0 && (groupSize + entry > udpLength || group.length >= MAX_SUB_PACKETS)) flush();
    group.push(packet);
    groupSize += entry;
  }
  flush();
  return out;
}
