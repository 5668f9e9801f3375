/**
 * A seeded virtual network of datagrams in virtual time for two SOE session cores: each direction
 * with its own loss, duplication, reordering, corruption (one byte flipped), delay jitter and
 * datagram size limit. Driven by each side's `nextDeadline()`; deterministic for a given seed.
 */
import type { SoeSession } from '../../src/soe-session';
import { prng } from './virtual-network';

/** Faults of one direction. Rates are in [0, 1]. */
export interface DatagramLinkFaults {
  readonly loss: number;
  readonly duplicate: number;
  readonly reorder: number;
  /** A corrupted datagram has one byte flipped and is still delivered. */
  readonly corrupt: number;
  readonly delayMs: number;
  readonly jitterMs: number;
}

/** A perfect link with the given delay. */
export function cleanLink(delayMs = 5): DatagramLinkFaults {
  return { loss: 0, duplicate: 0, reorder: 0, corrupt: 0, delayMs, jitterMs: 0 };
}

interface Flight {
  readonly at: number;
  readonly order: number;
  readonly to: 0 | 1;
  readonly datagram: Uint8Array;
}

/** What a run did. */
export interface DatagramRunResult {
  readonly delivered: [Uint8Array[], Uint8Array[]];
  readonly now: number;
  readonly steps: number;
  readonly finished: boolean;
  /** Every datagram each side sent, in order (index = sender). */
  readonly sent: [Uint8Array[], Uint8Array[]];
}

/** Options of {@link runSessions}. */
export interface DatagramRunOptions {
  readonly seed: number;
  readonly maxSteps: number;
  /** Stop when virtual time passes this, ms. */
  readonly until?: number;
  /** Stop once both sides are idle with everything offered (default true). */
  readonly stopWhenIdle?: boolean;
  /**
   * Largest datagram a side may send (a larger one is a test failure): one number for both, or per
   * side (e.g. the UDP length that side negotiated, which a corrupted handshake may have changed).
   */
  readonly maxDatagram?: number | ((from: 0 | 1) => number);
}

/**
 * Runs `sides[0]` (started first) and `sides[1]` until both are idle with every payload of `outbox`
 * offered and delivered, a side ends, or the step or time bound passes.
 */
export function runSessions(
  sides: [SoeSession, SoeSession],
  links: [DatagramLinkFaults, DatagramLinkFaults],
  outbox: [readonly Uint8Array[], readonly Uint8Array[]],
  options: DatagramRunOptions,
  startAt = 0,
): DatagramRunResult {
  const random = prng(options.seed);
  const flights: Flight[] = [];
  const delivered: [Uint8Array[], Uint8Array[]] = [[], []];
  const sent: [Uint8Array[], Uint8Array[]] = [[], []];
  const offered = [0, 0];
  let order = 0;
  let now = startAt;
  let steps = 0;
  const stopWhenIdle = options.stopWhenIdle ?? true;

  const offer = (i: 0 | 1): void => {
    const box = outbox[i];
    while (offered[i]! < box.length && sides[i].send(box[offered[i]!] as Uint8Array)) offered[i]! += 1;
  };
  const transmit = (from: 0 | 1, datagrams: readonly Uint8Array[]): void => {
    const link = links[from];
    const to: 0 | 1 = from === 0 ? 1 : 0;
    for (const d of datagrams) {
      sent[from].push(d);
      const max = typeof options.maxDatagram === 'function' ? options.maxDatagram(from) : options.maxDatagram;
      if (max !== undefined && d.length > max) throw new Error(`datagram of ${d.length} bytes over ${max}`);
      const copies = random() < link.duplicate ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        if (random() < link.loss) continue;
        let bytes = d;
        if (random() < link.corrupt && d.length > 0) {
          bytes = d.slice();
          const at = Math.floor(random() * d.length);
          bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(random() * 255));
        }
        const reorderDelay = random() < link.reorder ? link.delayMs + link.jitterMs + random() * 20 : 0;
        const flight = { at: now + link.delayMs + random() * link.jitterMs + reorderDelay, order: order++, to, datagram: bytes };
        let k = flights.length;
        while (k > 0 && (flights[k - 1]!.at > flight.at || (flights[k - 1]!.at === flight.at && flights[k - 1]!.order > flight.order))) k--;
        flights.splice(k, 0, flight);
      }
    }
  };
  const everything = (): boolean => offered[0] === outbox[0].length && offered[1] === outbox[1].length;
  const done = (): boolean =>
    sides.some((s) => s.state === 'ended') ||
    (stopWhenIdle && everything() && sides.every((s) => s.state === 'open' && s.idle) && flights.length === 0);

  sides[0].start(now);
  sides[1].start(now);
  while (steps < options.maxSteps && !done()) {
    steps += 1;
    offer(0);
    offer(1);
    const deadlines = sides.map((s) => s.nextDeadline() ?? Infinity);
    const next = Math.min(flights[0]?.at ?? Infinity, deadlines[0]!, deadlines[1]!);
    if (next === Infinity) break;
    if (options.until !== undefined && next > options.until) {
      now = options.until;
      break;
    }
    now = Math.max(now, next);
    while ((flights[0]?.at ?? Infinity) <= now) {
      const f = flights.shift() as Flight;
      for (const p of sides[f.to].receive(f.datagram, now)) delivered[f.to].push(p);
    }
    for (const i of [0, 1] as const) {
      if ((sides[i].nextDeadline() ?? Infinity) <= now) transmit(i, sides[i].poll(now));
    }
  }
  return { delivered, now, steps, finished: done(), sent };
}
