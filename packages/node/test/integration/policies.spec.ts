import { expect } from 'chai';
import { EMPTY, NEVER, concat, ignoreElements, map, mergeMap, of, range, take, tap, timer, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  consume,
  createClient,
  createServer,
  defineProtocol,
  textCodec,
  type ConfigInput,
  type Peer,
  type ServerMessage,
  type ClientMessage,
} from '@rxmsg/node';
import { activeResources, eventually, leakedResources } from '@rxmsg/test-utils';
import { virtualClock } from '@rxmsg/testing';
import { echo, ofType, pings, pongs, record, TextEcho } from './echo-protocol';
import { TRANSPORT_CASES, type TransportSetup } from './transport-cases';
import type { RawPeer } from './raw-peer';

/** The client asks for a burst; the server sends it with peer.send or as processor output. */
const Bulk = defineProtocol({
  name: 'bulk',
  tag: 'kind',
  codec: 'text',
  client: { Start: z.object({ count: z.number().int(), size: z.number().int() }), Ping: z.object({ n: z.number().int() }) },
  server: { Data: z.object({ n: z.number().int(), pad: z.string() }), Bye: z.object({}) },
  goingAway: { server: () => ({ kind: 'Bye' }) },
});
type BulkOut = ServerMessage<typeof Bulk>;
type BulkIn = ClientMessage<typeof Bulk>;

function data(n: number, size: number): BulkOut {
  return { kind: 'Data', n, pad: 'x'.repeat(size) };
}

/** Messages of 2 KB in one synchronous burst: 20 MB, more than loopback socket buffers hold. */
const BURST = 10_000;

/** Received `Data` numbers, in arrival order. */
function numbers(peer: RawPeer): number[] {
  return peer.messages().flatMap((m) => (typeof m === 'object' && m !== null && 'n' in m && typeof m.n === 'number' ? [m.n] : []));
}

for (const tc of TRANSPORT_CASES) {
  describe(`policies over ${tc.name}`, () => {
    let setup: TransportSetup;
    const closers: (() => Promise<unknown>)[] = [];
    before(async () => {
      setup = await tc.setup();
    });
    afterEach(async () => {
      for (const close of closers.splice(0).reverse()) await close();
    });

    async function bulkServer(
      config: ConfigInput<'server', never>,
      processor: (in$: Observable<BulkIn>, peer: Peer<BulkIn, BulkOut, unknown>) => Observable<BulkOut>,
    ) {
      const server = await createServer({ listen: tc.listenAddress(), transports: setup.transports, protocol: Bulk, processor, config });
      closers.push(() => server.close());
      const log = record(server.events$);
      return { server, log };
    }

    /** The text echo server over this transport with `config`, closed after the test. */
    async function echoServer(config: ConfigInput<'server', 'server'>) {
      const server = await createServer({ listen: tc.listenAddress(), transports: setup.transports, protocol: TextEcho, processor: echo, config });
      closers.push(() => server.close());
      return { server, log: record(server.events$) };
    }

    async function raw(address: string): Promise<RawPeer> {
      const peer = await setup.connectRaw(address, textCodec);
      closers.push(async () => peer.destroy());
      return peer;
    }

    describe('outbound queue full', () => {
      /** Sends `count` messages with peer.send in one synchronous burst; records what send() answered. */
      function burst(results: boolean[]) {
        return (in$: Observable<BulkIn>, peer: Peer<BulkIn, BulkOut, unknown>) =>
          in$.pipe(
            take(1),
            tap((m) => {
              if (m.kind !== 'Start') return;
              for (let n = 0; n < m.count; n++) results.push(peer.send(data(n, m.size)));
            }),
            mergeMap(() => NEVER),
          );
      }

      it("'drop-newest' refuses new messages while the queue is full; the reader gets exactly the accepted ones, in order", async () => {
        const results: boolean[] = [];
        const { server, log } = await bulkServer({ sendQueueLimit: 20, onSendQueueFull: 'drop-newest' }, burst(results));
        const peer = await raw(server.addresses()[0]!);
        await peer.send({ kind: 'Start', count: BURST, size: 2000 });
        await eventually(() => results.length === BURST, 3000, 'burst sent');
        const accepted = results.flatMap((ok, n) => (ok ? [n] : []));
        const dropped = results.length - accepted.length;
        expect(dropped).to.be.greaterThan(0);
        await peer.until(() => numbers(peer).length >= accepted.length, 5000);
        expect(numbers(peer)).to.deep.equal(accepted);
        const drops = ofType(log.events, 'message-dropped');
        expect(drops).to.have.length(dropped);
        expect(drops.every((d) => d.direction === 'out' && d.cause === 'drop-newest')).to.equal(true);
        expect(server.snapshot().connections[0]!.messagesDropped).to.equal(dropped);
      });

      it("'drop-oldest' always queues the new message and drops the oldest waiting one; order is kept", async () => {
        const results: boolean[] = [];
        const { server, log } = await bulkServer({ sendQueueLimit: 20, onSendQueueFull: 'drop-oldest' }, burst(results));
        const peer = await raw(server.addresses()[0]!);
        await peer.send({ kind: 'Start', count: BURST, size: 2000 });
        await eventually(() => results.length === BURST, 3000, 'burst sent');
        expect(results.every((ok) => ok)).to.equal(true);
        const dropped = ofType(log.events, 'message-dropped').length;
        expect(dropped).to.be.greaterThan(0);
        await peer.until(() => numbers(peer).length >= BURST - dropped, 10_000);
        const got = numbers(peer);
        expect(got).to.have.length(BURST - dropped);
        expect(got.at(-1)).to.equal(BURST - 1);
        for (let i = 1; i < got.length; i++) expect(got[i]).to.be.greaterThan(got[i - 1]!);
      });

      it("'disconnect' closes the connection with reason send-queue-full", async () => {
        const results: boolean[] = [];
        const { server, log } = await bulkServer({ sendQueueLimit: 20, onSendQueueFull: 'disconnect' }, burst(results));
        const peer = await raw(server.addresses()[0]!);
        await peer.send({ kind: 'Start', count: BURST, size: 2000 });
        await peer.ended;
        await eventually(() => ofType(log.events, 'disconnected').length === 1, 2000, 'disconnected');
        expect(ofType(log.events, 'disconnected')[0]).to.include({ reason: 'send-queue-full' });
        expect(ofType(log.events, 'send-queue-full')).to.have.length(1);
      });

      it("'backpressure' stops reading a peer that does not read, and loses nothing once it reads again", async () => {
        const { server, log } = await bulkServer({ sendQueueLimit: 32, sendQueueBytes: 65_536, onSendQueueFull: 'backpressure' }, (in$) =>
          in$.pipe(mergeMap((m) => (m.kind === 'Start' ? range(m.count).pipe(map((i) => data(m.size * 1000 + i, 200))) : EMPTY))),
        );
        const peer = await raw(server.addresses()[0]!);
        peer.pause();
        const requests = 300;
        const perRequest = 100;
        // Each Start asks for 100 messages of ~230 bytes: 300 of them ask for ~7 MB.
        for (let r = 0; r < requests; r++) void peer.send({ kind: 'Start', count: perRequest, size: r });
        await eventually(() => ofType(log.events, 'flow').some((f) => f.cause === 'send-queue' && f.paused), 5000, 'input paused');
        const snap = server.snapshot().connections[0]!;
        expect(snap.inputPaused).to.equal(true);
        expect(snap.queued).to.be.at.most(32 + perRequest);
        peer.resume();
        await peer.until(() => numbers(peer).length >= requests * perRequest, 20_000);
        const got = numbers(peer);
        const expected: number[] = [];
        for (let r = 0; r < requests; r++) for (let i = 0; i < perRequest; i++) expected.push(r * 1000 + i);
        expect(got).to.deep.equal(expected);
        expect(ofType(log.events, 'message-dropped')).to.deep.equal([]);
        expect(ofType(log.events, 'flow').some((f) => f.cause === 'send-queue' && !f.paused)).to.equal(true);
      });
    });

    describe('inbound: slow processor', () => {
      it('stops reading the socket while receiveQueueLimit messages are unconsumed, then catches up without loss', async () => {
        let working = 0;
        let mostAtOnce = 0;
        const server = await createServer({
          listen: tc.listenAddress(),
          transports: setup.transports,
          protocol: TextEcho,
          config: { receiveQueueLimit: 4, maxFrameBytes: 2048 },
          processor: (in$) =>
            in$.pipe(
              consume(
                (m) =>
                  timer(1).pipe(
                    tap({ subscribe: () => (mostAtOnce = Math.max(mostAtOnce, ++working)), complete: () => working-- }),
                    map(() => ({ kind: 'Pong', n: m.n }) as const),
                  ),
                2,
              ),
            ),
        });
        closers.push(() => server.close());
        const log = record(server.events$);
        const peer = await raw(server.addresses()[0]!);
        const count = 400;
        const pad = 'p'.repeat(1000);
        void peer.send(...pings(0, count).map((p) => ({ ...p, pad })));
        await eventually(() => ofType(log.events, 'flow').some((f) => f.cause === 'receive-queue' && f.paused), 3000, 'paused');
        // While paused, the server has read only part of the ~400 KB sent.
        expect(server.snapshot().connections[0]!.bytesIn).to.be.below(count * 1000);
        await peer.receive(count, 10_000);
        expect(peer.messages()).to.deep.equal(pongs(0, count));
        expect(mostAtOnce).to.equal(2);
      });
    });

    describe('liveness', () => {
      it('answers heartbeats for the processor, and closes a peer that went silent with reason timeout', async () => {
        // The server's timers run on virtual time, so a loaded machine cannot make the answering
        // client late: virtual time moves only once the client's answer to every heartbeat sent
        // so far has arrived (real sockets carry the bytes in between).
        const clock = virtualClock();
        const server = await createServer({
          listen: tc.listenAddress(),
          transports: setup.transports,
          protocol: TextEcho,
          processor: echo,
          config: { heartbeat: { intervalMs: 40, timeoutMs: 150 } },
          scheduler: clock.scheduler,
        });
        closers.push(() => clock.runUntil(server.close()));
        const log = record(server.events$);
        // A client with no heartbeat config still answers the server's pings, so it stays.
        const seen: unknown[] = [];
        const client = createClient({
          connect: server.addresses()[0]!,
          transports: setup.transports,
          protocol: TextEcho,
          processor: (in$) => concat(of(...pings(0, 1)), in$.pipe(tap((m) => seen.push(m)), ignoreElements())),
        });
        closers.push(() => client.close());
        await eventually(() => seen.length === 1, 5000, 'the client got its Pong');
        const [alive] = server.snapshot().connections;
        expect(alive).to.not.equal(undefined);
        const stats = () => server.snapshot().connections.find((c) => c.id === alive!.id);
        // A raw peer that never answers is the vanished one.
        const silent = await raw(server.addresses()[0]!);
        await silent.send(...pings(0, 1));
        expect(await silent.receive(1)).to.deep.equal(pongs(0, 1));
        const start = clock.now();
        const out0 = stats()!.bytesOut;
        const in0 = stats()!.bytesIn;
        // Each '#ping\n' the server writes is answered by a '#pong\n' of the same length.
        const answered = () => stats()!.bytesIn - in0 >= stats()!.bytesOut - out0;
        let closedAt: number | undefined;
        void silent.ended.then(() => (closedAt = clock.now()));
        while (closedAt === undefined && clock.now() - start < 1000) {
          await clock.advance(10);
          await eventually(answered, 5000, 'the client answered every heartbeat');
          await eventually(() => silent.closed || ofType(log.events, 'disconnected').length === 0, 5000, 'the close reached the silent peer');
          await clock.settle();
        }
        await silent.ended;
        // Not before its timeout, and within one more heartbeat interval of it.
        expect(closedAt! - start).to.be.within(150, 150 + 40 + 10);
        expect(silent.controls()).to.include('ping');
        await eventually(() => ofType(log.events, 'disconnected').length === 1, 5000, 'disconnected');
        expect(ofType(log.events, 'disconnected')[0]).to.include({ reason: 'timeout' });
        expect(ofType(log.events, 'disconnected')[0]!.error?.code).to.equal('TIMEOUT');
        // The client stays: it answers 5 more heartbeats (200 virtual ms, more than the timeout).
        const pongsBefore = stats()!.bytesIn;
        while (stats()!.bytesIn < pongsBefore + 5 * 6) {
          await clock.advance(10);
          await eventually(answered, 5000, 'the client answered every heartbeat');
        }
        expect(server.snapshot().connections.map((c) => c.id)).to.deep.equal([alive!.id]);
        expect(ofType(log.events, 'disconnected')).to.have.length(1);
        // Heartbeats never reach processors: the client saw only its Pong.
        expect(seen).to.deep.equal(pongs(0, 1));
      });

      it('closes a connection with no application message for idleTimeoutMs', async () => {
        const { server, log } = await echoServer({ idleTimeoutMs: 100 });
        const peer = await raw(server.addresses()[0]!);
        await peer.send(...pings(0, 1));
        await peer.ended;
        await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'disconnected');
        expect(ofType(log.events, 'disconnected')[0]).to.include({ reason: 'idle-timeout' });
        expect(peer.messages()).to.deep.equal(pongs(0, 1));
      });

      it('closes a connection that sends no complete first message within handshakeTimeoutMs (slowloris)', async () => {
        const { server, log } = await echoServer({ handshakeTimeoutMs: 150 });
        const slow = await raw(server.addresses()[0]!);
        const good = await raw(server.addresses()[0]!);
        await good.send(...pings(0, 1));
        // One byte every 20 ms never completes the first line (WebSocket: message fragment) in time.
        const line = '{"kind":"Ping","n":1}';
        for (let i = 0; i < line.length && !slow.closed; i++) {
          await slow.writeFragment(line[i]!, false).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 20));
        }
        await slow.ended;
        await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'disconnected');
        expect(ofType(log.events, 'disconnected')[0]).to.include({ reason: 'handshake-timeout' });
        await good.send(...pings(1, 2));
        expect(await good.receive(2)).to.deep.equal(pongs(0, 2));
      });
    });

    describe('limits', () => {
      it('refuses connections beyond maxConnections with an event, and serves the others', async () => {
        const { server, log } = await echoServer({ maxConnections: 2 });
        const a = await raw(server.addresses()[0]!);
        const b = await raw(server.addresses()[0]!);
        await a.send(...pings(0, 1));
        await b.send(...pings(0, 1));
        await a.receive(1);
        await b.receive(1);
        const c = await raw(server.addresses()[0]!).catch(() => undefined);
        if (c !== undefined) await c.ended;
        await eventually(() => ofType(log.events, 'connection-refused').length === 1, 1000, 'refused');
        expect(ofType(log.events, 'connection-refused')[0]).to.include({ reason: 'max-connections' });
        await a.send(...pings(1, 2));
        expect(await a.receive(2)).to.deep.equal(pongs(0, 2));
      });

      for (const onExceed of ['drop', 'disconnect', 'pause'] as const) {
        it(`rate limit with onExceed '${onExceed}'`, async () => {
          const { server, log } = await echoServer({ rateLimit: { messagesPerSecond: 200, burst: 10, onExceed } });
          const peer = await raw(server.addresses()[0]!);
          const t0 = Date.now();
          await peer.send(...pings(0, 50));
          if (onExceed === 'pause') {
            // Everything is answered, at about the allowed rate: 40 messages beyond the burst at 200/s.
            expect(await peer.receive(50, 5000)).to.deep.equal(pongs(0, 50));
            expect(Date.now() - t0).to.be.at.least(150);
            expect(server.snapshot().connections[0]!.rateLimited).to.be.greaterThan(0);
          } else if (onExceed === 'drop') {
            await eventually(() => ofType(log.events, 'message-dropped').length + numbers(peer).length >= 50, 3000, 'all handled');
            const got = numbers(peer);
            // The burst passes, the rest partly refills at 200/s while a loaded machine works through them: some are dropped.
            expect(got.length).to.be.within(10, 49);
            expect(got.slice(0, 10)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
            expect(ofType(log.events, 'message-dropped').every((d) => d.direction === 'in' && d.cause === 'rate-limit')).to.equal(true);
          } else {
            await peer.ended;
            await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'disconnected');
            expect(ofType(log.events, 'disconnected')[0]).to.include({ reason: 'rate-limit' });
          }
        });
      }
    });

    describe('closing', () => {
      it('flushAndClose resolves with the messages that could not be sent to a reader that stopped', async () => {
        let unsent: Promise<number> | undefined;
        const { server } = await bulkServer({ sendQueueLimit: 100_000, sendQueueBytes: 1 << 30 }, (in$, peer) =>
          in$.pipe(
            take(1),
            tap(() => {
              for (let n = 0; n < BURST; n++) peer.send(data(n, 2000));
              unsent = peer.flushAndClose(0);
            }),
            ignoreElements(),
          ),
        );
        const peer = await raw(server.addresses()[0]!);
        peer.pause();
        await peer.send({ kind: 'Start', count: 0, size: 0 });
        await eventually(() => unsent !== undefined, 2000, 'flushAndClose called');
        expect(await unsent).to.be.greaterThan(0);
      });

      it('flushAndClose resolves with 0 when everything was flushed, and cancelAndClose drops the queue at once', async () => {
        let unsent: Promise<number> | undefined;
        const { server } = await bulkServer({}, (in$, peer) =>
          in$.pipe(
            take(1),
            tap((m) => {
              if (m.kind === 'Start' && m.count === 0) {
                peer.cancelAndClose();
                return;
              }
              for (let n = 0; n < 10; n++) peer.send(data(n, 10));
              unsent = peer.flushAndClose(1000);
            }),
            ignoreElements(),
          ),
        );
        const reader = await raw(server.addresses()[0]!);
        await reader.send({ kind: 'Start', count: 10, size: 10 });
        await reader.ended;
        expect(await unsent).to.equal(0);
        expect(numbers(reader)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const cancelled = await raw(server.addresses()[0]!);
        await cancelled.send({ kind: 'Start', count: 0, size: 0 });
        await cancelled.ended;
        expect(cancelled.messages()).to.deep.equal([]);
      });

      it("a graceful stop sends the protocol's going-away message, flushes what was sent before, and leaves no handles", async () => {
        const before = await activeResources();
        const { server } = await bulkServer({}, (in$) =>
          in$.pipe(mergeMap((m) => (m.kind === 'Start' ? range(m.count).pipe(map((n) => data(n, m.size))) : EMPTY))),
        );
        const peer = await raw(server.addresses()[0]!);
        await peer.send({ kind: 'Start', count: 500, size: 100 });
        await peer.until(() => numbers(peer).length > 0);
        await server.close();
        await peer.ended;
        const got = peer.messages();
        expect(got.slice(0, 500).map((m) => (m as { n: number }).n)).to.deep.equal([...Array(500).keys()]);
        expect(got.at(-1)).to.deep.equal({ kind: 'Bye' });
        closers.splice(0);
        expect(await leakedResources(before, ['TCPWrap', 'TCPServerWrap', 'PipeWrap', 'PipeServerWrap', 'TLSWrap'])).to.deep.equal([]);
      });
    });
  });
}
