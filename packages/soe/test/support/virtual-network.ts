/**
 * A seeded virtual network in virtual time for reliable channels: two endpoints, each direction
 * with its own loss, duplication, reordering, corruption (a corrupted datagram fails its CRC and is
 * dropped, so it counts as a loss), delay jitter and datagram size limit. Driven by each side's
 * `nextDeadline()`; deterministic for a given seed.
 */
import type { ChannelPacket } from '../../src/channel-packet';
import { FRAGMENT_LENGTH_BYTES } from '../../src/reliable-options';
import type { ReliableChannel } from '../../src/reliable-channel';

/** Faults of one direction. Rates are in [0, 1]. */
export interface LinkFaults {
  readonly loss: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly corrupt: number;
  /** Base one-way delay, ms. */
  readonly delayMs: number;
  /** Extra uniform delay in [0, jitterMs), ms. */
  readonly jitterMs: number;
  /** Largest data bytes one packet may carry on this link (a packet over it is a test failure). */
  readonly maxDataBytes: number;
}

/** Mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event {
  readonly at: number;
  readonly order: number;
  readonly to: 0 | 1;
  readonly packet: ChannelPacket;
}

/** A binary min-heap of events by time, then by insertion order. */
class EventHeap {
  private readonly items: Event[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Event | undefined {
    return this.items[0];
  }
  push(e: Event): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as Event, a[p] as Event)) break;
      [a[i], a[p]] = [a[p] as Event, a[i] as Event];
      i = p;
    }
  }
  pop(): Event | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as Event, a[m] as Event)) m = l;
        if (r < a.length && less(a[r] as Event, a[m] as Event)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Event, a[i] as Event];
        i = m;
      }
    }
    return top;
  }
}

function less(x: Event, y: Event): boolean {
  return x.at < y.at || (x.at === y.at && x.order < y.order);
}

/** Data bytes a packet takes on the wire (the first fragment also carries the complete length). */
export function dataBytes(packet: ChannelPacket): number {
  if (packet.kind === 'data') return packet.payload.length;
  if (packet.kind === 'fragment') return packet.payload.length + (packet.totalLength === undefined ? 0 : FRAGMENT_LENGTH_BYTES);
  return 0;
}

/** What a simulation did. */
export interface SimulationResult {
  /** Payloads delivered at each side, in delivery order. */
  readonly delivered: [Uint8Array[], Uint8Array[]];
  /** Virtual time at the end, ms. */
  readonly now: number;
  /** Steps taken. */
  readonly steps: number;
  /** Whether both sides finished (everything sent was acknowledged), or one ended. */
  readonly finished: boolean;
  /** Datagrams dropped by loss or corruption. */
  readonly dropped: number;
}

/**
 * Runs `sides[0]` and `sides[1]` over the network until both are idle with nothing left to send,
 * a side ends, or `maxSteps` steps pass. `outbox[i]` are the payloads side `i` sends, in order; they
 * are offered with `send` as its backpressure allows.
 */
export function simulate(
  sides: [ReliableChannel, ReliableChannel],
  links: [LinkFaults, LinkFaults],
  outbox: [readonly Uint8Array[], readonly Uint8Array[]],
  seed: number,
  maxSteps: number,
): SimulationResult {
  const random = prng(seed);
  const heap = new EventHeap();
  const delivered: [Uint8Array[], Uint8Array[]] = [[], []];
  const offered = [0, 0];
  let order = 0;
  let now = 0;
  let steps = 0;
  let dropped = 0;

  const offer = (i: 0 | 1): void => {
    const box = outbox[i];
    while (offered[i]! < box.length && sides[i].send(box[offered[i]!] as Uint8Array)) offered[i]! += 1;
  };
  const transmit = (from: 0 | 1, packets: readonly ChannelPacket[]): void => {
    const link = links[from];
    const to: 0 | 1 = from === 0 ? 1 : 0;
    for (const packet of packets) {
      if (dataBytes(packet) > link.maxDataBytes) throw new Error(`packet of ${dataBytes(packet)} data bytes over the link limit ${link.maxDataBytes}`);
      const copies = random() < link.duplicate ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        if (random() < link.loss || random() < link.corrupt) {
          dropped += 1;
          continue;
        }
        const reorderDelay = random() < link.reorder ? link.delayMs + link.jitterMs + random() * 20 : 0;
        const at = now + link.delayMs + random() * link.jitterMs + reorderDelay;
        heap.push({ at, order: order++, to, packet });
      }
    }
  };
  const done = (): boolean =>
    sides.some((s) => s.ended !== undefined) ||
    (offered[0] === outbox[0].length && offered[1] === outbox[1].length && sides[0].idle && sides[1].idle);

  offer(0);
  offer(1);
  while (steps < maxSteps && !done()) {
    steps += 1;
    const deadlines = sides.map((s) => s.nextDeadline() ?? Infinity);
    const next = Math.min(heap.peek()?.at ?? Infinity, deadlines[0]!, deadlines[1]!);
    if (next === Infinity) break;
    now = Math.max(now, next);
    while ((heap.peek()?.at ?? Infinity) <= now) {
      const e = heap.pop() as Event;
      for (const payload of sides[e.to].receive(e.packet, now)) delivered[e.to].push(payload);
    }
    for (const i of [0, 1] as const) {
      if ((sides[i].nextDeadline() ?? Infinity) <= now) transmit(i, sides[i].poll(now));
      offer(i);
    }
  }
  return { delivered, now, steps, finished: done(), dropped };
}
