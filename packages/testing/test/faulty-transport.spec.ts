import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigError, TransportError, type Transport } from '@rxmsg/core';
import { memoryTransport } from '@rxmsg/runtime';
import { tcpTransport } from '@rxmsg/tcp';
import { faultyTransport, virtualClock, type FaultPlan, type Faults, type VirtualClock } from '@rxmsg/testing';
import { Recorder, linkedPair } from './support/recorder';

/** Generous bound for real-socket waits on a loaded machine; never a measured time. */
const WAIT_MS = 10_000;
const TEXT = Buffer.from('{"kind":"Ping","n":1,"text":"é✓😀"}\n', 'utf8');

/** Faults on the accepted (server) side only. */
const onListen =
  (faults: Faults): FaultPlan =>
  ({ side }) =>
    side === 'listen' ? faults : undefined;

/** Poll `check` (real time) until it holds, or fail after {@link WAIT_MS}: for bytes crossing a real socket. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Fire virtual timers and let real I/O run until `done` holds (bounded by a real deadline, for TCP). */
async function drive(clock: VirtualClock, done: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out driving the clock');
    if (clock.pending > 0) await clock.advance(10);
    else await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const transports: [string, () => Transport, string][] = [
  ['memory', () => memoryTransport(), 'memory://faults:0'],
  ['tcp', () => tcpTransport(), 'tcp://127.0.0.1:0'],
];

for (const [kind, makeInner, address] of transports) {
  describe(`faultyTransport over ${kind}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    /** A linked pair through `faultyTransport(inner, plan)`, the accepted end recorded. */
    async function setUp(plan: FaultPlan, options: Parameters<typeof faultyTransport>[2] = {}) {
      const faulty = faultyTransport(makeInner(), plan, options);
      const pair = await linkedPair(faulty, address);
      cleanup = pair.close;
      const accepted = new Recorder();
      const dialled = new Recorder();
      pair.accepted.start(accepted);
      pair.dialled.start(dialled);
      return { faulty, ...pair, server: accepted, client: dialled };
    }

    it('split every-byte: the reader gets one byte per onData, the same bytes in the same order', async () => {
      const t = await setUp(onListen({ split: 'every-byte' }));
      t.dialled.write(TEXT);
      await t.server.until(() => t.server.received === TEXT.length);
      expect(t.server.chunks.every((c) => c.length === 1)).to.equal(true);
      expect(t.server.bytes().equals(TEXT)).to.equal(true);
      expect(t.faulty.stats.chunksDelivered).to.equal(TEXT.length);
      expect(t.faulty.stats.connections).to.equal(1);
    });

    it('split at offsets: the stream is cut at each chosen offset', async () => {
      const t = await setUp(onListen({ split: { at: [3, 7, 20] } }));
      t.dialled.write(TEXT);
      await t.server.until(() => t.server.received === TEXT.length);
      const boundaries = t.server.chunks.reduce<number[]>((acc, c) => [...acc, (acc.at(-1) ?? 0) + c.length], []);
      expect(boundaries).to.include.members([3, 7, 20, TEXT.length]);
      expect(t.server.bytes().equals(TEXT)).to.equal(true);
    });

    it('split at random points: pieces of 1..maxChunk bytes, every byte delivered in order', async () => {
      const t = await setUp(onListen({ split: { maxChunk: 4 } }), { seed: 7 });
      const sent = Buffer.concat(Array.from({ length: 20 }, () => TEXT));
      t.dialled.write(sent);
      await t.server.until(() => t.server.received === sent.length);
      expect(t.server.chunks.every((c) => c.length >= 1 && c.length <= 4)).to.equal(true);
      expect(t.server.bytes().equals(sent)).to.equal(true);
    });

    it('dropAfter read: the reader gets exactly N bytes, then one close with a TransportError', async () => {
      const t = await setUp(onListen({ dropAfter: { bytes: 5, direction: 'read' } }));
      t.dialled.write(TEXT);
      await t.server.until(() => t.server.closes.length > 0);
      expect(t.server.bytes().equals(TEXT.subarray(0, 5))).to.equal(true);
      expect(t.server.closes).to.have.length(1);
      expect(t.server.closes[0]).to.be.instanceOf(TransportError);
      expect(t.server.closes[0]?.code).to.equal('TRANSPORT_FAILED');
      // The other end sees the connection go, as after a network failure (the end of the stream at least).
      await t.client.until(() => t.client.ended || t.client.closes.length > 0);
      expect(t.faulty.stats.drops).to.equal(1);
    });

    it('dropAfter write: the peer receives exactly N bytes, then the connection closes', async () => {
      const t = await setUp(({ side }) => (side === 'connect' ? { dropAfter: { bytes: 9, direction: 'write' } } : undefined));
      expect(t.dialled.write(TEXT.subarray(0, 4))).to.equal(true);
      expect(t.dialled.write(TEXT.subarray(4))).to.equal(false);
      // Never reported inside write(): the writer's code is still running.
      expect(t.client.closes).to.deep.equal([]);
      await t.server.until(() => t.server.ended || t.server.closes.length > 0);
      expect(t.server.bytes().equals(TEXT.subarray(0, 9))).to.equal(true);
      await t.client.until(() => t.client.closes.length > 0);
      expect(t.client.closes[0]).to.be.instanceOf(TransportError);
      expect(t.faulty.stats.bytesWritten).to.equal(9);
    });

    it('corrupt read: exactly the byte at the offset is flipped, once', async () => {
      const t = await setUp(onListen({ corrupt: { offset: 30 }, split: { at: [29, 31] } }));
      t.dialled.write(TEXT);
      t.dialled.write(TEXT);
      await t.server.until(() => t.server.received === 2 * TEXT.length);
      const expected = Buffer.concat([TEXT, TEXT]);
      expected[30]! ^= 0xff;
      expect(t.server.bytes().equals(expected)).to.equal(true);
      expect(t.faulty.stats.corruptions).to.equal(1);
    });

    it('corrupt write: the peer receives the byte flipped by the mask; the writer\'s buffer is untouched', async () => {
      const t = await setUp(({ side }) => (side === 'connect' ? { corrupt: { offset: 2, direction: 'write', mask: 0x01 } } : undefined));
      const sent = Buffer.from(TEXT);
      t.dialled.write(sent);
      await t.server.until(() => t.server.received === TEXT.length);
      const expected = Buffer.from(TEXT);
      expected[2]! ^= 0x01;
      expect(t.server.bytes().equals(expected)).to.equal(true);
      expect(sent.equals(TEXT)).to.equal(true);
    });

    it('delayMs on virtual time: nothing is handed over before the delay, everything at it', async () => {
      const clock = virtualClock();
      const t = await setUp(onListen({ delayMs: 100 }), { scheduler: clock.scheduler });
      t.dialled.write(TEXT);
      // Wait (real time) until the bytes arrived and are held; virtual time has not moved.
      await eventually(() => t.faulty.stats.peakHeldBytes === TEXT.length, 'held bytes');
      await clock.advance(99);
      expect(t.server.received).to.equal(0);
      await clock.advance(1);
      expect(t.server.bytes().equals(TEXT)).to.equal(true);
      expect(t.faulty.stats.delayedChunks).to.be.at.least(1);
    });

    it('delayMs is bounded: past maxDelayedBytes reading pauses, and every byte still arrives in order', async () => {
      const clock = virtualClock();
      const max = 4096;
      const t = await setUp(onListen({ delayMs: 10 }), { scheduler: clock.scheduler, maxDelayedBytes: max });
      const total = 256 * 1024;
      for (let i = 0; i < 256; i++) t.dialled.write(Buffer.alloc(1024, i & 0xff));
      await drive(clock, () => t.server.received === total);
      const got = t.server.bytes();
      for (let i = 0; i < 256; i++) expect(got[i * 1024]).to.equal(i & 0xff);
      expect(t.faulty.stats.boundPauses).to.be.at.least(1);
      // The bound plus one received chunk (at most 64 KiB from either transport).
      expect(t.faulty.stats.peakHeldBytes).to.be.at.most(max + 64 * 1024);
      expect(t.faulty.stats.peakHeldBytes).to.be.below(total);
    });

    it('destroy while bytes are held: one close, the timer cancelled, nothing delivered after', async () => {
      const clock = virtualClock();
      const t = await setUp(onListen({ delayMs: 1000 }), { scheduler: clock.scheduler });
      t.dialled.write(TEXT);
      await eventually(() => t.faulty.stats.peakHeldBytes > 0, 'held bytes');
      expect(clock.pending).to.equal(1);
      t.accepted.destroy();
      t.accepted.destroy();
      expect(clock.pending).to.equal(0);
      await clock.advance(2000);
      expect(t.server.received).to.equal(0);
      expect(t.server.closes).to.deep.equal([undefined]);
    });
  });
}

describe('faultyTransport (memory, properties and options)', () => {
  it('delivers every byte in order, with only the corrupted byte changed, whatever the cuts and writes', async () => {
    const split = fc.oneof(
      fc.constant('every-byte' as const),
      fc.uniqueArray(fc.nat({ max: 300 }), { maxLength: 10 }).map((at) => ({ at: at.sort((a, b) => a - b) })),
      fc.integer({ min: 1, max: 50 }).map((maxChunk) => ({ maxChunk })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 6 }), split, fc.nat({ max: 400 }), fc.integer(), async (writes, cut, offset, seed) => {
        const faulty = faultyTransport(memoryTransport(), onListen({ split: cut, corrupt: { offset } }), { seed });
        const pair = await linkedPair(faulty, 'memory://prop:0');
        const server = new Recorder();
        pair.accepted.start(server);
        pair.dialled.start(new Recorder());
        for (const w of writes) pair.dialled.write(w);
        const sent = Buffer.concat(writes);
        await server.until(() => server.received === sent.length);
        await pair.close();
        const expected = Buffer.from(sent);
        if (offset < expected.length) expected[offset]! ^= 0xff;
        expect(server.bytes().equals(expected)).to.equal(true);
        if (cut === 'every-byte') expect(server.chunks.every((c) => c.length === 1)).to.equal(true);
        else if ('maxChunk' in cut) expect(server.chunks.every((c) => c.length <= cut.maxChunk)).to.equal(true);
      }),
      { numRuns: 60 },
    );
  });

  it('random cuts are the same for the same seed', async () => {
    const cutsWith = async (seed: number): Promise<number[]> => {
      const faulty = faultyTransport(memoryTransport(), onListen({ split: { maxChunk: 8 } }), { seed });
      const pair = await linkedPair(faulty, 'memory://seed:0');
      const server = new Recorder();
      pair.accepted.start(server);
      pair.dialled.start(new Recorder());
      pair.dialled.write(Buffer.concat([TEXT, TEXT, TEXT]));
      await server.until(() => server.received === 3 * TEXT.length);
      await pair.close();
      return server.chunks.map((c) => c.length);
    };
    expect(await cutsWith(42)).to.deep.equal(await cutsWith(42));
    expect(await cutsWith(42)).not.to.deep.equal(await cutsWith(43));
  });

  it('leaves connections its plan returns undefined for untouched (not wrapped)', async () => {
    const memory = memoryTransport();
    const faulty = faultyTransport(memory, () => undefined);
    const pair = await linkedPair(faulty, 'memory://plain:0');
    expect(pair.accepted.constructor.name).to.equal('MemoryConnection');
    expect(faulty.stats.connections).to.equal(0);
    await pair.close();
  });

  it('rejects bad faults and options with a ConfigError naming the field', () => {
    const memory = memoryTransport();
    const bad: [Faults, string][] = [
      [{ split: { at: [5, 3] } }, 'split.at'],
      [{ split: { maxChunk: 0 } }, 'split.maxChunk'],
      [{ delayMs: -1 }, 'delayMs'],
      [{ dropAfter: { bytes: 1.5, direction: 'read' } }, 'dropAfter.bytes'],
      [{ corrupt: { offset: 0, mask: 0 } }, 'corrupt.mask'],
    ];
    for (const [faults, field] of bad) {
      expect(() => faultyTransport(memory, faults)).to.throw(ConfigError).with.property('message').that.includes(field);
    }
    expect(() => faultyTransport(memory, {}, { maxDelayedBytes: 0 })).to.throw(ConfigError);
  });

  it('rejects faults of the wrong shape with a ConfigError naming each bad field, never a TypeError', () => {
    const memory = memoryTransport();
    const bad: [unknown, string[]][] = [
      [{ split: 'every-other' }, ['split:']],
      [{ split: null }, ['split:']],
      [{ split: { at: [1], maxChunk: 2 } }, ['split:']],
      [{ dropAfter: { bytes: 1, direction: 'sideways' } }, ['dropAfter.direction:']],
      [{ corrupt: { offset: 0, direction: 'up' } }, ['corrupt.direction:']],
      [{ splt: { at: [1] } }, ['splt: unknown field']],
      [{ corrupt: { offset: 0, mask: 0, masks: 1 }, delayMs: Number.NaN }, ['corrupt.mask:', 'corrupt.masks: unknown field', 'delayMs:']],
      [null, ['faults:']],
    ];
    for (const [faults, fields] of bad) {
      let error: unknown;
      try {
        faultyTransport(memory, faults as Faults);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(faults)).to.be.instanceOf(ConfigError).with.property('code', 'CONFIG_INVALID');
      const problems = (error as ConfigError).problems;
      for (const field of fields) expect(problems.some((p) => p.startsWith(field)), `${field} in ${problems.join('; ')}`).to.equal(true);
      expect(problems).to.have.length(fields.length);
    }
  });

  it('property: any plan is accepted or refused with a ConfigError, never anything else; valid plans are accepted', () => {
    const memory = memoryTransport();
    const count = fc.nat();
    const direction = fc.constantFrom('read' as const, 'write' as const);
    const valid: fc.Arbitrary<Faults> = fc.record(
      {
        split: fc.oneof(
          fc.constant('every-byte' as const),
          fc.uniqueArray(fc.nat(1000), { maxLength: 8 }).map((at) => ({ at: [...at].sort((a, b) => a - b) })),
          fc.integer({ min: 1, max: 1 << 20 }).map((maxChunk) => ({ maxChunk })),
        ),
        delayMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
        dropAfter: fc.record({ bytes: count, direction }),
        corrupt: fc.record({ offset: count, direction, mask: fc.integer({ min: 1, max: 255 }) }, { requiredKeys: ['offset'] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(valid, (faults) => void faultyTransport(memory, faults)), { numRuns: 300 });
    // Junk: anything JSON-ish, and valid plans with one field replaced by anything.
    const junk = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.tuple(valid, fc.constantFrom('split', 'delayMs', 'dropAfter', 'corrupt', 'splt', 'direction'), fc.anything({ maxDepth: 2 })).map(([f, k, v]) => ({ ...f, [k]: v })),
    );
    fc.assert(
      fc.property(junk, (faults) => {
        try {
          faultyTransport(memory, faults as Faults);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.problems.length).to.be.greaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
