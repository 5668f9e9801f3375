import { expect } from 'chai';
import { BACKPRESSURE_CAP, connectionMemoryBound, createServer, type Codec, type DisconnectReason } from '@rxmsg/node';
import { activeResources, eventually, leakedResources, settledHeapUsed, watchProcess, within } from '@rxmsg/test-utils';
import { BudgetSampler, HostileSocket, MirrorBinary, MirrorText, lockstepClient, mirror, pace, type MirrorProtocol } from './hostile-peers';
import { frames, lengthPrefix } from './wire-peer';

// The per-connection memory budget under attack (issue 10): one server, 50 hostile raw connections
// each running one abuse pattern for a bounded time, a few well-behaved clients playing
// request/response meanwhile. The server stays up, the well-behaved clients lose nothing, every
// connection stays within connectionMemoryBound(config), the server within maxBufferedBytes (plus
// one connection's bound: shedding runs at the end of the tick that crossed it), and the heap grows
// by less than 50 connections' bounds.

const LOCAL = 'tcp://127.0.0.1:0';
const HOSTILE = 50;
const WELL_BEHAVED = 3;
/** How long the hostile peers attack. Every loop below is also bounded by a count. */
const ATTACK_MS = 3000;
/** Connections one hostile peer opens at most (it reconnects when the server closes it). */
const MAX_CONNECTIONS_PER_PEER = 40;
/** Writes (or trickled bytes) per connection at most. */
const MAX_WRITES = 5000;
/**
 * Heap the test may grow by besides what the hostile connections may make the server hold: code
 * compiled under the attack, the clients' own sockets and write buffers (bounded by `drain`), the
 * well-behaved clients' reply logs, V8's pools.
 */
const HEAP_ALLOWANCE = 32 * 1024 * 1024;

const CONFIG = {
  maxFrameBytes: 4096,
  receiveQueueLimit: 16,
  sendQueueBytes: 65_536,
  sendQueueLimit: 256,
  onSendQueueFull: 'backpressure',
  // Bad frames are answered and the connection kept: the hostile peers go on, and the error replies pile up too.
  onDecodeError: 'reply',
  heartbeat: { intervalMs: 200, timeoutMs: 10_000 },
  rateLimit: { messagesPerSecond: 20_000, burst: 500, onExceed: 'pause' },
  // Long enough for a pinger to ping for most of the attack, short enough to close trickles that never finish a message.
  handshakeTimeoutMs: 2000,
  maxBufferedBytes: 2 * 1024 * 1024,
  flushTimeoutMs: 500,
} as const;

type Abuse = 'pings-without-reading' | 'oversize' | 'trickle' | 'flood-without-reading';
const ABUSES: readonly Abuse[] = ['pings-without-reading', 'oversize', 'trickle', 'flood-without-reading'];

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const encoder = new TextEncoder();

/** Yield to the event loop: a hostile loop never starves the server it runs beside. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What one hostile peer did. */
interface Tally {
  connections: number;
  closedByServer: number;
}

/**
 * One abuse pattern on one connection until the deadline or until the server closes it.
 * `variant` picks between the flavours of a pattern.
 */
async function abuseOnce(s: HostileSocket, codec: Codec, abuse: Abuse, variant: number, deadline: number): Promise<void> {
  const max = CONFIG.maxFrameBytes;
  const binary = codec.name === 'binary';
  const going = (i: number) => i < MAX_WRITES && s.open && Date.now() < deadline;
  switch (abuse) {
    case 'pings-without-reading': {
      s.stopReading();
      const ping = codec.controlFrame('ping', true);
      const one = typeof ping === 'string' ? encoder.encode(ping) : ping;
      const batch = new Uint8Array(one.length * 256);
      for (let k = 0; k < 256; k++) batch.set(one, k * one.length);
      for (let i = 0; going(i); i++) {
        await s.write(batch, deadline);
        await turn();
      }
      return;
    }
    case 'oversize': {
      if (variant % 2 === 0) {
        // Past the bound of what can be skipped (binary), or a line that never ends (text).
        if (binary) {
          await s.write(lengthPrefix(4 * max + 1 + variant * 1000), deadline);
          await Promise.race([s.closed, pace(Math.max(0, deadline - Date.now()))]);
          return;
        }
        const chunk = encoder.encode('x'.repeat(8192));
        for (let i = 0; going(i); i++) {
          await s.write(chunk, deadline);
          await turn();
        }
        return;
      }
      // Oversized frames that can be skipped, one after another, never reading the error replies.
      s.stopReading();
      const size = max + 1 + variant * 100;
      const frame = binary ? Uint8Array.from([...lengthPrefix(size), ...new Uint8Array(size).fill(0x61)]) : encoder.encode(`${'x'.repeat(size)}\n`);
      for (let i = 0; going(i); i++) {
        await s.write(frame, deadline);
        await turn();
      }
      return;
    }
    case 'trickle': {
      // A frame that is never finished: from its first byte, or almost whole at once, then a byte at a time.
      const head = binary ? lengthPrefix(max) : encoder.encode('{"kind":"Ping","n":1,"pad":"');
      await s.write(head, deadline);
      if (variant % 2 === 1) await s.write(new Uint8Array(max - head.length - 400).fill(0x61), deadline);
      for (let i = 0; i < 300 && going(i); i++) {
        await s.write(Uint8Array.of(0x61), deadline);
        await pace(10);
      }
      return;
    }
    case 'flood-without-reading': {
      s.stopReading();
      // Requests as large as a frame allows, whose replies are as large: the send queue fills by bytes.
      const pad = 'f'.repeat(max - 100 - (variant % 3) * 1000);
      const batch = frames(codec, Array.from({ length: 16 }, (_, n) => ({ kind: 'Ping', n, pad })));
      for (let i = 0; going(i); i++) {
        await s.write(batch, deadline);
        await turn();
      }
      return;
    }
  }
}

/**
 * A hostile peer: runs its abuse until the deadline, reconnecting when the server closes it.
 * @returns its last connection, still open if the server has not closed it (for the heap measurement).
 */
async function hostilePeer(address: string, codec: Codec, abuse: Abuse, variant: number, deadline: number, tally: Tally): Promise<HostileSocket | undefined> {
  let last: HostileSocket | undefined;
  for (let c = 0; c < MAX_CONNECTIONS_PER_PEER && Date.now() < deadline; c++) {
    const s = await HostileSocket.connect(address);
    if (s === undefined) continue;
    cleanup.push(() => s.destroy());
    tally.connections++;
    last = s;
    await abuseOnce(s, codec, abuse, variant, deadline);
    if (Date.now() < deadline) {
      // The pattern ended early: the server closed the connection, or the pattern wrote all it had.
      if (s.open) await Promise.race([s.closed, pace(Math.max(0, deadline - Date.now()))]);
      if (!s.open) tally.closedByServer++;
    }
  }
  return last;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

describe('hostile mix: 50 abusive connections beside well-behaved clients', () => {
  const bound = connectionMemoryBound({ maxFrameBytes: CONFIG.maxFrameBytes, receiveQueueLimit: CONFIG.receiveQueueLimit, sendQueueBytes: CONFIG.sendQueueBytes });

  it('connectionMemoryBound of this config is the documented sum', () => {
    // maxFrameBytes + slack + receive queue + 8 × send queue + one frame + control + one write + high-water mark.
    expect(bound).to.equal(4096 + 65_536 + 16 * 4096 + 8 * 65_536 + 4096 + 16 + 262_144 + 16_384);
  });

  for (const protocol of [MirrorText, MirrorBinary] as readonly MirrorProtocol[]) {
    it(`${protocol.codec.name}: the process stays up, well-behaved clients lose nothing, memory stays within the budget, the server closes clean`, async function () {
      this.timeout(40_000);
      const before = await activeResources();
      const watch = watchProcess();
      cleanup.push(() => watch.stop());
      const server = await createServer({ listen: LOCAL, protocol, processor: mirror, config: CONFIG });
      cleanup.push(() => server.close());
      const address = server.addresses()[0]!;
      // Counted, not recorded: thousands of hostile connections' events would weigh on the heap measured.
      const counts = new Map<string, number>();
      const reasons = new Map<DisconnectReason, number>();
      server.events$.subscribe((e) => {
        counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
        if (e.type === 'disconnected') reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
      });
      // The send queue holds at most BACKPRESSURE_CAP × sendQueueLimit messages, heartbeats included.
      const sampler = new BudgetSampler(server, { perConnection: bound, queued: BACKPRESSURE_CAP * CONFIG.sendQueueLimit, total: CONFIG.maxBufferedBytes + bound });
      cleanup.push(() => sampler.stop());

      const good = Array.from({ length: WELL_BEHAVED }, () => lockstepClient(address, protocol, cleanup));
      await eventually(() => good.every((g) => g.answers() > 0), 5000, 'the well-behaved clients to play');
      const baseline = await settledHeapUsed();

      const deadline = Date.now() + ATTACK_MS;
      const tallies = ABUSES.map(() => ({ connections: 0, closedByServer: 0 }));
      const attacks = Array.from({ length: HOSTILE }, (_, i) => {
        const k = i % ABUSES.length;
        return hostilePeer(address, protocol.codec, ABUSES[k]!, Math.floor(i / ABUSES.length), deadline, tallies[k]!);
      });
      const answersBefore = good.map((g) => g.answers());
      const open = (await within(Promise.all(attacks), ATTACK_MS + 10_000, 'the hostile peers to stop')).filter((s) => s?.open === true);

      // Under attack still: the connections left open hold what they hold.
      const during = await settledHeapUsed();
      sampler.check();
      for (const s of open) s?.destroy();
      await eventually(() => server.snapshot().connections.length === WELL_BEHAVED, 5000, 'the hostile connections gone');
      const after = await settledHeapUsed();
      const figures = sampler.stop();

      const served = good.map((g, i) => g.answers() - answersBefore[i]!);
      const answers = [];
      for (const g of good) answers.push(await g.stopAndCheck());
      const snapshot = server.snapshot();
      await server.close();
      watch.stop();

      const growth = during.heapUsed - baseline.heapUsed;
      console.log(
        `      ${protocol.codec.name}: ${tallies.map((t, k) => `${ABUSES[k]} ${t.connections} conn (${t.closedByServer} closed by the server)`).join(', ')}\n` +
          `      disconnects ${JSON.stringify(Object.fromEntries(reasons))}, shed ${snapshot.shed}; well-behaved answers ${answers.join('/')} (${served.join('/')} during the attack)\n` +
          `      ${figures.samples} samples: max bufferedBytes ${figures.maxBufferedBytes} (limit ${CONFIG.maxBufferedBytes} + bound ${bound}), max heldBytes ${figures.maxHeldBytes} (bound ${bound}), max queued ${figures.maxQueued} (cap ${BACKPRESSURE_CAP * CONFIG.sendQueueLimit}), ${figures.maxConnections} connections at most\n` +
          `      heap ${mb(baseline.heapUsed)} MB -> ${mb(during.heapUsed)} MB under attack (${growth >= 0 ? '+' : ''}${mb(growth)} MB) -> ${mb(after.heapUsed)} MB after ` +
          `(limit +${mb(HOSTILE * bound + HEAP_ALLOWANCE)} MB, ${during.collected ? 'after full GC' : 'no GC available'})`,
      );

      expect(watch.escaped).to.deep.equal([]);
      expect(figures.violations).to.deep.equal([]);
      expect(figures.samples).to.be.above(0);
      expect(during.collected).to.equal(true);
      expect(during.heapUsed - baseline.heapUsed).to.be.below(HOSTILE * bound + HEAP_ALLOWANCE);
      expect(after.heapUsed - baseline.heapUsed).to.be.below(HOSTILE * bound + HEAP_ALLOWANCE);
      // Every pattern was run against the server; user code never failed.
      for (const t of tallies) expect(t.connections).to.be.above(0);
      expect(counts.get('processor-error') ?? 0).to.equal(0);
      expect(snapshot.connections).to.have.length(0);
      expect(await leakedResources(before)).to.deep.equal([]);
    });
  }
});
