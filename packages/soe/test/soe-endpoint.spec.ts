import { expect } from 'chai';
import { AcceptError, ConnectError, TimeoutError, parseAddress } from '@rxmsg/core';
import { activeResources, eventually, leakedResources, seededRandom, udpFaultProxy } from '@rxmsg/test-utils';
import { decodeSoeDatagram, encodeSoeDatagram } from '../src/soe-datagram';
import type { SoePacket } from '../src/soe-packet';
import type { SoeSessionParams } from '../src/soe-session-params';
import { soeTransport, type SoeTransport } from '../src/soe-transport';
import type { SoeEndpointStats } from '../src/soe-endpoint';
import { Cleanup, RawUdp, Recorder, asSoe, closeServer, connectSoe, listenSoe } from './support/soe-loopback';

/** The handle kinds a UDP socket or a session timer shows up as. */
const UDP_KINDS = ['UDPWrap', 'Timeout', 'Immediate'];

function statsOf(transport: SoeTransport, port: number): SoeEndpointStats {
  const stats = transport.endpointStats('127.0.0.1', port);
  if (stats === undefined) throw new Error(`no endpoint on port ${port}`);
  return stats;
}

function sessionRequest(sessionId: number, applicationProtocol: string): Uint8Array {
  return encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId, udpLength: 512, applicationProtocol });
}


/** Hostile session datagrams: random bytes behind session op codes, and well-formed packets (right CRC) with random fields. */
function hostileDatagrams(seed: number, count: number, params: SoeSessionParams, sessionId: number): Uint8Array[] {
  const r = seededRandom(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256));
  const opCodes = [0x03, 0x05, 0x06, 0x09, 0x0d, 0x11, 0x15, 0x01, 0x1e];
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const kind = int(8);
    let packet: SoePacket | undefined;
    if (kind === 0) packet = { kind: 'reliable-data', sequence: int(65536), data: bytes(int(600)) };
    else if (kind === 1) packet = { kind: 'reliable-data-fragment', sequence: int(4), totalLength: int(2) === 0 ? 0xffff_ffff : int(5_000_000), data: bytes(int(600)) };
    else if (kind === 2) packet = { kind: 'reliable-data-fragment', sequence: int(65536), data: bytes(int(600)) };
    else if (kind === 3) packet = { kind: 'acknowledge', sequence: int(65536) };
    else if (kind === 4) packet = { kind: 'out-of-order', sequence: int(65536) };
    else if (kind === 5) packet = { kind: 'multi-packet', packets: Array.from({ length: 1 + int(20) }, () => ({ kind: 'reliable-data' as const, sequence: int(8), data: bytes(int(40)) })) };
    else if (kind === 6) packet = { kind: 'reliable-data', sequence: int(8), data: Uint8Array.of(0x00, 0x19, ...bytes(int(100))) };
    if (packet !== undefined) {
      out.push(encodeSoeDatagram(packet, params));
      continue;
    }
    const op = opCodes[int(opCodes.length)] as number;
    out.push(Uint8Array.of(0, op, ...bytes(int(700))));
  }
  // Last, a Disconnect of another session id: ignored.
  out.push(encodeSoeDatagram({ kind: 'disconnect', sessionId: (sessionId + 1) >>> 0, reason: 6 }, params));
  return out;
}

function portOf(address: string): number {
  const a = parseAddress(address);
  if (a.kind !== 'inet') throw new Error(`not an inet address: ${address}`);
  return a.port;
}

describe('soe:// endpoint over loopback UDP', () => {
  let cleanup: Cleanup;

  beforeEach(() => {
    cleanup = new Cleanup();
  });

  afterEach(() => cleanup.run());

  describe('application protocols', () => {
    it('two listeners of one transport on one port share the socket, each gets the sessions of its own protocol', async () => {
      const transport = soeTransport();
      const a = await listenSoe(transport, 'A');
      cleanup.add(() => closeServer(transport, a));
      const b = await listenSoe(transport, 'B', a.port);
      cleanup.add(() => b.listener.close());
      expect(b.port).to.equal(a.port);
      const toA = new Recorder(cleanup.connection(await connectSoe(transport, `soe://127.0.0.1:${a.port}/A`)));
      const toB = new Recorder(cleanup.connection(await connectSoe(transport, `soe://127.0.0.1:${a.port}/B`)));
      const atA = new Recorder(cleanup.connection(await a.connection(0)));
      const atB = new Recorder(cleanup.connection(await b.connection(0)));
      cleanup.add(() => {
        for (const c of b.connections) c.destroy();
      });
      expect(asSoe(atA.connection).applicationProtocol).to.equal('A');
      expect(asSoe(atB.connection).applicationProtocol).to.equal('B');
      expect(statsOf(transport, a.port).sessions).to.equal(2);
      toA.connection.write('for A');
      toB.connection.write('for B');
      await eventually(() => atA.payloads.length === 1 && atB.payloads.length === 1, 10_000, 'both payloads');
      expect(atA.texts()).to.deep.equal(['for A']);
      expect(atB.texts()).to.deep.equal(['for B']);
      expect(a.connections).to.have.length(1);
      expect(b.connections).to.have.length(1);
    });

    it('two listens on one port started together share one socket (neither fails to bind)', async () => {
      const probe = await RawUdp.open();
      const port = probe.port;
      await probe.close();
      const transport = soeTransport();
      const results = await Promise.allSettled([listenSoe(transport, 'A', port), listenSoe(transport, 'B', port)]);
      cleanup.add(async () => {
        for (const r of results) if (r.status === 'fulfilled') await r.value.listener.close();
        await eventually(() => transport.endpointStats('127.0.0.1', port) === undefined, 10_000, 'the shared socket to close');
      });
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled']);
      const toB = new Recorder(cleanup.connection(await connectSoe(transport, `soe://127.0.0.1:${port}/B`)));
      expect(toB.isClosed).to.equal(false);
      // Handed over once the client's first session packet (its Heartbeat) proved it.
      await eventually(() => statsOf(transport, port).opened === 1, 10_000, 'the session handed over');
    });

    it('listening twice on one protocol and port fails with a TransportError', async () => {
      const transport = soeTransport();
      const a = await listenSoe(transport, 'A');
      cleanup.add(() => closeServer(transport, a));
      let failure: unknown;
      await listenSoe(transport, 'A', a.port).catch((e: unknown) => (failure = e));
      expect(failure).to.have.property('code', 'TRANSPORT_FAILED');
    });

    it('a client asking for a protocol not hosted fails with a ConnectError; the listeners get an AcceptError saying not hosted', async () => {
      const transport = soeTransport();
      const a = await listenSoe(transport, 'A');
      cleanup.add(() => closeServer(transport, a));
      const b = await listenSoe(transport, 'B', a.port);
      cleanup.add(() => b.listener.close());
      let failure: unknown;
      await connectSoe(transport, `soe://127.0.0.1:${a.port}/C`).catch((e: unknown) => (failure = e));
      expect(failure).to.be.instanceOf(ConnectError);
      const cause: unknown = failure instanceof ConnectError ? failure.cause : undefined;
      expect(cause).to.be.instanceOf(Error);
      expect(cause instanceof Error ? cause.message : '').to.contain('application protocol "C" not hosted');
      await eventually(() => a.errors.length > 0 && b.errors.length > 0, 10_000, 'the AcceptErrors');
      for (const e of [a.errors[0], b.errors[0]]) {
        expect(e).to.be.instanceOf(AcceptError);
        expect(e?.message).to.contain('"C" is not hosted');
        expect(e?.remoteAddress).to.match(/^soe:\/\/127\.0\.0\.1:\d+$/);
      }
      expect(statsOf(transport, a.port).refused).to.equal(1);
      expect(statsOf(transport, a.port).sessions).to.equal(0);
      expect(a.connections).to.have.length(0);
    });
  });

  describe('closing', () => {
    it('closing the listener keeps open sessions; the socket closes once the last one ended, leaving no handle', async () => {
      const before = await activeResources();
      const transport = soeTransport();
      const server = await listenSoe(transport, 'closing');
      const client = new Recorder(await connectSoe(transport, server.address));
      const serverSide = new Recorder(await server.connection(0));
      await server.listener.close();
      expect(transport.endpointStats('127.0.0.1', server.port)?.sessions).to.equal(1);
      // The session goes on both ways.
      client.connection.write('after close');
      serverSide.connection.write('still here');
      await eventually(() => serverSide.payloads.length === 1 && client.payloads.length === 1, 10_000, 'payloads after the listener closed');
      // A new session for the closed name gets no answer.
      let failure: unknown;
      await connectSoe(transport, server.address, 500).catch((e: unknown) => (failure = e));
      expect(failure).to.be.instanceOf(TimeoutError);
      expect(transport.endpointStats('127.0.0.1', server.port)?.sessions).to.equal(1);
      client.connection.end();
      serverSide.connection.end();
      await Promise.all([client.closed, serverSide.closed]);
      await eventually(() => transport.endpointStats('127.0.0.1', server.port) === undefined, 10_000, 'the socket to close');
      expect(await leakedResources(before, UDP_KINDS, 5000)).to.deep.equal([]);
    });

    it('closing the last listener without sessions closes the socket: the close promise resolves after it', async () => {
      const before = await activeResources();
      const transport = soeTransport();
      const server = await listenSoe(transport, 'empty');
      await server.listener.close();
      await server.listener.close();
      expect(transport.endpointStats('127.0.0.1', server.port)).to.equal(undefined);
      expect(await leakedResources(before, UDP_KINDS, 5000)).to.deep.equal([]);
      // The port can be bound again.
      const again = await listenSoe(transport, 'empty', server.port);
      await again.listener.close();
    });
  });

  describe('NAT rebinding', () => {
    it('a client whose source port changed is remapped: the session and its payloads go on', async () => {
      const serverTransport = soeTransport();
      const clientTransport = soeTransport();
      const server = await listenSoe(serverTransport, 'nat');
      cleanup.add(() => closeServer(serverTransport, server));
      const proxy = await udpFaultProxy({ upstream: { port: server.port }, seed: 3 });
      cleanup.add(() => proxy.close());
      const client = new Recorder(cleanup.connection(await connectSoe(clientTransport, `soe://127.0.0.1:${proxy.address.port}/nat`)));
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      client.connection.write('before');
      await eventually(() => serverSide.payloads.length === 1, 10_000, 'the first payload');
      const remoteBefore = serverSide.connection.remoteAddress;
      expect(proxy.rebind({ address: '127.0.0.1', port: portOf(client.connection.localAddress) })).to.equal(true);
      client.connection.write('after-1');
      client.connection.write('after-2');
      await eventually(() => serverSide.payloads.length === 3, 15_000, 'the payloads after the rebind');
      expect(serverSide.texts()).to.deep.equal(['before', 'after-1', 'after-2']);
      const stats = statsOf(serverTransport, server.port);
      expect(stats.remapped).to.equal(1);
      expect(stats.unknownSenderSent).to.be.at.least(1);
      expect(stats.sessions).to.equal(1);
      expect(serverSide.connection.remoteAddress).to.not.equal(remoteBefore);
      // And the other way, to the new address.
      serverSide.connection.write('reply');
      await eventually(() => client.payloads.length === 1, 10_000, 'the reply');
      expect(client.texts()).to.deep.equal(['reply']);
      expect(client.isClosed || serverSide.isClosed).to.equal(false);
    });

    it('a forged RemapConnection with the right session id and a wrong CRC seed is rejected; the session is not moved', async () => {
      const seed = 0x0badcafe;
      const serverTransport = soeTransport({ random: () => seed });
      const clientTransport = soeTransport();
      const server = await listenSoe(serverTransport, 'forge');
      cleanup.add(() => closeServer(serverTransport, server));
      const client = new Recorder(cleanup.connection(await connectSoe(clientTransport, server.address)));
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      const sessionId = asSoe(client.connection).sessionId;
      if (sessionId === undefined) throw new Error('no session id');
      const remoteBefore = serverSide.connection.remoteAddress;
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      await raw.send(encodeSoeDatagram({ kind: 'remap-connection', sessionId, crcSeed: (seed ^ 1) >>> 0 }), server.port);
      await raw.send(encodeSoeDatagram({ kind: 'remap-connection', sessionId: (sessionId + 1) >>> 0, crcSeed: seed }), server.port);
      // Truncated: not even a RemapConnection.
      await raw.send(new Uint8Array([0, 0x1e, 1]), server.port);
      await eventually(() => statsOf(serverTransport, server.port).remapRejected === 3, 10_000, 'the forged remaps to be rejected');
      const stats = statsOf(serverTransport, server.port);
      expect(stats.remapped).to.equal(0);
      expect(serverSide.connection.remoteAddress).to.equal(remoteBefore);
      client.connection.write('still mine');
      serverSide.connection.write('to the real client');
      await eventually(() => serverSide.payloads.length === 1 && client.payloads.length === 1, 10_000, 'the exchange after the forgeries');
      expect(raw.received).to.have.length(0);
    });

    it('with remap: false, even a correct RemapConnection is rejected and the session stays at its address', async () => {
      const seed = 0x0badcafe;
      const serverTransport = soeTransport({ random: () => seed, remap: false });
      const server = await listenSoe(serverTransport, 'fixed');
      cleanup.add(() => closeServer(serverTransport, server));
      const client = new Recorder(cleanup.connection(await connectSoe(soeTransport(), server.address)));
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      const sessionId = asSoe(client.connection).sessionId;
      if (sessionId === undefined) throw new Error('no session id');
      const remoteBefore = serverSide.connection.remoteAddress;
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      await raw.send(encodeSoeDatagram({ kind: 'remap-connection', sessionId, crcSeed: seed }), server.port);
      await eventually(() => statsOf(serverTransport, server.port).remapRejected === 1, 10_000, 'the remap to be rejected');
      expect(statsOf(serverTransport, server.port).remapped).to.equal(0);
      expect(serverSide.connection.remoteAddress).to.equal(remoteBefore);
      serverSide.connection.write('still at the old address');
      await eventually(() => client.payloads.length === 1, 10_000, 'the payload at the old address');
      expect(raw.received).to.have.length(0);
    });
  });

  describe('caps', () => {
    it('maxSessions: 2 — the third SessionRequest gets no answer, the dial times out, overCapacity is counted and an AcceptError reported', async () => {
      const transport = soeTransport({ maxSessions: 2 });
      const server = await listenSoe(transport, 'cap');
      cleanup.add(() => closeServer(transport, server));
      cleanup.connection(await connectSoe(transport, server.address));
      cleanup.connection(await connectSoe(transport, server.address));
      let failure: unknown;
      await connectSoe(transport, server.address, 800).catch((e: unknown) => (failure = e));
      expect(failure).to.be.instanceOf(TimeoutError);
      const stats = statsOf(transport, server.port);
      expect(stats.overCapacity).to.be.at.least(1);
      expect(stats.sessions).to.equal(2);
      expect(server.connections).to.have.length(2);
      const accept = server.errors.find((e) => e instanceof AcceptError);
      expect(accept?.message).to.contain('maxSessions');
    });

    it('maxUnconfirmedSessions: 2 — forged SessionRequests evict the oldest unconfirmed session; a real client still connects and works', async () => {
      const transport = soeTransport({ maxUnconfirmedSessions: 2 });
      const server = await listenSoe(transport, 'unconf');
      cleanup.add(() => closeServer(transport, server));
      const raws = await Promise.all([RawUdp.open(), RawUdp.open(), RawUdp.open(), RawUdp.open()]);
      for (const r of raws) cleanup.add(() => r.close());
      for (const [i, r] of raws.entries()) {
        await r.send(sessionRequest(1000 + i, 'unconf'), server.port);
        await eventually(() => statsOf(transport, server.port).datagramsReceived === i + 1, 10_000, `request ${i}`);
      }
      let stats = statsOf(transport, server.port);
      expect(stats.unconfirmed).to.equal(2);
      expect(stats.evicted).to.equal(2);
      expect(stats.sessions).to.equal(2);
      // Each forged request was answered (the server cannot tell), but none reached the listener:
      // a session is handed over only once its client proved it read the response.
      await eventually(() => raws.every((r) => r.received.length >= 1), 10_000, 'the SessionResponses');
      expect(server.connections).to.have.length(0);
      const client = new Recorder(cleanup.connection(await connectSoe(transport, server.address)));
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      client.connection.write('real');
      await eventually(() => serverSide.payloads.length === 1, 10_000, 'the real client payload');
      stats = statsOf(transport, server.port);
      expect(stats.evicted).to.equal(3);
      expect(stats.unconfirmed).to.equal(1);
      // Only the real client became a connection.
      expect(server.connections).to.have.length(1);
    });

    it('a connected client that has not written yet is not evicted by a flood of forged SessionRequests', async () => {
      const transport = soeTransport({ maxUnconfirmedSessions: 2 });
      const server = await listenSoe(transport, 'flood');
      cleanup.add(() => closeServer(transport, server));
      const client = new Recorder(cleanup.connection(await connectSoe(transport, server.address)));
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      // The client's session is confirmed once the server heard from it after the request.
      await eventually(() => statsOf(transport, server.port).unconfirmed === 0, 10_000, 'the client session to be confirmed');
      const raws = await Promise.all(Array.from({ length: 5 }, () => RawUdp.open()));
      for (const r of raws) cleanup.add(() => r.close());
      for (const [i, r] of raws.entries()) await r.send(sessionRequest(2000 + i, 'flood'), server.port);
      await eventually(() => statsOf(transport, server.port).evicted === 3, 10_000, 'evictions');
      for (const c of server.connections) cleanup.connection(c);
      expect(serverSide.isClosed).to.equal(false);
      client.connection.write('alive');
      await eventually(() => serverSide.payloads.length === 1, 10_000, 'the payload after the flood');
    });
  });

  describe('hostile peers', () => {
    for (const seed of [1, 2, 3]) {
      it(`a raw peer with a session sending hostile datagrams (seed ${seed}) crashes nothing and leaves the endpoint serving`, async () => {
        const transport = soeTransport({ maxPayloadBytes: 65_536 });
        const server = await listenSoe(transport, 'hostile');
        cleanup.add(() => closeServer(transport, server));
        const raw = await RawUdp.open();
        cleanup.add(() => raw.close());
        const sessionId = 0x1234_0000 + seed;
        await raw.send(sessionRequest(sessionId, 'hostile'), server.port);
        await eventually(() => raw.received.length >= 1, 10_000, 'the SessionResponse');
        const response = decodeSoeDatagram(new Uint8Array(raw.received[0]?.data ?? []));
        if (response.kind !== 'session-response') throw new Error(`expected a SessionResponse, got ${response.kind}`);
        const params: SoeSessionParams = { crcSeed: response.crcSeed, crcLength: response.crcLength, compression: response.compression };
        for (const c of server.connections) cleanup.connection(c);
        const datagrams = hostileDatagrams(seed, 300, params, sessionId);
        // In batches, each read before the next is sent: sender and server share one event loop, and
        // a burst beyond the socket's receive buffer would be dropped by the kernel unread.
        for (let at = 0; at < datagrams.length; at += 20) {
          for (const d of datagrams.slice(at, at + 20)) await raw.send(d, server.port);
          const sent = Math.min(at + 20, datagrams.length) + 1;
          await eventually(() => statsOf(transport, server.port).datagramsReceived === sent, 10_000, `hostile datagrams up to ${sent}`);
        }
        for (const c of server.connections) cleanup.connection(c);
        expect(statsOf(transport, server.port).sessions).to.be.at.most(1);
        // A real client is still served.
        const client = new Recorder(cleanup.connection(await connectSoe(transport, server.address)));
        const serverSide = new Recorder(cleanup.connection(await server.connection(server.connections.length === 1 ? 1 : server.connections.length - 1)));
        client.connection.write('after the storm');
        await eventually(() => serverSide.payloads.length === 1, 10_000, 'the real client payload');
        expect(serverSide.texts()).to.deep.equal(['after the storm']);
      });
    }

    it('a malformed SessionRequest opens no session, even when its sender goes on sending; the socket closes with the listener', async () => {
      const transport = soeTransport();
      const server = await listenSoe(transport, 'malformed');
      cleanup.add(() => closeServer(transport, server));
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      const junk = [[0x00, 0x01], [0x00, 0x01, 0xff, 0xff], [0x00, 0x01, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 2, 0], [0x00, 0x09, 1, 2, 3]];
      for (const [i, j] of junk.entries()) {
        await raw.send(new Uint8Array(j), server.port);
        await eventually(() => statsOf(transport, server.port).datagramsReceived === i + 1, 10_000, `datagram ${i}`);
      }
      const stats = statsOf(transport, server.port);
      expect(stats.sessions).to.equal(0);
      expect(stats.opened).to.equal(0);
      expect(stats.droppedUnknown).to.equal(3);
      expect(stats.unknownSenderSent).to.equal(1);
      await server.listener.close();
      expect(transport.endpointStats('127.0.0.1', server.port)).to.equal(undefined);
    });

    it('a raw peer\'s Disconnect ends its session on the listener side without error', async () => {
      const transport = soeTransport();
      const server = await listenSoe(transport, 'bye');
      cleanup.add(() => closeServer(transport, server));
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      await raw.send(sessionRequest(77, 'bye'), server.port);
      await eventually(() => raw.received.length >= 1, 10_000, 'the SessionResponse');
      const response = decodeSoeDatagram(new Uint8Array(raw.received[0]?.data ?? []));
      if (response.kind !== 'session-response') throw new Error(`expected a SessionResponse, got ${response.kind}`);
      const params = { crcSeed: response.crcSeed, crcLength: response.crcLength, compression: response.compression };
      // A Heartbeat with the session's CRC proves the peer read the response: the session is handed over.
      await raw.send(encodeSoeDatagram({ kind: 'heartbeat' }, params), server.port);
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      await raw.send(encodeSoeDatagram({ kind: 'disconnect', sessionId: 77, reason: 6 }, params), server.port);
      expect(await serverSide.closed).to.equal(undefined);
      expect(serverSide.events).to.deep.equal(['end', 'close']);
      await eventually(() => statsOf(transport, server.port).sessions === 0, 10_000, 'the session to go');
    });
  });

  describe('UnknownSender', () => {
    it('answers a session datagram from an unknown address with 00 1d, nothing else', async () => {
      const transport = soeTransport();
      const server = await listenSoe(transport, 'unknown');
      cleanup.add(() => closeServer(transport, server));
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      await raw.send(new Uint8Array([0x00, 0x09, 0x00, 0x00, 0x41, 0x42]), server.port);
      await eventually(() => raw.received.length === 1, 10_000, 'the UnknownSender');
      expect([...(raw.received[0]?.data ?? [])]).to.deep.equal([0x00, 0x1d]);
      expect(statsOf(transport, server.port).unknownSenderSent).to.equal(1);
      expect(statsOf(transport, server.port).sessions).to.equal(0);
    });

    it('bounds its answers by unknownSenderPerSecond (5 per window of the clock): 50 datagrams get 5 answers', async () => {
      // A clock that does not move: the one-second window never rolls over, whatever the machine's speed.
      const transport = soeTransport({ unknownSenderPerSecond: 5, clock: () => 1000 });
      const server = await listenSoe(transport, 'rate');
      cleanup.add(() => closeServer(transport, server));
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      for (let i = 0; i < 50; i++) await raw.send(new Uint8Array([0x00, 0x09, 0x00, i]), server.port);
      await eventually(() => statsOf(transport, server.port).datagramsReceived === 50, 10_000, 'the 50 datagrams');
      const stats = statsOf(transport, server.port);
      expect(stats.unknownSenderSent).to.equal(5);
      expect(stats.droppedUnknown).to.equal(45);
      await eventually(() => raw.received.length === 5, 10_000, 'the 5 answers');
    });

    it('ignores garbage from unknown addresses (empty, one byte, unknown op codes, answers) without answering', async () => {
      const transport = soeTransport();
      const server = await listenSoe(transport, 'garbage');
      cleanup.add(() => closeServer(transport, server));
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      const junk = [[], [0], [0xff, 0xff], [0x00, 0x1d], [0x00, 0x02, 1, 2, 3], [0x00, 0x04], [0x12, 0x34, 0x56]];
      for (const j of junk) await raw.send(new Uint8Array(j), server.port);
      await eventually(() => statsOf(transport, server.port).datagramsReceived === junk.length, 10_000, 'the junk');
      const stats = statsOf(transport, server.port);
      expect(stats.droppedUnknown).to.equal(junk.length);
      expect(stats.unknownSenderSent).to.equal(0);
      expect(stats.sessions).to.equal(0);
      // Still serving.
      const client = new Recorder(cleanup.connection(await connectSoe(transport, server.address)));
      expect(client.isClosed).to.equal(false);
    });
  });
});
