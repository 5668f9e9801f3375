/**
 * Reassembly of fragmented payloads, fed with in-order packets. The first fragment of a payload
 * declares its complete length, which must be within `maxPayloadBytes`, and every later piece must
 * fit in what remains. The buffer grows with the bytes that arrive (doubling, from
 * `MIN_REASSEMBLY_CAPACITY`, up to the complete length), so it holds at most twice what
 * arrived: allocating the declared length up front let one datagram of a few bytes make a session
 * hold `maxPayloadBytes`.
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

/** The first buffer of a fragmented payload holds this many bytes (or its complete length, if less). */
export const MIN_REASSEMBLY_CAPACITY = 4096;

/** Turns in-order `data` and `fragment` packets into whole payloads. */
export class Reassembler {
  /** The complete length of the payload being reassembled; undefined between payloads. */
  private total: number | undefined;
  /** Its bytes so far, in a buffer of at most `total` bytes that grows as they arrive. */
  private buffer: Uint8Array | undefined;
  private filled = 0;

  /** @param maxPayloadBytes the largest complete length accepted. */
  constructor(private readonly maxPayloadBytes: number) {}

  /** Bytes held by an unfinished payload (its buffer: at most twice what arrived, or `MIN_REASSEMBLY_CAPACITY`), 0 when none. */
  get heldBytes(): number {
    return this.buffer?.length ?? 0;
  }

  /** Feeds the next packet in sequence order. */
  push(packet: Extract<ChannelPacket, { kind: 'data' | 'fragment' }>): ReassemblyResult {
    if (packet.kind === 'data') {
      if (this.total !== undefined) return malformed('a whole payload arrived inside a fragmented one');
      if (packet.payload.length > this.maxPayloadBytes) return tooLarge(packet.payload.length, this.maxPayloadBytes);
      return { kind: 'payload', payload: packet.payload };
    }
    if (this.total === undefined) {
      const total = packet.totalLength;
      if (total === undefined) return malformed('a fragment arrived without a first fragment');
      if (!Number.isInteger(total) || total < 0) return malformed(`invalid complete length ${total}`);
      if (total > this.maxPayloadBytes) return tooLarge(total, this.maxPayloadBytes);
      if (packet.payload.length > total) return malformed(`first fragment of ${packet.payload.length} bytes exceeds its complete length ${total}`);
      this.total = total;
      this.buffer = undefined;
      this.filled = 0;
    } else if (packet.totalLength !== undefined) {
      return malformed('a first fragment arrived inside a fragmented payload');
    }
    const total = this.total;
    const need = this.filled + packet.payload.length;
    if (need > total) return malformed(`fragments exceed the complete length ${total}`);
    let buffer = this.buffer;
    if (buffer === undefined || need > buffer.length) {
      const grown = new Uint8Array(Math.min(total, Math.max(need, 2 * (buffer?.length ?? 0), MIN_REASSEMBLY_CAPACITY)));
      if (buffer !== undefined) grown.set(buffer.subarray(0, this.filled));
      buffer = grown;
      this.buffer = grown;
    }
    buffer.set(packet.payload, this.filled);
    this.filled = need;
    if (need < total) return PENDING;
    // Full: the buffer is exactly `total` bytes (it never grows past it).
    this.total = undefined;
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
