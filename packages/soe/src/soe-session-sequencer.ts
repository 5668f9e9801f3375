/**
 * The receive stage between the wire and the reliable channel: it puts reliable packets back in
 * sequence order before the channel sees them, so that it can tell which fragment starts a
 * message.
 *
 * ## Why the session orders packets itself
 * A `ReliableDataFragment` on the wire does not say whether it is the first of its message; only
 * the first carries the message's complete length, in its first four bytes. The reliable
 * channel's reassembler needs that length as `totalLength`, and a fragment can be known to be
 * first only once every packet before it has been seen. Packets that arrive ahead of a gap are
 * therefore stashed here (bounded by the receive window, as the channel would) and released in
 * order; each in-order fragment that starts a message is split with `splitFirstFragment`. The
 * channel thus only ever sees in-order packets or duplicates behind its window, and this stage
 * takes over the `OutOfOrder` notices the channel would have sent: one for each packet stashed,
 * so that the sender learns which packets arrived beyond a gap and resends only the missing ones.
 */
import type { ChannelPacket } from './channel-packet';
import { sequenceAdd, sequenceDiff } from './reliable-sequence';
import { splitFirstFragment } from './soe-packet-codec';
import { SoePacketError } from './soe-packet-error';

/** A reliable data packet as the channel takes it. */
export type SequencedPacket = Extract<ChannelPacket, { kind: 'data' | 'fragment' }>;

/** What one arriving packet gave: packets for the channel, in order, or a failure that ends the session. */
export type SequencerResult =
  | { readonly kind: 'packets'; readonly packets: readonly SequencedPacket[] }
  | { readonly kind: 'failed'; readonly error: SoePacketError };

/** Counters of a `ReceiveSequencer`. */
export interface ReceiveSequencerStats {
  /** Packets stashed ahead of a gap. */
  readonly stashed: number;
  /** Packets dropped beyond the receive window. */
  readonly droppedBeyondWindow: number;
  /** Duplicates of stashed packets (dropped). */
  readonly duplicates: number;
}

const NONE: SequencerResult = { kind: 'packets', packets: [] };

/** Orders reliable packets and joins the first fragment of each message to its complete length. */
export class ReceiveSequencer {
  private next: number;
  /** Bytes still expected of the fragmented message under way; 0 at a message boundary. */
  private remaining = 0;
  private readonly stash = new Map<number, SequencedPacket>();
  /** Sequences stashed since the last poll, each owed an `OutOfOrder` notice; at most the window. */
  private notices: number[] = [];
  private readonly counters = { stashed: 0, droppedBeyondWindow: 0, duplicates: 0 };

  /**
   * @param initialSequence the first sequence expected (the channel's `initialReceiveSequence`).
   * @param windowPackets packets stashed ahead of a gap, at most (the channel's `receiveWindowPackets`).
   * @param maxPayloadBytes the largest complete length a first fragment may declare.
   */
  constructor(initialSequence: number, private readonly windowPackets: number, private readonly maxPayloadBytes: number) {
    this.next = initialSequence;
  }

  /** Packets held ahead of a gap. */
  get stashedPackets(): number {
    return this.stash.size;
  }

  /** Takes the `OutOfOrder` notices due: one per packet stashed since the last call, in arrival order. */
  takeNotices(): number[] {
    const n = this.notices;
    if (n.length > 0) this.notices = [];
    return n;
  }

  /** Whether an `OutOfOrder` notice waits to be sent. */
  get hasNotice(): boolean {
    return this.notices.length > 0;
  }

  /** Feeds one packet as decoded from the wire (fragments without `totalLength`). */
  accept(packet: SequencedPacket): SequencerResult {
    const d = sequenceDiff(packet.sequence, this.next);
    if (d < 0) return { kind: 'packets', packets: [packet] }; // a duplicate: the channel re-acknowledges it
    if (d > 0) {
      if (d >= this.windowPackets) this.counters.droppedBeyondWindow += 1;
      else if (this.stash.has(packet.sequence)) this.counters.duplicates += 1;
      else {
        this.stash.set(packet.sequence, packet);
        this.counters.stashed += 1;
        // Bounded: a sequence is stashed once, the stash holds at most the window, and the notices are taken every poll.
        if (this.notices.length < this.windowPackets) this.notices.push(packet.sequence);
      }
      return NONE;
    }
    const out: SequencedPacket[] = [];
    let current: SequencedPacket | undefined = packet;
    while (current !== undefined) {
      const joined = this.join(current);
      if (joined.kind === 'failed') return joined;
      out.push(joined.packet);
      this.next = sequenceAdd(this.next, 1);
      current = this.stash.get(this.next);
      if (current !== undefined) this.stash.delete(this.next);
    }
    return { kind: 'packets', packets: out };
  }

  /** Releases everything held. */
  clear(): void {
    this.stash.clear();
    this.notices = [];
  }

  /** Counters. */
  stats(): ReceiveSequencerStats {
    return { ...this.counters };
  }

  private join(packet: SequencedPacket): { kind: 'packet'; packet: SequencedPacket } | { kind: 'failed'; error: SoePacketError } {
    if (packet.kind === 'data') {
      // A whole payload inside a fragmented one is refused by the channel's reassembler.
      this.remaining = 0;
      return { kind: 'packet', packet };
    }
    if (this.remaining > 0) {
      this.remaining = Math.max(0, this.remaining - packet.payload.length);
      return { kind: 'packet', packet };
    }
    let first: { readonly totalLength: number; readonly data: Uint8Array };
    try {
      first = splitFirstFragment(packet.payload, this.maxPayloadBytes);
    } catch (error) {
      if (!(error instanceof SoePacketError)) throw error;
      return { kind: 'failed', error };
    }
    this.remaining = Math.max(0, first.totalLength - first.data.length);
    return { kind: 'packet', packet: { kind: 'fragment', sequence: packet.sequence, totalLength: first.totalLength, payload: first.data } };
  }
}
