import { expect } from 'chai';
import fc from 'fast-check';
import { createServer as createNetServer, type Socket } from 'node:net';
import { map, startWith, takeWhile } from 'rxjs';
import {
  DecodeError,
  FrameTooLargeError,
  FrameTruncatedError,
  TransportError,
  binaryCodec,
  createClient,
  createServer,
  type ClientEvent,
  type DecodeErrorPolicy,
  type ServerEvent,
} from '@rxmsg/node';
import { activeResources, eventually, leakedResources, settledHeapUsed, watchProcess, within } from '@rxmsg/test-utils';
import { Bulk, bulk } from './bulk-protocol';
import { BinaryEcho, TextEcho, echo, ofType, pings, pongs, record, type EchoProtocol, type EchoReply } from './echo-protocol';
import { WirePeer, frames, lengthPrefix } from './wire-peer';

// Faults over real TCP sockets. Each scenario checks that the peers not at fault lose nothing
// and that the server keeps serving new connections afterwards.

const LOCAL = 'tcp://127.0.0.1:0';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function echoServer(protocol: EchoProtocol, config: { onDecodeError?: DecodeErrorPolicy; maxFrameBytes?: number } = {}) {
  const server = await createServer({
    listen: LOCAL,
    protocol,
    processor: echo,
    config: { flushTimeoutMs: 1000, onDecodeError: config.onDecodeError ?? 'disconnect', maxFrameBytes: config.maxFrameBytes ?? 4096 },
  });
  cleanup.push(() => server.close());
  return { server, address: server.addresses()[0]!, log: record(server.events$) };
}

async function peer(address: string, protocol: EchoProtocol): Promise<WirePeer> {
  const p = await WirePeer.connect(address, protocol.codec);
  cleanup.push(() => p.destroy());
  return p;
}

/** Events that mean something went wrong. */
function failures(events: readonly (ServerEvent | ClientEvent)[]): (ServerEvent | ClientEvent)[] {
  return events.filter((e) => e.type === 'decode-error' || e.type === 'processor-error' || e.type === 'send-queue-full' || e.type === 'message-dropped');
}

/** Server-side id of the raw peer `p` (matched by its local port). */
function serverIdOf(log: { events: ServerEvent[] }, p: WirePeer): number {
  const remote = `tcp://127.0.0.1:${p.raw.socket.localPort}`;
  const e = ofType(log.events, 'connected').find((c) => c.remoteAddress === remote);
  if (e === undefined) throw new Error(`no connection from ${remote}`);
  return e.peerId;
}

/**
 * A client doing request/response in lockstep for as long as it runs: each `Pong n` is answered
 * by `Ping n + 1`. `stop()` lets it finish after the answer in flight and returns every answer.
 */
function steadyClient(address: string, protocol: EchoProtocol) {
  let stopping = false;
  const got: EchoReply[] = [];
  const client = createClient({
    connect: address,
    protocol,
    processor: (in$) =>
      in$.pipe(
        takeWhile((m) => m.kind === 'Pong' && !stopping),
        map((m) => ({ kind: 'Ping', n: m.kind === 'Pong' ? m.n + 1 : -1 }) as const),
        startWith({ kind: 'Ping', n: 0 } as const),
      ),
  });
  cleanup.push(() => client.close());
  const log = record(client.events$);
  client.messages$.subscribe((m) => got.push(m));
  return {
    answers: () => got.length,
    /** Stop, and check that every answer came, in order, without an error event. */
    async stopAndCheck(): Promise<number> {
      stopping = true;
      await within(client.closed, 3000, 'the steady client to finish');
      expect(got).to.deep.equal(pongs(0, got.length));
      expect(failures(log.events)).to.deep.equal([]);
      expect(log.events.flatMap((e) => (e.type === 'disconnected' ? [e.reason] : []))).to.deep.equal(['completed']);
      return got.length;
    },
  };
}

/** A fresh connection is still answered. */
async function stillServing(address: string, protocol: EchoProtocol): Promise<void> {
  const p = await peer(address, protocol);
  await p.send(...pings(0, 3));
  expect(await p.receive(3)).to.deep.equal(pongs(0, 3));
  p.destroy();
}

/** Wait (setImmediate turns, bounded) until the server has read `bytes` bytes from connection `id`. */
async function serverRead(server: { snapshot(): { connections: readonly { id: number; bytesIn: number }[] } }, id: number, bytes: number) {
  for (let turn = 0; turn < 20_000; turn++) {
    const c = server.snapshot().connections.find((x) => x.id === id);
    if (c !== undefined && c.bytesIn >= bytes) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`server did not read ${bytes} bytes from connection ${id}`);
}

type Kill = 'destroy' | 'resetAndDestroy';

function kill(socket: Socket, how: Kill): void {
  if (how === 'destroy') socket.destroy();
  else socket.resetAndDestroy();
}

describe('faults over real sockets', () => {
  describe('a peer killed mid-frame', () => {
    const cuts: { name: string; protocol: EchoProtocol; partial: Uint8Array }[] = [
      { name: 'in the middle of a line', protocol: TextEcho, partial: new TextEncoder().encode('{"kind":"Ping","n":4') },
      { name: 'inside the length prefix of a binary frame', protocol: BinaryEcho, partial: lengthPrefix(12).subarray(0, 2) },
      {
        name: 'inside the payload of a binary frame',
        protocol: BinaryEcho,
        partial: frames(BinaryEcho.codec, [{ kind: 'Ping', n: 4, pad: 'abcdefgh' }]).subarray(0, 12),
      },
    ];
    for (const cut of cuts) {
      for (const how of ['destroy', 'resetAndDestroy'] as const) {
        it(`${cut.name}, by socket.${how}(): its connection ends, the others lose nothing`, async () => {
          const { server, address, log } = await echoServer(cut.protocol);
          const steady = steadyClient(address, cut.protocol);
          const bystander = await peer(address, cut.protocol);
          const victim = await peer(address, cut.protocol);
          await eventually(() => ofType(log.events, 'connected').length === 3, 1000, 'three connections');
          const victimId = serverIdOf(log, victim);

          await bystander.send(...pings(0, 50));
          await victim.send(...pings(0, 10));
          expect(await victim.receive(10)).to.deep.equal(pongs(0, 10));
          await victim.write(cut.partial);
          const sent = victim.raw.socket.bytesWritten;
          await serverRead(server, victimId, sent);
          const answersBefore = steady.answers();
          kill(victim.raw.socket, how);
          await bystander.send(...pings(50, 100));

          await eventually(() => ofType(log.events, 'disconnected').some((e) => e.peerId === victimId), 2000, 'victim disconnected');
          const gone = ofType(log.events, 'disconnected').find((e) => e.peerId === victimId)!;
          const truncated = ofType(log.events, 'decode-error').filter((e) => e.peerId === victimId);
          expect(truncated.map((e) => e.error.code)).to.deep.equal(['FRAME_TRUNCATED']);
          expect(truncated[0]!.error).to.be.instanceOf(FrameTruncatedError);
          if (how === 'destroy') {
            // A FIN: to the server a half-close like any other, so the cut-off frame gets the configured policy.
            expect(truncated[0]!.action).to.equal('disconnect');
            expect(gone.reason).to.equal('decode-error');
            expect(gone.error).to.equal(truncated[0]!.error);
          } else {
            // A reset: the connection is gone, the cut-off frame is only reported.
            expect(truncated[0]!.action).to.equal('ignore');
            expect(gone.reason).to.equal('transport-error');
            expect(gone.error).to.be.instanceOf(TransportError);
          }
          expect(gone.stats).to.include({ messagesIn: 10, messagesOut: 10, bytesIn: sent });

          expect(await bystander.receive(100)).to.deep.equal(pongs(0, 100));
          await eventually(() => steady.answers() > answersBefore + 10, 2000, 'the steady client to go on');
          await stillServing(address, cut.protocol);
          expect(await steady.stopAndCheck()).to.be.above(10);
          expect(ofType(log.events, 'decode-error').filter((e) => e.peerId !== victimId)).to.deep.equal([]);
          expect(server.snapshot().connections.map((c) => c.id)).to.deep.equal([serverIdOf(log, bystander)]);
        });
      }
    }

    for (const how of ['destroy', 'resetAndDestroy'] as const) {
      it(`while the server is writing 3 MB to it, by socket.${how}(): the server drops its queue at once and serves the others`, async () => {
        const server = await createServer({ listen: LOCAL, protocol: Bulk, processor: bulk, config: { flushTimeoutMs: 5000 } });
        cleanup.push(() => server.close());
        const log = record(server.events$);
        const address = server.addresses()[0]!;
        const victim = await WirePeer.connect(address, Bulk.codec);
        cleanup.push(() => victim.destroy());
        victim.raw.socket.pause();
        await victim.send({ kind: 'Want', count: 3000 });
        // Written or queued: messagesOut counts only what the socket took.
        await eventually(
          () => {
            const c = server.snapshot().connections[0];
            return c !== undefined && c.messagesOut + c.queued === 3000;
          },
          2000,
          'chunks queued',
        );
        const other = await WirePeer.connect(address, Bulk.codec);
        cleanup.push(() => other.destroy());
        kill(victim.raw.socket, how);
        await other.send({ kind: 'Want', count: 100 });
        expect(await other.receive(100)).to.have.length(100);
        // Not held until flushTimeoutMs (5 s) trying to flush to a peer that is gone: the wait gives up before that.
        await eventually(() => ofType(log.events, 'disconnected').length === 1, 4000, 'victim disconnected');
        const [gone] = ofType(log.events, 'disconnected');
        expect(gone?.peerId).to.equal(1);
        // Even destroy() resets a connection whose receive buffer still holds unread bytes.
        expect(gone?.reason).to.equal('transport-error');
        expect(gone?.error).to.be.instanceOf(TransportError);
        expect(failures(log.events)).to.deep.equal([]);
      });
    }

    for (const how of ['destroy', 'resetAndDestroy'] as const) {
      it(`a client whose server dies mid-frame (socket.${how}()) reports the cut frame and closes`, async () => {
        const fake = createNetServer((socket) => {
          socket.on('error', () => {});
          socket.write('{"kind":"Pong","n":1}\n{"kind":"Pong","n":', () => setTimeout(() => kill(socket, how), 20));
        });
        await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
        cleanup.push(() => new Promise<void>((resolve) => fake.close(() => resolve())));
        const port = (fake.address() as { port: number }).port; // listening on TCP: an AddressInfo
        const client = createClient({ connect: `tcp://127.0.0.1:${port}`, protocol: TextEcho, processor: (in$) => in$.pipe(map(() => ({ kind: 'Ping', n: 0 }) as const)) });
        cleanup.push(() => client.close());
        const log = record(client.events$);
        const got: EchoReply[] = [];
        client.messages$.subscribe((m) => got.push(m));
        await within(client.closed, 2000, 'client closed');
        expect(got).to.deep.equal([{ kind: 'Pong', n: 1 }]);
        const errors = log.events.flatMap((e) => (e.type === 'decode-error' ? [[e.error.code, e.action]] : []));
        // A FIN is a half-close: the client's policy (disconnect by default) applies; a reset only reports.
        expect(errors).to.deep.equal([['FRAME_TRUNCATED', how === 'destroy' ? 'disconnect' : 'ignore']]);
        const reasons = log.events.flatMap((e) => (e.type === 'disconnected' ? [e.reason] : []));
        expect(reasons).to.deep.equal([how === 'destroy' ? 'decode-error' : 'transport-error']);
      });
    }
  });

  describe('a byte-at-a-time slow writer', () => {
    for (const protocol of [TextEcho, BinaryEcho]) {
      it(`${protocol.codec.name}: each message is answered as soon as its last byte arrives; the others are served meanwhile`, async () => {
        const { server, address, log } = await echoServer(protocol);
        const steady = steadyClient(address, protocol);
        const bystander = await peer(address, protocol);
        const slow = await peer(address, protocol);
        slow.raw.socket.setNoDelay(true);
        await eventually(() => ofType(log.events, 'connected').length === 3, 1000, 'three connections');
        const slowId = serverIdOf(log, slow);
        const answersBefore = steady.answers();
        const messages = pings(0, 20).map((m, i) => ({ ...m, pad: 'é'.repeat(i) }));
        let written = 0;
        for (const [i, message] of messages.entries()) {
          const bytes = frames(protocol.codec, [message]);
          for (const byte of bytes) {
            await slow.write(Uint8Array.of(byte));
            written++;
            // The server read this byte on its own before the next one is written.
            await serverRead(server, slowId, written);
          }
          expect(await slow.receive(i + 1)).to.deep.equal(pongs(0, i + 1));
          await bystander.send({ kind: 'Ping', n: i });
        }
        expect(await bystander.receive(20)).to.deep.equal(pongs(0, 20));
        expect(steady.answers()).to.be.above(answersBefore);
        expect(await steady.stopAndCheck()).to.be.above(0);
        expect(failures(log.events)).to.deep.equal([]);
        expect(server.snapshot().connections.find((c) => c.id === slowId)).to.include({ messagesIn: 20, bytesIn: written });
      });
    }
  });

  describe('garbage from many connections (fast-check, 100 runs each)', () => {
    const text = new TextEncoder();
    const bytes = (s: string) => text.encode(s);

    it("text, onDecodeError 'reply': every bad line gets its Oops, the connection stays usable, a good peer is answered throughout", async () => {
      const { address, log } = await echoServer(TextEcho, { onDecodeError: 'reply', maxFrameBytes: 256 });
      const good = await peer(address, TextEcho);
      const steady = steadyClient(address, TextEcho);
      const chunk = fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.string({ unit: 'binary', maxLength: 80 }).map((s) => bytes(`${s}\n`)),
        fc.json().map((j) => bytes(`${j}\n`)),
        fc.constantFrom(bytes('#ping\n'), bytes('{"kind":"Ping","n":"x"}\n'), bytes('{"kind":"Nope"}\n'), bytes('\n\r\n'), bytes('{"kind":"Ping","n":1')),
      );
      const watch = watchProcess();
      let run = 0;
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(chunk, { minLength: 1, maxLength: 6 }), async (chunks) => {
            const n = run++;
            const attacker = await WirePeer.connect(address, TextEcho.codec);
            try {
              await eventually(() => ofType(log.events, 'connected').some((e) => e.remoteAddress.endsWith(`:${attacker.raw.socket.localPort}`)), 1000, 'attacker connected');
              const id = serverIdOf(log, attacker);
              for (const c of chunks) await attacker.write(c);
              // End whatever line the garbage left open, then ask something valid.
              await attacker.write(`\n{"kind":"Ping","n":${1_000_000 + n}}\n`);
              await attacker.raw.until((s) => s.received().toString().endsWith(`{"kind":"Pong","n":${1_000_000 + n}}\n`), 2000);
              const received = attacker.messages();
              const errors = ofType(log.events, 'decode-error').filter((e) => e.peerId === id);
              for (const e of errors) expect(e.error).to.be.instanceOf(DecodeError);
              // One Oops per reported error, in order; the last message answers the valid Ping.
              const oops = received.filter((m) => typeof m === 'object' && m !== null && 'kind' in m && m.kind === 'Oops');
              expect(oops).to.deep.equal(errors.map((e) => ({ kind: 'Oops', code: e.error.code })));
              expect(received.at(-1)).to.deep.equal({ kind: 'Pong', n: 1_000_000 + n });
              expect(errors.every((e) => e.action === 'reply')).to.equal(true);
              expect(attacker.closed).to.equal(false);
              // The well-behaved peer is answered between two attacks.
              await good.send({ kind: 'Ping', n });
              expect((await good.receive(n + 1)).at(-1)).to.deep.equal({ kind: 'Pong', n });
            } finally {
              attacker.destroy();
            }
          }),
          { numRuns: 100, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: true },
        );
      } finally {
        watch.stop();
      }
      expect(watch.escaped).to.deep.equal([]);
      expect(run).to.be.at.least(100);
      expect(good.messages()).to.deep.equal(pongs(0, run));
      await eventually(() => ofType(log.events, 'disconnected').length === run, 2000, 'every attacker disconnected');
      // Each attacker ended its last line and half-closed (destroy() sends a FIN): its processor completed.
      expect(ofType(log.events, 'disconnected').filter((e) => e.reason !== 'completed')).to.deep.equal([]);
      expect(ofType(log.events, 'processor-error')).to.deep.equal([]);
      expect(await steady.stopAndCheck()).to.be.above(0);
      await stillServing(address, TextEcho);
    });

    it("binary, onDecodeError 'disconnect': every garbage connection ends (decode-error or completed), a good peer is answered throughout", async () => {
      const { server, address, log } = await echoServer(BinaryEcho, { onDecodeError: 'disconnect', maxFrameBytes: 256 });
      const good = await peer(address, BinaryEcho);
      const steady = steadyClient(address, BinaryEcho);
      const chunk = fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.uint8Array({ maxLength: 64 }).map((p) => Uint8Array.from([...lengthPrefix(p.length), ...p])),
        fc.jsonValue().map((v) => frames(BinaryEcho.codec, [v])),
        fc.integer({ min: 257, max: 0xffffffff }).map((n) => lengthPrefix(n)),
        fc.constantFrom(
          binaryCodec.controlFrame('ping', true),
          frames(BinaryEcho.codec, [{ kind: 'Ping', n: 1.5 }]),
          frames(BinaryEcho.codec, [{ kind: 'Ping', n: 3 }]),
        ) as fc.Arbitrary<Uint8Array>,
      );
      const watch = watchProcess();
      let run = 0;
      const reasons = new Map<string, number>();
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(chunk, { minLength: 1, maxLength: 6 }), async (chunks) => {
            const n = run++;
            const attacker = await WirePeer.connect(address, BinaryEcho.codec);
            try {
              await eventually(() => ofType(log.events, 'connected').some((e) => e.remoteAddress.endsWith(`:${attacker.raw.socket.localPort}`)), 1000, 'attacker connected');
              const id = serverIdOf(log, attacker);
              for (const c of chunks) {
                // Once the server cut the connection a write may fail: that is the policy at work.
                if (attacker.closed || attacker.raw.socket.writableEnded) break;
                await attacker.write(c).catch(() => undefined);
              }
              if (!attacker.closed) attacker.raw.end();
              await within(attacker.ended, 2000, 'the garbage connection to end');
              await eventually(() => ofType(log.events, 'disconnected').some((e) => e.peerId === id), 1000, 'disconnected event');
              const gone = ofType(log.events, 'disconnected').find((e) => e.peerId === id)!;
              const errors = ofType(log.events, 'decode-error').filter((e) => e.peerId === id);
              reasons.set(gone.reason, (reasons.get(gone.reason) ?? 0) + 1);
              if (errors.length > 0) {
                // The first bad frame ends the connection; nothing after it is decoded.
                expect(errors).to.have.length(1);
                expect(errors[0]!.error).to.be.instanceOf(DecodeError);
                expect(errors[0]!.action).to.equal('disconnect');
                const error = errors[0]!.error;
                // A declared length too large to skip ends the connection whatever the policy.
                expect(gone.reason).to.equal(error instanceof FrameTooLargeError && !error.resumable ? 'frame-too-large' : 'decode-error');
                expect(gone.error).to.equal(errors[0]!.error);
              } else {
                expect(gone.reason).to.equal('completed');
              }
              // Valid Pings before the bad frame were answered, and nothing else was sent.
              const received = attacker.messages();
              expect(received).to.have.length(gone.stats.messagesOut);
              expect(received.every((m) => typeof m === 'object' && m !== null && 'kind' in m && m.kind === 'Pong')).to.equal(true);
              await good.send({ kind: 'Ping', n });
              expect((await good.receive(n + 1)).at(-1)).to.deep.equal({ kind: 'Pong', n });
            } finally {
              attacker.destroy();
            }
          }),
          { numRuns: 100, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: true },
        );
      } finally {
        watch.stop();
      }
      expect(watch.escaped).to.deep.equal([]);
      expect(run).to.be.at.least(100);
      // Most runs end on bad input: a decode error, or a length too large to skip.
      expect((reasons.get('decode-error') ?? 0) + (reasons.get('frame-too-large') ?? 0)).to.be.above(50);
      expect(good.messages()).to.deep.equal(pongs(0, run));
      expect(ofType(log.events, 'processor-error')).to.deep.equal([]);
      expect(await steady.stopAndCheck()).to.be.above(0);
      // Only the good peer is left: no garbage connection lingers.
      const goodId = serverIdOf(log, good);
      await eventually(() => server.snapshot().connections.every((c) => c.id === goodId), 1000, 'only the good peer left');
      await stillServing(address, BinaryEcho);
    });
  });

  describe('connection churn', () => {
    const CONNECTIONS = 2000;
    const BATCH = 100;

    it(`${CONNECTIONS} connections opened and dropped in batches of ${BATCH}: no connection, handle or memory left behind`, async function () {
      this.timeout(30_000);
      const before = await activeResources();
      const server = await createServer({ listen: LOCAL, protocol: TextEcho, processor: echo, config: { flushTimeoutMs: 1000 } });
      cleanup.push(() => server.close());
      const address = server.addresses()[0]!;
      // Counted, not recorded: a log of 10 000 events would itself weigh on the heap measured below.
      const counts = new Map<string, number>();
      const reasons = new Map<string, number>();
      const unexpected: string[] = [];
      server.events$.subscribe((e) => {
        counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
        if (e.type === 'disconnected') reasons.set(e.reason, (reasons.get(e.reason) ?? 0) + 1);
        if (e.type === 'processor-error' || e.type === 'send-queue-full' || e.type === 'connection-refused') unexpected.push(e.type);
      });
      const steady = steadyClient(address, TextEcho);

      /** One churning connection; `i` picks how it behaves and how it goes. */
      const churn = async (i: number): Promise<void> => {
        const p = await WirePeer.connect(address, TextEcho.codec);
        try {
          switch (i % 4) {
            case 0:
              p.destroy();
              break;
            case 1:
              await p.send({ kind: 'Ping', n: i });
              await p.receive(1, 3000);
              p.raw.end();
              await within(p.ended, 3000, 'graceful end');
              break;
            case 2:
              await p.write('{"kind":"Ping","n":');
              p.destroy();
              break;
            default:
              p.raw.socket.resetAndDestroy();
          }
        } finally {
          p.destroy();
        }
      };
      const batch = async (from: number) => {
        await Promise.all(Array.from({ length: BATCH }, (_, k) => churn(from + k)));
      };

      // Warm up (code paths compiled, pools filled) before the baseline.
      await batch(0);
      await eventually(() => server.snapshot().connections.length === 1, 3000, 'warm-up connections gone');
      const baseline = await settledHeapUsed();
      const t0 = Date.now();
      for (let from = BATCH; from < BATCH + CONNECTIONS; from += BATCH) await batch(from);
      await eventually(() => server.snapshot().connections.length === 1, 5000, 'churned connections gone');
      const elapsed = Date.now() - t0;
      const after = await settledHeapUsed();
      const growth = after.heapUsed - baseline.heapUsed;
      console.log(
        `      churn: ${CONNECTIONS} connections in ${elapsed} ms; heap ${mb(baseline.heapUsed)} -> ${mb(after.heapUsed)} MB ` +
          `(${growth >= 0 ? '+' : ''}${mb(growth)} MB, ${after.collected ? 'after full GC' : 'no GC available'})`,
      );
      expect(growth).to.be.below(30 * 1024 * 1024);
      expect(counts.get('connected')).to.equal(CONNECTIONS + BATCH + 1);
      expect(counts.get('disconnected')).to.equal(CONNECTIONS + BATCH);
      // destroy() sends a FIN, so the server sees a half-close: the processor completes, or a cut-off frame
      // gets the policy (disconnect); resetAndDestroy() is a transport error.
      const quarter = (CONNECTIONS + BATCH) / 4;
      expect(Object.fromEntries(reasons)).to.deep.equal({ completed: 2 * quarter, 'decode-error': quarter, 'transport-error': quarter });
      expect(unexpected).to.deep.equal([]);
      expect(await steady.stopAndCheck()).to.be.above(0);
      await server.close();
      expect(await leakedResources(before)).to.deep.equal([]);
    });
  });
});

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
