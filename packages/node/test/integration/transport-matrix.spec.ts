import { expect } from 'chai';
import { map, take } from 'rxjs';
import {
  createClient,
  createServer,
  type ClientEvent,
  type DecodeErrorCode,
  type DecodeErrorPolicy,
  type ServerEvent,
} from '@rxmsg/node';
import { activeResources, eventually, leakedResources, waitFor } from '@rxmsg/test-utils';
import { Bulk, bulk } from './bulk-protocol';
import { BinaryEcho, TextEcho, echo, ofType, pings, pongs, record, type EchoProtocol, type EchoReply } from './echo-protocol';
import { TRANSPORT_CASES, lockstep, sendThenListen, type TransportCase, type TransportSetup } from './transport-cases';
import { lengthPrefix } from './wire-peer';

// One behavioural suite, run once per transport of TRANSPORT_CASES (TCP, Unix socket, TLS, WebSocket).

const MAX_FRAME = 1024;

interface BadInput {
  readonly name: string;
  readonly protocol: EchoProtocol;
  readonly bytes: string | Uint8Array;
  /** The same bad input as one message of a message transport (WebSocket), where it differs: no length prefix. */
  readonly message?: string | Uint8Array;
  /** Why the case has no message-transport form, if it has none. */
  readonly streamOnly?: string;
  readonly code: DecodeErrorCode;
  /** Policies to try. */
  readonly policies: readonly DecodeErrorPolicy[];
  /** A declared length too large to skip: the connection is closed (`frame-too-large`) whatever the policy. */
  readonly fatal?: boolean;
}

const BAD_INPUT: readonly BadInput[] = [
  { name: 'malformed JSON', protocol: TextEcho, bytes: '{"kind":"Ping",\n', code: 'MESSAGE_MALFORMED', policies: ['reply', 'disconnect'] },
  {
    name: 'a line over maxFrameBytes',
    protocol: TextEcho,
    // Over maxFrameBytes, within WebSocket's payload limit (maxFrameBytes plus as much again): a
    // larger message never reaches the session (ws-max-payload.spec.ts).
    bytes: `{"kind":"Ping","n":1,"pad":"${'x'.repeat(MAX_FRAME)}"}\n`,
    code: 'FRAME_TOO_LARGE',
    policies: ['reply', 'disconnect'],
  },
  {
    name: 'a payload that is not MessagePack',
    protocol: BinaryEcho,
    bytes: Uint8Array.from([...lengthPrefix(1), 0xc1]),
    message: Uint8Array.of(0xc1),
    code: 'MESSAGE_MALFORMED',
    policies: ['reply', 'disconnect'],
  },
  {
    name: 'a 1 GiB length prefix',
    protocol: BinaryEcho,
    bytes: lengthPrefix(2 ** 30),
    streamOnly: 'a length prefix exists only on byte streams; a WebSocket message over maxPayload is refused by the transport (@rxmsg/ws tests)',
    code: 'FRAME_TOO_LARGE',
    fatal: true,
    policies: ['reply', 'disconnect'],
  },
];

/** The behavioural suite for one transport. */
function transportSuite(tc: TransportCase): void {
  describe(`over ${tc.name}`, () => {
    let t: TransportSetup;
    const cleanup: (() => unknown)[] = [];

    before(async () => {
      t = await tc.setup();
    });
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });

    async function echoServer(protocol: EchoProtocol, options: { policy?: DecodeErrorPolicy; take?: number } = {}) {
      const limit = options.take;
      const s = await createServer({
        listen: tc.listenAddress(),
        transports: t.transports,
        protocol,
        processor: limit === undefined ? echo : (in$) => echo(in$.pipe(take(limit))),
        config: { maxFrameBytes: MAX_FRAME, onDecodeError: options.policy ?? 'disconnect', flushTimeoutMs: 1000 },
      });
      cleanup.push(() => s.close());
      return { server: s, address: s.addresses()[0]!, log: record(s.events$) };
    }

    function client(address: string, protocol: EchoProtocol, processor: ReturnType<typeof lockstep>) {
      const c = createClient({ connect: address, transports: t.transports, protocol, processor, config: { maxFrameBytes: MAX_FRAME } });
      cleanup.push(() => c.close());
      const got: EchoReply[] = [];
      c.messages$.subscribe((m) => got.push(m));
      return { client: c, got, log: record(c.events$) };
    }

    async function raw(address: string, protocol: EchoProtocol, options: { stayOpen?: boolean } = {}) {
      const p = await t.connectRaw(address, protocol.codec, options);
      cleanup.push(() => p.destroy());
      return p;
    }

    /** Events that mean something went wrong somewhere. */
    const failures = (events: readonly (ServerEvent | ClientEvent)[]) =>
      events.filter((e) => e.type === 'decode-error' || e.type === 'processor-error' || e.type === 'send-queue-full');

    for (const protocol of [TextEcho, BinaryEcho]) {
      it(`${protocol.codec.name}: a client gets every answer of a request/response exchange, in order`, async () => {
        const { address, log } = await echoServer(protocol);
        const c = client(address, protocol, lockstep(200));
        expect(await waitFor(c.client.status$, (st) => st.state === 'connected', 2000)).to.deep.equal({ state: 'connected', remoteAddress: address });
        await c.client.closed;
        expect(c.got).to.deep.equal(pongs(0, 200));
        await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'server saw the end');
        const [ended] = ofType(log.events, 'disconnected');
        expect(ended?.reason).to.equal('completed');
        expect(ended?.stats).to.include({ messagesIn: 200, messagesOut: 200 });
        expect(failures([...log.events, ...c.log.events])).to.deep.equal([]);
      });
    }

    it('binary: frames far larger than one read (and one TLS record) arrive whole', async () => {
      const s = await createServer({
        listen: tc.listenAddress(),
        transports: t.transports,
        protocol: BinaryEcho,
        processor: echo,
        config: { maxFrameBytes: 1 << 20 },
      });
      cleanup.push(() => s.close());
      const big = 'é'.repeat(100_000);
      const c = createClient({
        connect: s.addresses()[0]!,
        transports: t.transports,
        protocol: BinaryEcho,
        processor: sendThenListen([{ kind: 'Ping', n: 1, pad: big }, { kind: 'Ping', n: 2, pad: big }]),
      });
      cleanup.push(() => c.close());
      const got: EchoReply[] = [];
      c.messages$.subscribe((m) => got.push(m));
      await eventually(() => got.length === 2, 3000, 'two answers');
      expect(got).to.deep.equal(pongs(1, 3));
      const snap = s.snapshot().connections[0];
      // Each frame is 200 kB of UTF-8 plus its envelope: received whole, not truncated.
      expect(snap?.bytesIn).to.be.above(400_000);
      expect(snap?.messagesIn).to.equal(2);
    });

    it('serves 20 concurrent clients, each getting its own answers in order', async () => {
      const { server, address, log } = await echoServer(TextEcho);
      const clients = Array.from({ length: 20 }, (_, i) => client(address, TextEcho, lockstep(50 + i)));
      await eventually(() => server.snapshot().connections.length === 20 || ofType(log.events, 'disconnected').length > 0, 3000, 'all connected');
      await Promise.all(clients.map((c) => c.client.closed));
      clients.forEach((c, i) => expect(c.got).to.deep.equal(pongs(0, 50 + i)));
      await eventually(() => ofType(log.events, 'disconnected').length === 20, 2000, 'every connection ended');
      expect(ofType(log.events, 'disconnected').map((e) => e.reason)).to.deep.equal(Array<string>(20).fill('completed'));
      expect(new Set(ofType(log.events, 'connected').map((e) => e.peerId)).size).to.equal(20);
      expect(failures(log.events)).to.deep.equal([]);
    });

    describe('bad input from a raw peer', () => {
      for (const bad of BAD_INPUT) {
        for (const policy of bad.policies) {
          const title = `${bad.protocol.codec.name}, ${bad.name}, onDecodeError '${policy}': ${bad.code}, policy applied, a client served meanwhile`;
          if (tc.framing === 'message' && bad.streamOnly !== undefined) {
            it.skip(`${title} (skipped over ${tc.name}: ${bad.streamOnly})`);
            continue;
          }
          const bytes = tc.framing === 'message' ? (bad.message ?? bad.bytes) : bad.bytes;
          it(title, async () => {
            const { address, log } = await echoServer(bad.protocol, { policy });
            const good = client(address, bad.protocol, lockstep(100));
            await waitFor(good.client.status$, (st) => st.state === 'connected', 2000);
            const attacker = await raw(address, bad.protocol);
            await eventually(() => ofType(log.events, 'connected').length === 2, 1000, 'attacker connected');
            const attackerId = ofType(log.events, 'connected')[1]!.peerId;
            await attacker.write(bytes);
            await eventually(() => ofType(log.events, 'decode-error').length > 0, 2000, 'decode-error');
            const errors = ofType(log.events, 'decode-error');
            const action = bad.fatal === true ? 'disconnect' : policy;
            expect(errors.map((e) => [e.peerId, e.error.code, e.action])).to.deep.equal([[attackerId, bad.code, action]]);
            if (action === 'disconnect') {
              await attacker.ended;
              // Under 'reply', a fatal frame still gets its error reply before the end.
              expect(attacker.messages()).to.deep.equal(policy === 'reply' ? [{ kind: 'Oops', code: bad.code }] : []);
              await eventually(() => ofType(log.events, 'disconnected').some((e) => e.peerId === attackerId), 1000, 'attacker disconnected');
              const reason = bad.fatal === true ? 'frame-too-large' : 'decode-error';
              expect(ofType(log.events, 'disconnected').find((e) => e.peerId === attackerId)).to.include({ reason });
            } else {
              await attacker.send({ kind: 'Ping', n: 7 });
              expect(await attacker.receive(2)).to.deep.equal([{ kind: 'Oops', code: bad.code }, { kind: 'Pong', n: 7 }]);
              expect(attacker.closed).to.equal(false);
            }
            await good.client.closed;
            expect(good.got).to.deep.equal(pongs(0, 100));
            expect(failures(good.log.events)).to.deep.equal([]);
          });
        }
      }
    });

    describe('processor completion', () => {
      it('ends the connection once the server processor completes, after sending everything it emitted', async () => {
        const { address, log } = await echoServer(TextEcho, { take: 3 });
        const p = await raw(address, TextEcho);
        await p.send(...pings(0, 5));
        await p.ended;
        expect(p.messages()).to.deep.equal(pongs(0, 3));
        await eventually(() => ofType(log.events, 'disconnected').length === 1, 1000, 'disconnected');
        expect(ofType(log.events, 'disconnected')[0]).to.include({ reason: 'completed' });
      });

      it('a client whose server processor completes is closed without error and got every answer', async () => {
        const { address } = await echoServer(BinaryEcho, { take: 3 });
        const c = client(address, BinaryEcho, sendThenListen(pings(0, 5)));
        await c.client.closed;
        expect(c.got).to.deep.equal(pongs(0, 3));
        expect(await waitFor(c.client.status$, () => true, 100)).to.deep.equal({ state: 'closed' });
        expect(c.log.events.flatMap((e) => (e.type === 'disconnected' ? [e.reason] : []))).to.deep.equal(['completed']);
      });
    });

    it('close() flushes queued output to a slow reader, ends every connection, and leaves no handles', async () => {
      const before = await activeResources();
      const s = await createServer({
        listen: tc.listenAddress(),
        transports: t.transports,
        protocol: Bulk,
        processor: bulk,
        config: { flushTimeoutMs: 3000 },
      });
      cleanup.push(() => s.close());
      const log = record(s.events$);
      const address = s.addresses()[0]!;
      const slow = await t.connectRaw(address, Bulk.codec);
      cleanup.push(() => slow.destroy());
      slow.pause();
      await slow.send({ kind: 'Want', count: 2000 });
      // Written or queued: messagesOut counts only what the socket took.
      await eventually(
        () => {
          const c = s.snapshot().connections[0];
          return c !== undefined && c.messagesOut + c.queued === 2000;
        },
        2000,
        'chunks queued',
      );
      const idle = createClient({ connect: address, transports: t.transports, protocol: Bulk, processor: (in$) => in$.pipe(map(() => ({ kind: 'Want', count: 0 }) as const)) });
      cleanup.push(() => idle.close());
      await waitFor(idle.status$, (st) => st.state === 'connected', 2000);
      await eventually(() => s.snapshot().connections.length === 2, 1000, 'client accepted');

      let closed = false;
      const closing = s.close().then(() => (closed = true));
      // Shutdown has reached every connection (the idle client is gone) and still waits,
      // flushing to the reader that does not read.
      await idle.closed;
      expect(closed).to.equal(false);
      slow.resume();
      await slow.ended;
      const chunks = slow.messages();
      expect(chunks).to.have.length(2000);
      expect(chunks.every((c, i) => typeof c === 'object' && c !== null && 'i' in c && c.i === i)).to.equal(true);
      await idle.closed;
      await closing;
      expect(ofType(log.events, 'disconnected').map((e) => e.reason)).to.deep.equal(['shutdown', 'shutdown']);
      expect(log.events.at(-1)).to.deep.equal({ type: 'stopped' });
      expect(await leakedResources(before)).to.deep.equal([]);
    });
  });
}

describe('transport matrix', () => {
  for (const tc of TRANSPORT_CASES) transportSuite(tc);
});
