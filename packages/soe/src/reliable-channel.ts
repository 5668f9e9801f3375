/**
 * The reliable channel of an SOE session, sans-I/O: a pure object fed with {@link ChannelPacket}s
 * and the current time, giving back the packets to send and the payloads delivered. It owns no
 * timer and no socket and never reads the clock: every call that depends on time takes `now` (ms,
 * non-decreasing), and {@link ReliableChannel.nextDeadline} tells the driver when to call
 * {@link ReliableChannel.poll} next, so one timer per session suffices.
 *
 * ## Sending
 * - {@link ReliableChannel.send} queues a payload. Payloads wait in a send queue bounded by
 *   `sendQueuePayloads` (default 256) and `sendQueueBytes` (default 4 MiB); when a payload does not
 *   fit, `send` returns `false` and queues nothing (backpressure: {@link ReliableChannel.writable}
 *   says whether the queue has room, and it regains room as acknowledgements open the window).
 * - Payloads are cut into packets only as the in-flight window opens, so at most
 *   `sendWindowPackets` (default 64) packets exist at a time, whatever the payload sizes. A payload
 *   of at most `maxDataBytes` becomes one `data` packet; a larger one becomes `fragment` packets,
 *   the first carrying `totalLength` and `maxDataBytes - 4` bytes (the complete length takes four
 *   bytes of its room on the wire), the others `maxDataBytes` bytes each.
 * - Sequences are 16-bit, start at `initialSendSequence` (default 0, as in SOE) and wrap; ordering
 *   uses serial-number arithmetic (RFC 1982), which is why both windows must stay below 32768.
 *
 * ## Acknowledgement and retransmission
 * - An `ack` is cumulative: every sequence up to it arrived. It removes those packets from the
 *   window, takes an RTT sample, clears the backoff and restarts the retransmission timer.
 * - The retransmission timeout follows RFC 6298 (see {@link RtoEstimator}): `initialRtoMs` 1000
 *   before any sample (the RFC's value), then `SRTT + max(G, 4·RTTVAR)` clamped to
 *   `[minRtoMs, maxRtoMs]` = `[100, 8000]` by default. The minimum is below the RFC's 1 s because
 *   SOE peers are interactive and acknowledge within `ackDelayMs` (10 ms); it stays well above that
 *   delay so delayed acks do not cause spurious resends.
 * - Karn's rule: an ack gives an RTT sample only when none of the packets it acknowledges was
 *   retransmitted (fast or on timeout); a cumulative ack that also covers a resent packet is
 *   ambiguous and would inflate the estimate.
 * - When the timer expires, every packet in flight is resent, from the first unacknowledged one
 *   (as the SOE documentation asks), the RTO doubles (up to `maxRtoMs`) and the timer restarts.
 * - Fast resend: an `out-of-order` notice for sequence S means S arrived ahead of a gap (the
 *   receiver sends one for every packet it stashes). S is marked arrived and is never resent
 *   again, not even on a timeout. A packet before S that did not arrive is taken as lost once S
 *   was transmitted at least three transmissions after it (TCP's duplicate-ack threshold, counted
 *   in transmissions as RACK counts in time): it is resent at once, and a packet resent since is
 *   sent after S, so further notices of S do not resend it again.
 * - Tail-loss probe (RFC 8985): when no ack came for two smoothed RTTs (plus the ack delay when
 *   one packet is in flight), the last packet in flight is resent once, without backing off the
 *   timer: a loss at the end of a burst, or of a lone request, is recovered in about an RTT
 *   instead of a retransmission timeout (at least `minRtoMs`). Armed once an RTT was measured,
 *   again after each ack that makes progress.
 * - Acks ride along: an ack that is pending goes out with any data sent before its delay ends.
 * - Probe on a repeated ack: an `ack` for the sequence just before the first one in flight (it
 *   acknowledges nothing new) while packets are in flight means the receiver is there but lacks
 *   them; the first packet in flight is resent at once if it was sent over a smoothed RTT ago
 *   (its ack then arms the tail-loss probe, which recovers the rest). A receiver that stopped
 *   taking data for a while (its application paused reading) sends such an ack with
 *   {@link ReliableChannel.acknowledgeNow} when it reads again, so the sender does not sit out a
 *   backed-off timeout.
 *
 * ## Receiving
 * - The next expected sequence is delivered at once (reassembled into whole payloads when
 *   fragmented), followed by every stashed packet that it makes contiguous.
 * - A packet before the next expected sequence is a duplicate: dropped, counted, and acknowledged
 *   at once (its sender evidently missed an ack).
 * - A packet up to `receiveWindowPackets - 1` (default 63) sequences ahead is stashed (a duplicate
 *   of a stashed one is dropped) and the sender is told with an `out-of-order` notice (one per
 *   poll, for the highest sequence stashed since the last one). Packets further ahead are dropped
 *   and counted: the stash holds at most `receiveWindowPackets` packets whatever arrives.
 * - Acknowledgements are delayed and cumulative: one `ack` for the last in-order sequence after
 *   `ackEveryPackets` (default 4) in-order packets, or `ackDelayMs` (default 10) after the first
 *   unacknowledged one, whichever comes first; at once after a duplicate.
 * - A first fragment declaring a complete length over `maxPayloadBytes` (default 1 MiB) is refused
 *   before anything is allocated.
 *
 * ## What ends a channel
 * Once ended, {@link ReliableChannel.ended} holds the reason and a typed error, every buffer is
 * released, `send` refuses and `poll` returns nothing:
 * - `'unacknowledged-timeout'` ({@link TimeoutError}, code `TIMEOUT`): the retransmission timer
 *   expired more than `maxRetransmissions` (default 12) times in a row without an ack making
 *   progress, or the oldest unacknowledged packet waited `unacknowledgedTimeoutMs` (default 30 s,
 *   the SOE inactivity timeout) without progress;
 * - `'payload-too-large'` ({@link FrameTooLargeError}, code `FRAME_TOO_LARGE`): the peer declared
 *   a payload over `maxPayloadBytes`;
 * - `'malformed-fragment'` ({@link TransportError}, code `TRANSPORT_FAILED`): fragments that do not
 *   add up (a piece without a first fragment, pieces beyond the declared length, a whole payload
 *   inside a fragmented one).
 */
import { TimeoutError, FrameTooLargeError, TransportError, type RxmsgError } from '@rxmsg/core';
import type { ChannelPacket } from './channel-packet';
import { FRAGMENT_LENGTH_BYTES, resolveReliableOptions, type ReliableChannelOptions, type ResolvedReliableOptions } from './reliable-options';
import { FifoQueue } from './reliable-queue';
import { Reassembler, type ReassemblyFailure } from './reliable-reassembler';
import { RtoEstimator } from './reliable-rto';
import { sequenceAdd, sequenceDiff } from './reliable-sequence';

/** Why a reliable channel ended. Stable strings. */
export type ReliableEndReason = 'unacknowledged-timeout' | ReassemblyFailure;

/** How a reliable channel ended. */
export interface ReliableChannelEnd {
  /** The documented reason. */
  readonly reason: ReliableEndReason;
  /** A typed error with a stable `code`. */
  readonly error: RxmsgError;
  /** The `now` at which it ended. */
  readonly at: number;
}

/** Counters and estimates of a reliable channel, for snapshots. */
export interface ReliableChannelStats {
  /** Data and fragment packets sent for the first time. */
  readonly sent: number;
  /** Data and fragment packets sent again (on timeout or fast resend). */
  readonly resent: number;
  /** Packets marked for fast resend on an `out-of-order` notice or a repeated ack. */
  readonly fastResends: number;
  /** Tail-loss probes: the last packet in flight resent after the probe timeout. */
  readonly probes: number;
  /** Expiries of the retransmission timer. */
  readonly timeouts: number;
  /** Acks sent. */
  readonly acksSent: number;
  /** Acks received that acknowledged something. */
  readonly acksReceived: number;
  /** Acks received that acknowledged nothing new (stale or ahead of what was sent). */
  readonly staleAcks: number;
  /** `out-of-order` notices sent. */
  readonly outOfOrderSent: number;
  /** `out-of-order` notices received. */
  readonly outOfOrderReceived: number;
  /** Data packets received more than once (dropped). */
  readonly duplicates: number;
  /** Data packets received ahead of a gap and stashed. */
  readonly outOfOrder: number;
  /** Data packets received beyond the receive window (dropped). */
  readonly droppedBeyondWindow: number;
  /** Whole payloads delivered. */
  readonly delivered: number;
  /** Bytes of the payloads delivered. */
  readonly deliveredBytes: number;
  /** Smoothed RTT in ms, `undefined` before the first sample. */
  readonly srttMs: number | undefined;
  /** RTT variation in ms. */
  readonly rttvarMs: number;
  /** Current retransmission timeout in ms, backoff included. */
  readonly rtoMs: number;
  /** Packets in flight (unacknowledged, or cut and not yet sent). */
  readonly inFlight: number;
  /** Payloads waiting in the send queue. */
  readonly queuedPayloads: number;
  /** Bytes waiting in the send queue. */
  readonly queuedBytes: number;
  /** Packets stashed ahead of a gap. */
  readonly stashed: number;
}

type DataPacket = Extract<ChannelPacket, { kind: 'data' | 'fragment' }>;

interface InFlight {
  readonly packet: DataPacket;
  firstSentAt: number | undefined;
  lastSentAt: number;
  /** Order of its last transmission among all of this channel's transmissions. */
  xmit: number;
  retransmitted: boolean;
  due: boolean;
  /** An `out-of-order` notice said it arrived (it waits in the receiver's stash): never resent. */
  arrived: boolean;
}

/**
 * Transmissions after a packet's own whose arrival, reported by `out-of-order` notices, make it
 * count as lost (as TCP's duplicate-ack threshold): a little reordering costs no resend.
 */
const REORDER_THRESHOLD = 3;

type MutableStats = {
  -readonly [K in keyof ReliableChannelStats]: ReliableChannelStats[K];
};

/** The reliable, ordered channel of one SOE session; see the module documentation. */
export class ReliableChannel {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedReliableOptions;
  private readonly rto: RtoEstimator;
  private endState: ReliableChannelEnd | undefined;
  private lastNow = 0;

  // Sender.
  private readonly queue = new FifoQueue<Uint8Array>();
  private queuedBytes = 0;
  private cutting: { payload: Uint8Array; offset: number } | undefined;
  private readonly inFlight = new FifoQueue<InFlight>();
  private sentCount = 0;
  private anyDue = false;
  private nextSendSequence: number;
  private rtoDeadline: number | undefined;
  private waitingSince = 0;
  private consecutiveTimeouts = 0;
  private transmissions = 0;
  /** When to resend the last packet in flight if no ack came (tail-loss probe); once per flight. */
  private probeDeadline: number | undefined;
  private probedSinceAck = false;

  // Receiver.
  private nextReceiveSequence: number;
  private readonly stash = new Map<number, DataPacket>();
  private readonly reassembler: Reassembler;
  private unackedArrivals = 0;
  private ackDueAt: number | undefined;
  private outOfOrderNotice: number | undefined;

  private readonly counters: MutableStats = {
    sent: 0, resent: 0, fastResends: 0, probes: 0, timeouts: 0, acksSent: 0, acksReceived: 0, staleAcks: 0,
    outOfOrderSent: 0, outOfOrderReceived: 0, duplicates: 0, outOfOrder: 0, droppedBeyondWindow: 0,
    delivered: 0, deliveredBytes: 0, srttMs: undefined, rttvarMs: 0, rtoMs: 0, inFlight: 0,
    queuedPayloads: 0, queuedBytes: 0, stashed: 0,
  };

  /** @throws ConfigError when an option is out of range. */
  constructor(options: ReliableChannelOptions) {
    this.options = resolveReliableOptions(options);
    this.rto = new RtoEstimator(this.options);
    this.nextSendSequence = this.options.initialSendSequence;
    this.nextReceiveSequence = this.options.initialReceiveSequence;
    this.reassembler = new Reassembler(this.options.maxPayloadBytes);
  }

  /** How the channel ended, `undefined` while it is open. */
  get ended(): ReliableChannelEnd | undefined {
    return this.endState;
  }

  /** Whether the send queue has room for another payload (of up to the bytes still free). */
  get writable(): boolean {
    return this.endState === undefined && this.queue.length < this.options.sendQueuePayloads && this.queuedBytes < this.options.sendQueueBytes;
  }

  /**
   * Acknowledges the last in-order sequence at the next poll, even when nothing new arrived: a
   * receiver that dropped data while it could not take it tells the sender to go on (see the
   * probe in the module documentation).
   */
  acknowledgeNow(now: number): void {
    this.tick(now);
    if (this.endState !== undefined) return;
    this.ackDueAt = now;
  }

  /**
   * Takes an RTT measured outside the channel (the session handshake) as a sample, as RFC 6298
   * allows for the SYN exchange: the first data lost then waits about the measured RTO, not the
   * 1 s initial one. Ignored once the channel has a sample of its own.
   */
  sampleRtt(rttMs: number): void {
    if (this.rto.srtt !== undefined || !Number.isFinite(rttMs) || rttMs < 0) return;
    this.rto.sample(rttMs);
  }

  /** Whether {@link send} would take a payload of `bytes` now. */
  accepts(bytes: number): boolean {
    const queued = this.queue.length;
    return this.endState === undefined && queued < this.options.sendQueuePayloads && (queued === 0 || this.queuedBytes + bytes <= this.options.sendQueueBytes);
  }

  /** Whether everything sent was acknowledged and nothing waits to be sent. */
  get idle(): boolean {
    return this.queue.length === 0 && this.cutting === undefined && this.inFlight.length === 0;
  }

  /**
   * Queues `payload` for reliable, ordered delivery. Returns `false`, queuing nothing, when the
   * send queue is full or the channel ended (backpressure: try again once {@link writable}).
   * @throws FrameTooLargeError when `payload` is over `maxPayloadBytes`.
   */
  send(payload: Uint8Array): boolean {
    if (payload.length > this.options.maxPayloadBytes) {
      throw new FrameTooLargeError(payload.length, this.options.maxPayloadBytes);
    }
    if (this.endState !== undefined) return false;
    if (this.queue.length >= this.options.sendQueuePayloads) return false;
    if (this.queuedBytes + payload.length > this.options.sendQueueBytes && this.queue.length > 0) return false;
    this.queue.push(payload);
    this.queuedBytes += payload.length;
    this.fill();
    return true;
  }

  /**
   * Feeds one packet from the peer. Returns the payloads it completed, in order (often none).
   * Acks and notices it calls for are sent by the next {@link poll}; check {@link ended} after.
   */
  receive(packet: ChannelPacket, now: number): Uint8Array[] {
    this.tick(now);
    if (this.endState !== undefined) return [];
    switch (packet.kind) {
      case 'ack':
        this.onAck(packet.sequence, now);
        return [];
      case 'out-of-order':
        this.onOutOfOrder(packet.sequence, now);
        return [];
      default:
        return this.onData(packet, now);
    }
  }

  /**
   * Runs the timers due at `now` and returns the packets to send now, in order: an ack, an
   * `out-of-order` notice, retransmissions, then new packets.
   */
  poll(now: number): ChannelPacket[] {
    this.tick(now);
    if (this.endState !== undefined) return [];
    // Compared as nextDeadline() computes it: `now - since >= ms` can be false in floating point at `now = since + ms`,
    // and the driver would be told to poll at once, for ever.
    if (this.sentCount > 0 && now >= this.waitingSince + this.options.unacknowledgedTimeoutMs) {
      this.end('unacknowledged-timeout', new TimeoutError(`data unacknowledged for ${now - this.waitingSince} ms`), now);
      return [];
    }
    if (this.sentCount > 0 && this.rtoDeadline !== undefined && now >= this.rtoDeadline) {
      this.counters.timeouts += 1;
      this.consecutiveTimeouts += 1;
      if (this.consecutiveTimeouts > this.options.maxRetransmissions) {
        this.end('unacknowledged-timeout', new TimeoutError(`data unacknowledged after ${this.options.maxRetransmissions} retransmissions`), now);
        return [];
      }
      this.rto.backoff();
      for (let i = 0; i < this.sentCount; i++) {
        const entry = this.inFlight.at(i) as InFlight;
        if (entry.arrived) continue;
        entry.due = true;
        entry.retransmitted = true;
        this.anyDue = true;
      }
      this.rtoDeadline = now + this.rto.rto;
      this.probeDeadline = undefined;
    }
    if (this.sentCount > 0 && this.probeDeadline !== undefined && now >= this.probeDeadline) {
      // Tail-loss probe: no ack for a while, perhaps because the last packets were lost and
      // nothing follows them to cause an out-of-order notice. Resend the last one; its ack (or
      // the notice it causes) recovers the rest well before the retransmission timeout.
      this.probeDeadline = undefined;
      this.probedSinceAck = true;
      let last = this.inFlight.at(this.sentCount - 1) as InFlight;
      for (let i = this.sentCount - 2; i >= 0 && last.arrived; i--) last = this.inFlight.at(i) as InFlight;
      if (!last.due && !last.arrived) {
        last.due = true;
        last.retransmitted = true;
        this.anyDue = true;
        this.counters.probes += 1;
      }
    }
    this.fill();
    const out: ChannelPacket[] = [];
    // A pending ack rides along with data sent now (no separate datagram later, and the peer's
    // RTT samples are not inflated by the ack delay).
    if (this.ackDueAt !== undefined && (now >= this.ackDueAt || this.anyDue)) {
      out.push({ kind: 'ack', sequence: sequenceAdd(this.nextReceiveSequence, -1) });
      this.counters.acksSent += 1;
      this.ackDueAt = undefined;
      this.unackedArrivals = 0;
    }
    if (this.outOfOrderNotice !== undefined) {
      out.push({ kind: 'out-of-order', sequence: this.outOfOrderNotice });
      this.counters.outOfOrderSent += 1;
      this.outOfOrderNotice = undefined;
    }
    if (this.anyDue) {
      const hadInFlight = this.sentCount > 0;
      for (let i = 0; i < this.inFlight.length; i++) {
        const entry = this.inFlight.at(i) as InFlight;
        if (!entry.due) continue;
        entry.due = false;
        entry.lastSentAt = now;
        entry.xmit = ++this.transmissions;
        if (entry.firstSentAt === undefined) {
          entry.firstSentAt = now;
          this.sentCount += 1;
          this.counters.sent += 1;
        } else {
          this.counters.resent += 1;
        }
        out.push(entry.packet);
      }
      this.anyDue = false;
      if (!hadInFlight && this.sentCount > 0) {
        this.rtoDeadline = now + this.rto.rto;
        this.waitingSince = now;
      }
      if (this.sentCount > 0 && this.probeDeadline === undefined && !this.probedSinceAck) this.armProbe(now);
    }
    return out;
  }

  /**
   * When {@link poll} must be called next (same clock as `now`); a value at or before the current
   * time means at once. `undefined` when nothing is pending or the channel ended.
   */
  nextDeadline(): number | undefined {
    if (this.endState !== undefined) return undefined;
    if (this.anyDue || this.outOfOrderNotice !== undefined) return this.lastNow;
    let deadline = this.ackDueAt ?? Infinity;
    if (this.sentCount > 0) {
      if (this.rtoDeadline !== undefined) deadline = Math.min(deadline, this.rtoDeadline);
      if (this.probeDeadline !== undefined) deadline = Math.min(deadline, this.probeDeadline);
      deadline = Math.min(deadline, this.waitingSince + this.options.unacknowledgedTimeoutMs);
    }
    return deadline === Infinity ? undefined : deadline;
  }

  /** A snapshot of the counters and estimates. */
  stats(): ReliableChannelStats {
    return {
      ...this.counters,
      srttMs: this.rto.srtt,
      rttvarMs: this.rto.rttvar,
      rtoMs: this.rto.rto,
      inFlight: this.inFlight.length,
      queuedPayloads: this.queue.length + (this.cutting === undefined ? 0 : 1),
      queuedBytes: this.queuedBytes,
      stashed: this.stash.size,
    };
  }

  private tick(now: number): void {
    if (now > this.lastNow) this.lastNow = now;
  }

  /** Cuts queued payloads into packets while the in-flight window has room. */
  private fill(): void {
    const budget = this.options.maxDataBytes;
    while (this.inFlight.length < this.options.sendWindowPackets) {
      if (this.cutting === undefined) {
        const payload = this.queue.shift();
        if (payload === undefined) return;
        this.queuedBytes -= payload.length;
        if (payload.length <= budget) {
          this.enqueue({ kind: 'data', sequence: this.nextSendSequence, payload });
          continue;
        }
        const first = budget - FRAGMENT_LENGTH_BYTES;
        this.enqueue({ kind: 'fragment', sequence: this.nextSendSequence, totalLength: payload.length, payload: payload.subarray(0, first) });
        this.cutting = { payload, offset: first };
        continue;
      }
      const { payload, offset } = this.cutting;
      const end = Math.min(payload.length, offset + budget);
      this.enqueue({ kind: 'fragment', sequence: this.nextSendSequence, payload: payload.subarray(offset, end) });
      if (end >= payload.length) this.cutting = undefined;
      else this.cutting.offset = end;
    }
  }

  private enqueue(packet: DataPacket): void {
    this.inFlight.push({ packet, firstSentAt: undefined, lastSentAt: 0, xmit: 0, retransmitted: false, due: true, arrived: false });
    this.anyDue = true;
    this.nextSendSequence = sequenceAdd(this.nextSendSequence, 1);
  }

  private onAck(sequence: number, now: number): void {
    const first = this.inFlight.peek();
    const d = first === undefined ? -1 : sequenceDiff(sequence, first.packet.sequence);
    if (d < 0 || d >= this.sentCount) {
      this.counters.staleAcks += 1;
      if (d === -1 && first !== undefined) this.probe(now);
      return;
    }
    this.counters.acksReceived += 1;
    let resent = false;
    let acked: InFlight | undefined;
    for (let i = 0; i <= d; i++) {
      acked = this.inFlight.shift() as InFlight;
      if (acked.retransmitted) resent = true;
    }
    this.sentCount -= d + 1;
    if (!resent && acked?.firstSentAt !== undefined) this.rto.sample(now - acked.firstSentAt);
    this.consecutiveTimeouts = 0;
    this.waitingSince = now;
    this.rtoDeadline = this.sentCount > 0 ? now + this.rto.rto : undefined;
    this.probedSinceAck = false;
    this.probeDeadline = undefined;
    if (this.sentCount > 0) this.armProbe(now);
    this.fill();
  }

  /**
   * Arms the tail-loss probe (RFC 8985's PTO): two smoothed RTTs, plus the peer's ack delay when a
   * single packet is in flight (its ack may wait for that delay); only once an RTT was measured,
   * and only when it comes before the retransmission timeout.
   */
  private armProbe(now: number): void {
    const srtt = this.rto.srtt;
    if (srtt === undefined) return;
    const pto = Math.max(2 * srtt + (this.sentCount === 1 ? this.options.ackDelayMs : 0), 2 * this.options.clockGranularityMs);
    if (this.rtoDeadline !== undefined && now + pto >= this.rtoDeadline) return;
    this.probeDeadline = now + pto;
  }

  /** A repeated ack: resend the first packet in flight if it was sent over a smoothed RTT ago (see the module documentation). */
  private probe(now: number): void {
    // Only the first: a repeated ack also comes with every out-of-order notice, where the rest is
    // the notices' business. After a receiver dropped everything, the first's ack arms the
    // tail-loss probe, whose notice then recovers the rest.
    const guard = Math.max(this.rto.srtt ?? this.rto.rto, this.options.clockGranularityMs);
    const first = this.inFlight.at(0) as InFlight;
    if (first.due || first.arrived || now - first.lastSentAt < guard) return;
    first.due = true;
    first.retransmitted = true;
    this.anyDue = true;
    this.counters.fastResends += 1;
  }

  private onOutOfOrder(sequence: number, _now: number): void {
    this.counters.outOfOrderReceived += 1;
    const first = this.inFlight.peek();
    if (first === undefined) return;
    const d = sequenceDiff(sequence, first.packet.sequence);
    if (d <= 0 || d >= this.sentCount) return;
    const reported = this.inFlight.at(d) as InFlight;
    reported.arrived = true;
    // Lost: what was last sent well before a packet that arrived, and did not arrive itself. A
    // packet resent since is sent after the reported one: it waits for a later report.
    for (let i = 0; i < d; i++) {
      const entry = this.inFlight.at(i) as InFlight;
      if (entry.due || entry.arrived || entry.xmit + REORDER_THRESHOLD > reported.xmit) continue;
      entry.due = true;
      entry.retransmitted = true;
      this.anyDue = true;
      this.counters.fastResends += 1;
    }
  }

  private onData(packet: DataPacket, now: number): Uint8Array[] {
    const d = sequenceDiff(packet.sequence, this.nextReceiveSequence);
    if (d < 0) {
      this.counters.duplicates += 1;
      this.ackDueAt = now;
      return [];
    }
    if (d > 0) {
      if (d >= this.options.receiveWindowPackets) {
        this.counters.droppedBeyondWindow += 1;
      } else if (this.stash.has(packet.sequence)) {
        this.counters.duplicates += 1;
      } else {
        this.stash.set(packet.sequence, packet);
        this.counters.outOfOrder += 1;
        const notice = this.outOfOrderNotice;
        if (notice === undefined || sequenceDiff(packet.sequence, notice) > 0) this.outOfOrderNotice = packet.sequence;
      }
      return [];
    }
    const delivered: Uint8Array[] = [];
    let next: DataPacket | undefined = packet;
    while (next !== undefined) {
      const result = this.reassembler.push(next);
      if (result.kind === 'failed') {
        this.end(result.reason, result.error, now);
        return delivered;
      }
      if (result.kind === 'payload') {
        delivered.push(result.payload);
        this.counters.delivered += 1;
        this.counters.deliveredBytes += result.payload.length;
      }
      this.nextReceiveSequence = sequenceAdd(this.nextReceiveSequence, 1);
      this.unackedArrivals += 1;
      next = this.stash.get(this.nextReceiveSequence);
      if (next !== undefined) this.stash.delete(this.nextReceiveSequence);
    }
    if (this.unackedArrivals >= this.options.ackEveryPackets) this.ackDueAt = now;
    else this.ackDueAt ??= now + this.options.ackDelayMs;
    return delivered;
  }

  private end(reason: ReliableEndReason, error: RxmsgError, now: number): void {
    this.endState = { reason, error, at: now };
    this.queue.clear();
    this.queuedBytes = 0;
    this.cutting = undefined;
    this.inFlight.clear();
    this.sentCount = 0;
    this.anyDue = false;
    this.stash.clear();
    this.ackDueAt = undefined;
    this.outOfOrderNotice = undefined;
    this.rtoDeadline = undefined;
  }
}
