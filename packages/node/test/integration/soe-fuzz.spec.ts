import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { deflateSync } from 'node:zlib';
import { expect } from 'chai';
import { filter, map, startWith, takeWhile, tap } from 'rxjs';
import { createClient, createServer, soeTransport, type ServerEvent, type SoeTransportOptions } from '@rxmsg/node';
import { DATA_BUNDLE_MAGIC, SoeOpCode, decodeSoeDatagram, encodeSoeDatagram, soeCrc32 } from '@rxmsg/soe/internal';
import { type SoeSessionParams } from '@rxmsg/soe';
import { HANDLE_KINDS, activeResources, eventually, leakedResources, settledHeapUsed } from '@rxmsg/test-utils';
import { seededRandom } from '@rxmsg/testing';
import { BinaryEcho, echo, type Ping } from './echo-protocol';

/**
 * Datagram fuzz against a live `soe://` server: a good client plays Ping/Pong in lockstep while
 * hostile sockets send a bounded number of datagrams, drawn from a seeded PRNG (the seed is
 * printed; `SOE_FUZZ_SEED=n` replays a run's choices, the interleaving with the good client aside).
 */
const SEED = Number(process.env['SOE_FUZZ_SEED'] ?? 0x50e_f022);
/** The server's SOE settings under test, and how many hostile datagrams each gets. */
const CASES: readonly { readonly name: string; readonly options: SoeTransportOptions; readonly datagrams: number }[] = [
  { name: 'CRC-16, no compression (the SOE documentation\'s usual parameters)', options: { crcLength: 2 }, datagrams: 20_000 },
  { name: 'CRC-32 and compression: deflated bodies, zlib bombs, bytes that are not zlib, bad flags', options: { crcLength: 4, compression: true }, datagrams: 10_000 },
];
/** Hostile sockets: each is one address, so at most one server session each. */
const ATTACKERS = 16;
/** Datagrams sent between two turns of the event loop. */
const BATCH = 40;
const KINDS: readonly string[] = [...HANDLE_KINDS, 'UDPWrap'];
const LOOPBACK = '127.0.0.1';


/** Draws from one seeded stream. */
class Draw {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  u32(): number {
    return (this.int(0x10000) * 0x10000 + this.int(0x10000)) >>> 0;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** A length biased to the edges: 0–3, small, up to a datagram, rarely the largest UDP payload. */
  length(): number {
    const r = this.int(20);
    if (r < 3) return this.int(4);
    if (r < 10) return this.int(64);
    if (r < 19) return this.int(1500);
    return 60_000 + this.int(5_507);
  }
  /** A 32-bit value biased to the edges. */
  edgyU32(): number {
    return this.pick([0, 1, 63, 64, 255, 256, 0xffff, 0x10000, 0x100000, 0x7fffffff, 0xffffffff, this.u32()]);
  }
}

const u16 = (v: number): Uint8Array => new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);
const u32 = (v: number): Uint8Array => new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
const concat = (...parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * Op code + fields, made a session-context datagram of `params`: flag byte when negotiated, CRC.
 * With compression, `d` picks the body: plain, deflated, a zlib bomb, bytes that are not zlib, or a bad flag.
 */
function seal(opAndBody: Uint8Array, params: SoeSessionParams, d?: Draw): Uint8Array {
  let head = opAndBody;
  if (params.compression) {
    const op = opAndBody.subarray(0, 2);
    const body = opAndBody.subarray(2);
    const r = d?.int(20) ?? 0;
    if (r < 10 || d === undefined) head = concat(op, new Uint8Array([0]), body);
    else if (r < 16) head = concat(op, new Uint8Array([1]), deflateSync(body));
    else if (r < 17) head = concat(op, new Uint8Array([1]), BOMB);
    else if (r < 19) head = concat(op, new Uint8Array([1]), d.bytes(d.int(200)));
    else head = concat(op, new Uint8Array([2 + d.int(254)]), body);
  }
  const out = new Uint8Array(head.length + params.crcLength);
  out.set(head);
  const crc = soeCrc32(head, params.crcSeed);
  for (let i = 0; i < params.crcLength; i++) out[head.length + i] = (crc >>> (8 * (params.crcLength - 1 - i))) & 0xff;
  return out;
}

/** A zlib stream that inflates to 4 MiB of zeros (beyond any bound on inflated packets). */
const BOMB: Uint8Array = deflateSync(new Uint8Array(4 * 1024 * 1024));

/** The op code + fields of a session-context datagram of `params` (flag byte and CRC taken off). */
function unseal(datagram: Uint8Array, params: SoeSessionParams): Uint8Array | undefined {
  const head = params.compression ? 3 : 2;
  if (datagram.length < head + params.crcLength) return undefined;
  const body = datagram.subarray(head, datagram.length - params.crcLength);
  return concat(datagram.subarray(0, 2), body);
}

/** Bit flips, truncation, extension, a spliced run of random bytes. */
function mutate(d: Draw, bytes: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(bytes);
  const rounds = 1 + d.int(3);
  for (let i = 0; i < rounds; i++) {
    switch (d.int(5)) {
      case 0:
        if (out.length > 0) {
          const at = d.int(out.length);
          out[at] = (out[at] as number) ^ (1 << d.int(8));
        }
        break;
      case 1:
        out = out.subarray(0, d.int(out.length + 1));
        break;
      case 2:
        out = concat(out, d.bytes(1 + d.int(d.chance(0.1) ? 2000 : 16)));
        break;
      case 3:
        if (out.length > 0) {
          const at = d.int(out.length);
          out = concat(out.subarray(0, at), d.bytes(d.int(8)), out.subarray(at + d.int(8)));
        }
        break;
      default:
        if (out.length > 2) out[2 + d.int(out.length - 2)] = d.pick([0x00, 0xff, 0x7f, 0x80]);
    }
  }
  return out;
}

/** A `SessionRequest` with some fields random. */
function sessionRequest(d: Draw, valid: boolean): Uint8Array {
  if (valid) return encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: d.u32(), udpLength: 512 + d.int(1000), applicationProtocol: 'rxmsg' });
  const name = d.pick([
    new TextEncoder().encode('rxmsg'),
    new TextEncoder().encode('x'.repeat(d.int(3000))),
    d.bytes(d.int(40)), // maybe not UTF-8, maybe with NULs
    new Uint8Array(0),
  ]);
  const terminator = d.chance(0.8) ? new Uint8Array([0]) : new Uint8Array(0);
  const version = d.chance(0.5) ? 3 : d.edgyU32();
  return concat(u16(SoeOpCode.SessionRequest), u32(version), u32(d.u32()), u32(d.edgyU32()), name, terminator, d.chance(0.1) ? d.bytes(d.int(8)) : new Uint8Array(0));
}

/** A `MultiPacket` body of sub-packets whose declared lengths may lie. */
function multiPacketBody(d: Draw, seq: () => number): Uint8Array {
  const parts: Uint8Array[] = [u16(SoeOpCode.MultiPacket)];
  const n = 1 + d.int(6);
  for (let i = 0; i < n; i++) {
    const sub = d.pick([
      concat(u16(SoeOpCode.ReliableData), u16(seq()), d.bytes(d.int(30))),
      concat(u16(SoeOpCode.Acknowledge), u16(d.int(0x10000))),
      concat(u16(SoeOpCode.Heartbeat)),
      concat(u16(SoeOpCode.MultiPacket), d.bytes(d.int(10))),
      concat(u16(SoeOpCode.SessionRequest), d.bytes(d.int(20))),
      d.bytes(d.int(20)),
    ]);
    const lie = d.int(5);
    if (lie === 0) parts.push(new Uint8Array([0xff, 0xff, 0xff]), u32(d.edgyU32()), sub);
    else if (lie === 1) parts.push(new Uint8Array([0xff]), u16(d.int(0x10000)), sub);
    else if (lie === 2) parts.push(new Uint8Array([d.int(256)]), sub);
    else parts.push(new Uint8Array([sub.length]), sub);
  }
  return concat(...parts);
}

/** One hostile socket and what it knows of its session on the server. */
interface Attacker {
  readonly socket: Socket;
  params: (SoeSessionParams & { readonly sessionId: number }) | undefined;
  /** Next reliable sequence it plays with (it never acknowledges the server's data). */
  sequence: number;
}

describe('SOE datagram fuzz against a live server', function () {
  this.timeout(60_000);

  for (const { name, options, datagrams: DATAGRAMS } of CASES) {
    it(`keeps the process up and a good client's echo exchange complete and in order through ${DATAGRAMS} hostile datagrams (${name}; seed ${SEED}), counts the junk, bounds sessions and memory, and leaks no handle after close`, async () => {
      console.log(`      SOE fuzz seed ${SEED} (SOE_FUZZ_SEED=${SEED} to replay)`);
      const before = await activeResources();
      const heapBefore = await settledHeapUsed();
      let heapDuring = 0;
      const transport = soeTransport(options);
      const server = await createServer({
        listen: `soe://${LOOPBACK}:0`,
        transports: [transport],
        protocol: BinaryEcho,
        processor: echo,
        config: { onDecodeError: 'reply' } as const,
      });
      const events: ServerEvent[] = [];
      server.events$.subscribe((e) => events.push(e));
      const serverPort = Number(new URL(server.addresses()[0]!).port);
      const stats = () => transport.endpointStats(LOOPBACK, serverPort)!;

      // A recording relay in front of the server for the good client: the datagrams a real session sends, for mutation.
      const captured = { toServer: [] as Uint8Array[], toClient: [] as Uint8Array[] };
      const keep = (list: Uint8Array[], msg: Buffer): void => {
        if (list.length < 200) list.push(Uint8Array.from(msg));
      };
      const front = createSocket('udp4');
      const back = createSocket('udp4');
      let clientAt: RemoteInfo | undefined;
      // A relay's send errors are lost datagrams, which SOE resends.
      for (const s of [front, back]) s.on('error', () => undefined);
      front.on('message', (msg, from) => {
        clientAt = from;
        keep(captured.toServer, msg);
        back.send(msg, serverPort, LOOPBACK);
      });
      back.on('message', (msg) => {
        keep(captured.toClient, msg);
        if (clientAt !== undefined) front.send(msg, clientAt.port, clientAt.address);
      });
      await Promise.all([front, back].map((s) => new Promise<void>((resolve) => s.bind(0, LOOPBACK, resolve))));

      const attackers: Attacker[] = [];
      /** Other hostile sockets, closed at the end. */
      const sockets: Socket[] = [];
      const closeAll = async (list: readonly Socket[]): Promise<void> => {
        await Promise.all(list.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      };
      let closeClient: (() => Promise<void>) | undefined;
      try {
        // The good client: Ping n+1 on Pong n, until the fuzz is over and some more rounds went by.
        const got: number[] = [];
        let stopAfter = Infinity;
        const client = createClient({
          connect: `soe://${LOOPBACK}:${front.address().port}`,
          transports: [soeTransport()],
          protocol: BinaryEcho,
          processor: (in$) =>
            in$.pipe(
              filter((m) => m.kind === 'Pong'),
              tap((m) => got.push(m.n)),
              takeWhile((m) => m.n < stopAfter),
              map((m): Ping => ({ kind: 'Ping', n: m.n + 1 })),
              startWith<Ping>({ kind: 'Ping', n: 0 }),
            ),
        });
        closeClient = () => client.close();
        await eventually(() => got.length >= 5, 10_000, 'the good client to get its first echoes');
        const goodConnected = events.find((e) => e.type === 'connected');
        expect(goodConnected).to.not.equal(undefined);
        const goodPeer = goodConnected?.type === 'connected' ? goodConnected.peerId : -1;
        const goodSession = captured.toClient.map((b) => decodeSoeDatagramOrUndefined(b)).find((p) => p?.kind === 'session-response');
        expect(goodSession?.kind).to.equal('session-response');
        const goodParams: SoeSessionParams & { sessionId: number } =
          goodSession?.kind === 'session-response' ? { ...goodSession } : { crcSeed: 0, crcLength: 0, compression: false, sessionId: 0 };

        for (let i = 0; i < ATTACKERS; i++) {
          const socket = createSocket('udp4');
          const attacker: Attacker = { socket, params: undefined, sequence: 0 };
          socket.on('message', (msg) => {
            const op = msg.length >= 2 ? (msg[0] as number) * 256 + (msg[1] as number) : -1;
            if (op === SoeOpCode.SessionResponse) {
              const p = decodeSoeDatagramOrUndefined(Uint8Array.from(msg));
              if (p?.kind === 'session-response') attacker.params = { ...p };
              attacker.sequence = 0;
            } else if (op === SoeOpCode.Disconnect || op === SoeOpCode.UnknownSender) attacker.params = undefined;
          });
          socket.on('error', () => undefined);
          await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
          attackers.push(attacker);
        }

        // Sockets that take over attackers' sessions with a correct RemapConnection (a NAT rebinding).
        const spares = await Promise.all([0, 1].map(async () => {
          const socket = createSocket('udp4');
          socket.on('error', () => undefined);
          await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
          return socket;
        }));
        sockets.push(...spares);
        const d = new Draw(SEED);
        const kinds = new Map<string, number>();
        const gotAtStart = got.length;
        let maxSessions = 0;
        for (let sent = 0; sent < DATAGRAMS; ) {
          for (let b = 0; b < BATCH && sent < DATAGRAMS; b++, sent++) {
            const a = d.pick(attackers);
            if (d.chance(0.01) && a.params !== undefined) {
              kinds.set('remap-move', (kinds.get('remap-move') ?? 0) + 1);
              d.pick(spares).send(encodeSoeDatagram({ kind: 'remap-connection', sessionId: a.params.sessionId, crcSeed: a.params.crcSeed }), serverPort, LOOPBACK);
              // The attacker learns it lost its session from the UnknownSender answers (when the remap succeeded).
              continue;
            }
            const [kind, datagram] = hostile(d, a, captured, goodParams);
            kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
            a.socket.send(datagram, serverPort, LOOPBACK);
          }
          await new Promise((resolve) => setImmediate(resolve));
          maxSessions = Math.max(maxSessions, stats().sessions);
        }
        const gotAtEnd = got.length;
        stopAfter = got[got.length - 1]! + 20;
        await client.closed;

        const s = stats();
        console.log(`      sent ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
        const tally = new Map<string, number>();
        for (const e of events) {
          const k = e.type === 'disconnected' ? `disconnected ${e.reason}` : e.type;
          tally.set(k, (tally.get(k) ?? 0) + 1);
        }
        console.log(`      server events: ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`);
        console.log(`      good client: ${got.length} echoes (${gotAtEnd - gotAtStart} during the fuzz); endpoint ${JSON.stringify(s)}; most sessions at once ${maxSessions}`);
        // The good client: every echo, in order, some while the fuzz ran, and a clean end.
        expect(got).to.deep.equal(Array.from({ length: got.length }, (_, n) => n));
        expect(got[got.length - 1]).to.equal(stopAfter);
        expect(gotAtEnd).to.be.greaterThan(gotAtStart);
        const goodEvents = () => events.filter((e) => 'peerId' in e && e.peerId === goodPeer);
        await eventually(() => goodEvents().some((e) => e.type === 'disconnected'), 10_000, 'the good peer to disconnect on the server');
        expect(goodEvents().map((e) => (e.type === 'disconnected' ? `${e.type} ${e.reason}` : e.type))).to.deep.equal([
          'connected',
          'protocol-entered',
          'protocol-left',
          'disconnected completed',
        ]);
        expect(events.filter((e) => e.type === 'listener-error' && e.error.code !== 'ACCEPT_FAILED').map((e) => e.type === 'listener-error' && e.error.message)).to.deep.equal([]);
        // The junk was seen and counted; one session per address at most.
        expect(s.datagramsReceived).to.be.greaterThan(DATAGRAMS / 4);
        expect(s.droppedUnknown + s.unknownSenderSent).to.be.greaterThan(0);
        expect(s.remapRejected).to.be.greaterThan(0);
        expect(s.remapped).to.be.greaterThan(0);
        expect(s.refused).to.be.greaterThan(0);
        expect(s.opened).to.be.greaterThan(1);
        expect(maxSessions).to.be.at.most(ATTACKERS + 3);
        heapDuring = (await settledHeapUsed()).heapUsed;
      } finally {
        await closeClient?.();
        await closeAll([...attackers.map((a) => a.socket), ...sockets]);
        await closeAll([front, back]);
        await server.close();
      }
      expect(transport.endpointStats(LOOPBACK, serverPort)).to.equal(undefined);
      expect(await leakedResources(before, KINDS, 5000)).to.deep.equal([]);
      const heapAfter = await settledHeapUsed();
      const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
      console.log(`      heap: ${mib(heapBefore.heapUsed)} before, ${mib(heapDuring)} after the fuzz (server up), ${mib(heapAfter.heapUsed)} after close`);
      // Generous: what stays after close is caches and compiled code, not per-datagram state.
      expect(heapAfter.heapUsed - heapBefore.heapUsed).to.be.below(64 * 1024 * 1024);
    });
  }
});

function decodeSoeDatagramOrUndefined(bytes: Uint8Array): ReturnType<typeof decodeSoeDatagram> | undefined {
  try {
    return decodeSoeDatagram(bytes);
  } catch {
    return undefined;
  }
}

/** One hostile datagram for `a` to send, and its kind (for the tally). */
function hostile(
  d: Draw,
  a: Attacker,
  captured: { readonly toServer: readonly Uint8Array[]; readonly toClient: readonly Uint8Array[] },
  good: SoeSessionParams & { readonly sessionId: number },
): [string, Uint8Array] {
  const params = a.params;
  // Without a session, open one most of the time: the deepest paths need a CRC seed.
  if (params === undefined && d.chance(0.3)) return ['session-request', sessionRequest(d, true)];
  const r = d.int(params === undefined ? 6 : 14);
  const seq = (): number => (d.chance(0.7) ? (a.sequence++ & 0xffff) : d.int(0x10000));
  switch (r) {
    case 0:
      return ['random', d.bytes(d.length())];
    case 1:
      return ['random-op', concat(u16(d.pick([0x01, 0x02, 0x03, 0x05, 0x06, 0x09, 0x0d, 0x11, 0x15, 0x1d, 0x1e, 0x00, 0xff, d.int(0x10000)])), d.bytes(d.length()))];
    case 2:
      return ['session-request-random', sessionRequest(d, false)];
    case 3: {
      const which = d.int(3);
      const id = which === 0 ? good.sessionId : which === 1 ? d.u32() : (params?.sessionId ?? d.u32());
      // Never the good session's seed: that would be a legitimate remap (SOE has no secret but the seed).
      const drawn = which === 2 && params !== undefined && d.chance(0.5) ? params.crcSeed : d.u32();
      const seed = drawn === good.crcSeed ? (drawn ^ 1) >>> 0 : drawn;
      const body = concat(u16(SoeOpCode.RemapConnection), u32(id), u32(seed));
      return ['remap', d.chance(0.8) ? body : mutate(d, body)];
    }
    case 4: {
      const list = d.chance(0.7) ? captured.toServer : captured.toClient;
      return ['captured-mutated', list.length === 0 ? d.bytes(8) : mutate(d, d.pick(list))];
    }
    case 5:
      return ['captured-replayed', captured.toServer.length === 0 ? d.bytes(8) : Uint8Array.from(d.pick(captured.toServer))];
    default:
      break;
  }
  const p = params as NonNullable<typeof params>;
  switch (r) {
    case 6: {
      // A real datagram of the good session, re-sealed under this session's seed after a mutation.
      const source = captured.toServer.filter((b) => b.length >= 2 && b[0] === 0 && [3, 5, 6, 9, 0x0d, 0x11, 0x15].includes(b[1] as number));
      const body = source.length === 0 ? concat(u16(SoeOpCode.Heartbeat)) : unseal(d.pick(source), good);
      return ['captured-resealed', seal(body === undefined ? concat(u16(SoeOpCode.Heartbeat)) : d.chance(0.8) ? mutate(d, body) : body, p, d)];
    }
    case 7: {
      // Reliable data: random bytes, a data bundle with lying lengths, or an rxmsg frame with a huge length prefix.
      const data = d.pick([
        d.bytes(d.int(300)),
        concat(Uint8Array.from(DATA_BUNDLE_MAGIC), new Uint8Array([d.int(256)]), d.bytes(d.int(40)), new Uint8Array([0xff, 0xff, 0xff]), u32(d.edgyU32()), d.bytes(d.int(20))),
        concat(u32(d.edgyU32()), d.bytes(d.int(50))),
      ]);
      return ['reliable-data', seal(concat(u16(SoeOpCode.ReliableData), u16(seq()), data), p, d)];
    }
    case 8:
      // A first fragment declaring a huge (or any) complete length, or a later fragment.
      return ['fragment', seal(concat(u16(SoeOpCode.ReliableDataFragment), u16(seq()), u32(d.edgyU32()), d.bytes(d.int(400))), p, d)];
    case 9:
      return ['multi-packet', seal(multiPacketBody(d, seq), p, d)];
    case 10:
      return ['ack', seal(concat(u16(d.pick([SoeOpCode.Acknowledge, SoeOpCode.OutOfOrder])), u16(d.int(0x10000)), d.chance(0.1) ? d.bytes(2) : new Uint8Array(0)), p, d)];
    case 11: {
      // Disconnect with another session id (the good one among them), rarely its own (then it re-opens).
      const id = d.chance(0.05) ? p.sessionId : d.chance(0.5) ? good.sessionId : d.u32();
      return ['disconnect', seal(concat(u16(SoeOpCode.Disconnect), u32(id), u16(d.int(16))), p, d)];
    }
    case 12:
      return ['heartbeat', seal(concat(u16(SoeOpCode.Heartbeat), d.chance(0.2) ? d.bytes(d.int(4)) : new Uint8Array(0)), p, d)];
    default:
      // A sealed datagram with a stale CRC.
      return ['bad-crc', mutate(d, seal(concat(u16(SoeOpCode.ReliableData), u16(seq()), d.bytes(d.int(100))), p, d))];
  }
}
