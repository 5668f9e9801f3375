import { expect } from 'chai';
import fc from 'fast-check';
import { BACKPRESSURE_CAP, connectionMemoryBound, createServer, type Codec, type DecodeErrorPolicy } from '@rxmsg/node';
import { activeResources, leakedResources, watchProcess, within } from '@rxmsg/test-utils';
import { BudgetSampler, MirrorBinary, MirrorText, ReadingPeer, mirror, nthPing, nthPong } from './hostile-peers';
import { WirePeer, frames, lengthPrefix } from './wire-peer';

// A property of the whole server (issue 10): for any sequence of actions from up to 20 peers over
// real loopback sockets, the process stays up, every well-behaved peer gets every reply in order
// and keeps its connection, no connection holds more than connectionMemoryBound(config), and the
// server then closes with no handle left behind.
//
// Well-behaved peers write only valid frames; they may stop reading and read again (a slow reader is
// not at fault: backpressure must lose nothing) and half-close once done (reading the rest first).
// Hostile peers do anything: arbitrary bytes, oversize prefixes, partial frames, heartbeats, floods
// without reading, half-close, close, reset, reconnect.
//
// Each run gets a fresh server: a run's events and leaks are its own, so "no handle left after
// close" is checked for every sequence, and a shrunk counterexample replays alone. A server starts
// and stops in a few milliseconds, far less than the run itself.

const CONFIG = {
  maxFrameBytes: 16_384,
  receiveQueueLimit: 8,
  sendQueueBytes: 16_384,
  sendQueueLimit: 64,
  onSendQueueFull: 'backpressure',
  rateLimit: { messagesPerSecond: 20_000, burst: 200, onExceed: 'pause' },
  // Pings go out to peers that do not read; none times out within a run.
  heartbeat: { intervalMs: 50, timeoutMs: 60_000 },
  // A well-behaved peer may connect and stay silent for the whole run.
  handshakeTimeoutMs: 0,
  // Above what 20 connections can hold: no well-behaved slow reader is ever shed (memory-limit is the hostile-mix test's part).
  maxBufferedBytes: 64 * 1024 * 1024,
  flushTimeoutMs: 2000,
} as const;
const PEERS = 20;
/**
 * Well-behaved requests carry pads of up to this many bytes, answered alike: a burst of a few
 * hundred is megabytes, more than loopback's socket buffers take from a peer that stops reading,
 * so the server's send queue fills and its backpressure is what keeps every reply.
 */
const MAX_PAD = 12_000;
const BOUND = connectionMemoryBound(CONFIG);
const NUM_RUNS = 30;
const MIN_RUNS = 5;
const TIME_LIMIT_MS = 25_000;
/** How long a well-behaved peer may wait for its replies at the end of a run (a bound, not an expectation). */
const REPLY_WAIT_MS = 10_000;
/** How long a `settle` action may wait for the server to read (a bound, not an expectation). */
const SETTLE_MS = 5000;

/** Bytes a hostile peer writes; rendered with the run's codec. */
type Junk =
  | { readonly t: 'raw'; readonly bytes: Uint8Array }
  | { readonly t: 'line'; readonly text: string }
  | { readonly t: 'prefix'; readonly length: number }
  | { readonly t: 'pings'; readonly count: number }
  | { readonly t: 'partial'; readonly n: number }
  | { readonly t: 'flood'; readonly count: number };

type Action =
  | { readonly kind: 'connect'; readonly peer: number }
  | { readonly kind: 'valid'; readonly peer: number; readonly count: number }
  | { readonly kind: 'burst'; readonly peer: number; readonly count: number }
  | { readonly kind: 'junk'; readonly peer: number; readonly junk: Junk }
  | { readonly kind: 'stop-reading'; readonly peer: number }
  | { readonly kind: 'resume-reading'; readonly peer: number }
  | { readonly kind: 'half-close'; readonly peer: number }
  | { readonly kind: 'close'; readonly peer: number }
  | { readonly kind: 'reset'; readonly peer: number }
  | { readonly kind: 'settle' };

// Most actions go to a few peers, so that one peer gets several in a row (a burst, a pause, another burst...).
const peer = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 2 }) }, { weight: 1, arbitrary: fc.nat({ max: PEERS - 1 }) });
const junk: fc.Arbitrary<Junk> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((bytes) => ({ t: 'raw' as const, bytes })),
  fc.string({ unit: 'binary', maxLength: 1500 }).map((text) => ({ t: 'line' as const, text })),
  fc.oneof(fc.nat({ max: 5000 }), fc.integer({ min: 0, max: 0xffffffff })).map((length) => ({ t: 'prefix' as const, length })),
  fc.integer({ min: 1, max: 300 }).map((count) => ({ t: 'pings' as const, count })),
  fc.nat({ max: 1000 }).map((n) => ({ t: 'partial' as const, n })),
  fc.integer({ min: 1, max: 200 }).map((count) => ({ t: 'flood' as const, count })),
);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('connect' as const), peer }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('valid' as const), peer, count: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), peer, count: fc.integer({ min: 100, max: 1000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('junk' as const), peer, junk }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop-reading' as const), peer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resume-reading' as const), peer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('half-close' as const), peer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), peer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), peer }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'settle' as const }) },
);
const scenario = fc.record({
  codec: fc.constantFrom('text' as const, 'binary' as const),
  onDecodeError: fc.constantFrom<DecodeErrorPolicy>('disconnect', 'reply', 'ignore'),
  /** One flag per peer: well-behaved or hostile. */
  wellBehaved: fc.array(fc.boolean(), { minLength: 1, maxLength: PEERS, size: 'max' }),
  actions: fc.array(action, { minLength: 1, maxLength: 60, size: 'max' }),
});

const encoder = new TextEncoder();

function render(j: Junk, codec: Codec): Uint8Array {
  const bytes = (f: string | Uint8Array) => (typeof f === 'string' ? encoder.encode(f) : f);
  switch (j.t) {
    case 'raw':
      return j.bytes;
    case 'line':
      return encoder.encode(`${j.text}\n`);
    case 'prefix':
      return lengthPrefix(j.length);
    case 'pings': {
      const one = bytes(codec.controlFrame('ping', true));
      const out = new Uint8Array(one.length * j.count);
      for (let k = 0; k < j.count; k++) out.set(one, k * one.length);
      return out;
    }
    case 'partial': {
      const whole = frames(codec, [nthPing(j.n)]);
      return whole.subarray(0, Math.max(1, whole.length - 1 - (j.n % whole.length)));
    }
    case 'flood':
      return frames(codec, Array.from({ length: j.count }, (_, n) => nthPing(n + 600)));
  }
}

/** A well-behaved peer slot of a run: it writes only valid frames, numbered 0, 1, 2, ... */
interface GoodSlot {
  readonly wellBehaved: true;
  peer: ReadingPeer | undefined;
  /** Pings sent. */
  sent: number;
  halfClosed: boolean;
}

/** A hostile peer slot of a run. */
interface HostileSlot {
  readonly wellBehaved: false;
  peer: WirePeer | undefined;
  /** It closed or reset its socket (a `connect` opens a new one). */
  gone: boolean;
}

/** Write without waiting: a peer the server stopped reading must not block the sequence. */
function write(p: WirePeer, bytes: Uint8Array): void {
  p.write(bytes).catch(() => undefined);
}

describe('property: the whole server under any sequence of peer actions (fast-check)', () => {
  it(`up to ${PEERS} peers, well-behaved or hostile: the process stays up, well-behaved peers get every reply in order, memory stays within the budget, the server closes clean`, async function () {
    this.timeout(TIME_LIMIT_MS + 30_000);
    let runs = 0;
    let actions = 0;
    let maxHeld = 0;
    let maxBuffered = 0;
    let wellBehavedReplies = 0;
    const watch = watchProcess();
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const before = await activeResources();
          const protocol = s.codec === 'text' ? MirrorText : MirrorBinary;
          const codec = protocol.codec;
          const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol, processor: mirror, config: { ...CONFIG, onDecodeError: s.onDecodeError } });
          const sampler = new BudgetSampler(server, { perConnection: BOUND, queued: BACKPRESSURE_CAP * CONFIG.sendQueueLimit, total: PEERS * BOUND }, 5);
          const address = server.addresses()[0]!;
          const slots: (GoodSlot | HostileSlot)[] = s.wellBehaved.map((good) =>
            good ? { wellBehaved: true, peer: undefined, sent: 0, halfClosed: false } : { wellBehaved: false, peer: undefined, gone: false },
          );
          const ping = (n: number) => nthPing(n, MAX_PAD);
          try {
            /**
             * Wait until the server has read all that each well-behaved peer wrote, or stopped reading it
             * with replies queued (backpressure): replies to a peer that stopped reading then pile up
             * past what loopback's socket buffers take.
             */
            const settle = async () => {
              for (const slot of slots) {
                if (!slot.wellBehaved || slot.peer === undefined || slot.halfClosed) continue;
                const p = slot.peer;
                const remote = `tcp://127.0.0.1:${p.socket.localPort}`;
                const deadline = Date.now() + SETTLE_MS;
                for (;;) {
                  const c = server.snapshot().connections.find((x) => x.remoteAddress === remote);
                  if (c === undefined || c.bytesIn >= p.socket.bytesWritten || (c.inputPaused && c.queued > 0)) break;
                  if (Date.now() > deadline) throw new Error(`the server neither read nor paused ${remote} within ${SETTLE_MS} ms: ${JSON.stringify(c)}`);
                  await new Promise((r) => setTimeout(r, 1));
                }
              }
            };
            for (const a of s.actions) {
              if (a.kind === 'settle') {
                await settle();
                actions++;
                continue;
              }
              const slot = slots[a.peer % slots.length]!;
              if (slot.wellBehaved) {
                if (slot.halfClosed) continue;
                const p = (slot.peer ??= await ReadingPeer.connect(address, codec));
                switch (a.kind) {
                  case 'valid':
                  case 'burst':
                  case 'junk': {
                    // A well-behaved peer writes only valid frames.
                    const count = a.kind === 'junk' ? 1 : a.count;
                    const first = slot.sent;
                    p.write(frames(codec, Array.from({ length: count }, (_, k) => ping(first + k))));
                    slot.sent += count;
                    break;
                  }
                  case 'stop-reading':
                    p.socket.pause();
                    break;
                  case 'half-close':
                    // Done: it reads the rest of its replies, then the server ends the connection.
                    p.socket.resume();
                    p.socket.end();
                    slot.halfClosed = true;
                    break;
                  case 'connect':
                  case 'resume-reading':
                  case 'close':
                  case 'reset':
                    p.socket.resume();
                    break;
                }
              } else {
                if (slot.gone && a.kind !== 'connect') continue;
                if (slot.peer === undefined || slot.gone) {
                  slot.peer = await WirePeer.connect(address, codec);
                  slot.gone = false;
                }
                const p = slot.peer;
                switch (a.kind) {
                  case 'connect':
                    break;
                  case 'valid':
                  case 'burst':
                    write(p, frames(codec, Array.from({ length: a.count }, (_, k) => ping(k))));
                    break;
                  case 'junk':
                    write(p, render(a.junk, codec));
                    break;
                  case 'stop-reading':
                    p.pause();
                    break;
                  case 'resume-reading':
                    p.resume();
                    break;
                  case 'half-close':
                    p.raw.end();
                    break;
                  case 'close':
                    p.destroy();
                    slot.gone = true;
                    break;
                  case 'reset':
                    p.raw.socket.resetAndDestroy();
                    slot.gone = true;
                    break;
                }
              }
              actions++;
              // Let the server take the action in before the next one, and check the budget.
              await new Promise((r) => setImmediate(r));
              sampler.check();
            }

            // Every well-behaved peer reads again and gets every reply, in order; none was disconnected.
            for (const slot of slots) {
              if (!slot.wellBehaved || slot.peer === undefined) continue;
              const p = slot.peer;
              p.socket.resume();
              await p.until(() => p.messages.length >= slot.sent, REPLY_WAIT_MS, `${slot.sent} replies`);
              expect(p.messages).to.deep.equal(Array.from({ length: slot.sent }, (_, n) => nthPong(n, MAX_PAD)));
              wellBehavedReplies += slot.sent;
              if (slot.halfClosed) await within(p.closed, REPLY_WAIT_MS, 'the server to end a half-closed connection');
              else expect(p.isClosed, 'a well-behaved peer was disconnected').to.equal(false);
            }
            const figures = sampler.stop();
            maxHeld = Math.max(maxHeld, figures.maxHeldBytes);
            maxBuffered = Math.max(maxBuffered, figures.maxBufferedBytes);
            expect(figures.violations).to.deep.equal([]);
            expect(server.snapshot().shed).to.equal(0);
            expect(watch.escaped).to.deep.equal([]);
          } finally {
            sampler.stop();
            for (const slot of slots) {
              if (slot.wellBehaved) slot.peer?.socket.destroy();
              else slot.peer?.destroy();
            }
            await server.close();
          }
          expect(await leakedResources(before)).to.deep.equal([]);
          runs++;
        }),
        { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
      );
    } finally {
      watch.stop();
    }
    console.log(
      `      ${runs} runs, ${actions} actions, ${wellBehavedReplies} well-behaved replies checked; ` +
        `max heldBytes ${maxHeld} (bound ${BOUND}), max bufferedBytes ${maxBuffered}`,
    );
    expect(watch.escaped).to.deep.equal([]);
    expect(runs).to.be.at.least(MIN_RUNS);
  });
});
