/**
 * Reassembly of fragmented payloads, fed with in-order packets. The first fragment of a payload
 * declares its complete length; the buffer is allocated only once that length is known to be
 * within `maxPayloadBytes`, and every later piece must fit in what remains.
 */
import { FrameTooLargeError, TransportError, type RxmsgError } from '@rxmsg/core';
import type { ChannelPacket } from './channel-packet';

/** Why reassembly failed; each one ends the channel (the stream cannot be resynchronised). */
export type ReassemblyFailure = 'payload-too-large' | 'malformed-fragment';

/** What one in-order packet gave: nothing yet, a whole payload, or a failure. */
export type ReassemblyResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'payload'; readonly payload: Uint8Array }
  | { readonly kind: 'failed'; readonly reason: ReassemblyFailure; readonly error: RxmsgError };

const PENDING: ReassemblyResult = { kind: 'pending' };

/** Turns in-order `data` and `fragment` packets into whole payloads. */
export class Reassembler {
  private buffer: Uint8Array | undefined;
  private filled = 0;

  /** @param maxPayloadBytes the largest complete length accepted. */
  constructor(private readonly maxPayloadBytes: number) {}

  /** Bytes held by an unfinished payload (its declared length), 0 when none. */
  get heldBytes(): number {
    return this.buffer?.length ?? 0;
  }

  /** Feeds the next packet in sequence order. */
  push(packet: Extract<ChannelPacket, { kind: 'data' | 'fragment' }>): ReassemblyResult {
    if (packet.kind === 'data') {
      if (this.buffer !== undefined) return malformed('a whole payload arrived inside a fragmented one');
      if (packet.payload.length > this.maxPayloadBytes) return tooLarge(packet.payload.length, this.maxPayloadBytes);
      return { kind: 'payload', payload: packet.payload };
    }
    if (this.buffer === undefined) {
      const total = packet.totalLength;
      if (total === undefined) return malformed('a fragment arrived without a first fragment');
      if (!Number.isInteger(total) || total < 0) return malformed(`invalid complete length ${total}`);
      if (total > this.maxPayloadBytes) return tooLarge(total, this.maxPayloadBytes);
      if (packet.payload.length > total) return malformed(`first fragment of ${packet.payload.length} bytes exceeds its complete length ${total}`);
      this.buffer = new Uint8Array(total);
      this.filled = 0;
    } else if (packet.totalLength !== undefined) {
      return malformed('a first fragment arrived inside a fragmented payload');
    }
    const buffer = this.buffer;
    if (this.filled + packet.payload.length > buffer.length) {
      return malformed(`fragments exceed the complete length ${buffer.length}`);
    }
    buffer.set(packet.payload, this.filled);
    this.filled += packet.payload.length;
    if (this.filled < buffer.length) return PENDING;
    this.buffer = undefined;
    this.filled = 0;
    return { kind: 'payload', payload: buffer };
  }
}

function malformed(why: string): ReassemblyResult {
  return { kind: 'failed', reason: 'malformed-fragment', error: new TransportError(`malformed fragment: ${why}`) };
}

function tooLarge(size: number, limit: number): ReassemblyResult {
  return { kind: 'failed', reason: 'payload-too-large', error: new FrameTooLargeError(size, limit, false) };
}
