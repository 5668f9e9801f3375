/**
 * The packets of one SOE reliable channel, as the session core sees them: what the wire format
 * (`ReliableData`, `ReliableDataFragment`, `Acknowledge`, `OutOfOrder`) carries, without its
 * bytes. The packet codec turns them into datagrams and back; the reliable channel sends and
 * receives them. Sequences are 16-bit and wrap.
 */
export type ChannelPacket =
  /** One whole reliable payload. */
  | { readonly kind: 'data'; readonly sequence: number; readonly payload: Uint8Array }
  /** One piece of a payload too large for one datagram; the first piece carries the whole payload's length. */
  | { readonly kind: 'fragment'; readonly sequence: number; readonly totalLength?: number; readonly payload: Uint8Array }
  /** Every sequence up to and including `sequence` arrived. */
  | { readonly kind: 'ack'; readonly sequence: number }
  /** `sequence` arrived ahead of a gap: the sender may resend what precedes it. */
  | { readonly kind: 'out-of-order'; readonly sequence: number };

/** Sequences are 16-bit: they wrap from 65535 to 0. */
export const SEQUENCE_MODULO = 0x1_0000;
