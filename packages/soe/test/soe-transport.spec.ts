import { expect } from 'chai';
import { AddressError, ConfigError, ConnectError, TimeoutError, TransportError, parseAddress, type Connection, type Listener } from '@rxmsg/core';
import { activeResources, eventually, leakedResources, udpFaultProxy } from '@rxmsg/test-utils';
import { decodeSoeDatagram, encodeSoeDatagram } from '../src/soe-datagram';
import { soeTransport, type SoeTransport } from '../src/soe-transport';
import type { SoeTransportOptions } from '../src/soe-transport-options';
import type { SoeEndpointStats } from '../src/soe-endpoint';
import { Cleanup, RawUdp, Recorder, closeServer, connectSoe, listenSoe } from './support/soe-loopback';

const UDP_KINDS = ['UDPWrap', 'Timeout', 'Immediate'];
const UDP_LENGTH = 1400;

function statsOf(transport: SoeTransport, port: number): SoeEndpointStats {
  const stats = transport.endpointStats('127.0.0.1', port);
  if (stats === undefined) throw new Error(`no endpoint on port ${port}`);
  return stats;
}

/** `count` payloads of `size` bytes, each starting with its index (4 bytes, big-endian). */
function numbered(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const p = new Uint8Array(size).fill(i % 256);
    new DataView(p.buffer).setUint32(0, i);
    return p;
  });
}

function indexOf(p: Uint8Array): number {
  return new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(0);
}

/** Writes `payloads` in order, waiting for `drain` whenever `write()` says so. */
async function writeAll(r: Recorder, payloads: readonly Uint8Array[]): Promise<void> {
  for (const p of payloads) {
    if (r.isClosed) throw new Error('closed while writing');
    if (!r.connection.write(p)) {
      const drains = r.events.filter((e) => e === 'drain').length;
      await eventually(() => r.isClosed || r.events.filter((e) => e === 'drain').length > drains, 15_000, 'drain');
    }
  }
}

/** A port with nothing bound on it (bound, then closed). */
async function freePort(): Promise<number> {
  const raw = await RawUdp.open();
  const port = raw.port;
  await raw.close();
  return port;
}

describe('soe:// transport over loopback UDP', () => {
  let cleanup: Cleanup;

  beforeEach(() => {
    cleanup = new Cleanup();
  });

  afterEach(() => cleanup.run());

  describe('bounds against a peer that does not read', () => {
    const maxHeldBytes = 8192;

    it('a paused client holds at most maxHeldBytes plus one datagram, the rest is dropped unread; on resume all arrives in order', async () => {
      const transport = soeTransport({ maxHeldBytes });
      const server = await listenSoe(transport, 'held');
      cleanup.add(() => closeServer(transport, server));
      const proxy = await udpFaultProxy({ upstream: { port: server.port } });
      cleanup.add(() => proxy.close());
      const client = new Recorder(cleanup.connection(await connectSoe(transport, `soe://127.0.0.1:${proxy.address.port}/held`)));
      client.connection.pause();
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      const payloads = numbered(200, 500);
      const writing = writeAll(serverSide, payloads);
      // The datagrams carrying maxHeldBytes, then many more that the client must have dropped.
      const carrying = Math.ceil(maxHeldBytes / 500);
      await eventually(() => proxy.counters().toClient.forwarded >= carrying + 40, 15_000, 'datagrams past the bound to reach the client');
      expect(client.connection.bytesRead).to.be.at.most(maxHeldBytes + UDP_LENGTH);
      expect(client.payloads).to.have.length(0);
      expect(serverSide.isClosed).to.equal(false);
      client.connection.resume();
      await writing;
      await eventually(() => client.payloads.length === 200, 15_000, 'every payload after resume');
      expect(client.payloads.map(indexOf)).to.deep.equal(payloads.map((_, i) => i));
      expect(client.payloads).to.deep.equal(payloads);
    });

    it('a paused server connection holds at most maxHeldBytes plus one datagram, counts droppedWhilePaused; on resume all arrives in order', async () => {
      const transport = soeTransport({ maxHeldBytes });
      const server = await listenSoe(transport, 'held-server');
      cleanup.add(() => closeServer(transport, server));
      const client = new Recorder(cleanup.connection(await connectSoe(transport, server.address)));
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      serverSide.connection.pause();
      const payloads = numbered(200, 500);
      const writing = writeAll(client, payloads);
      await eventually(() => statsOf(transport, server.port).droppedWhilePaused >= 20, 15_000, 'datagrams dropped while paused');
      expect(serverSide.connection.bytesRead).to.be.at.most(maxHeldBytes + UDP_LENGTH);
      expect(serverSide.payloads).to.have.length(0);
      serverSide.connection.resume();
      await writing;
      await eventually(() => serverSide.payloads.length === 200, 15_000, 'every payload after resume');
      expect(serverSide.payloads).to.deep.equal(payloads);
      expect(client.isClosed || serverSide.isClosed).to.equal(false);
    });

    it('a writer that ignores write() === false past maxPendingBytes is closed with a TransportError', async () => {
      const transport = soeTransport({ maxPendingBytes: 10_000 });
      const server = await listenSoe(transport, 'pending');
      cleanup.add(() => closeServer(transport, server));
      const client = new Recorder(cleanup.connection(await connectSoe(transport, server.address)));
      const serverSide = new Recorder(cleanup.connection(await server.connection(0)));
      serverSide.connection.pause();
      const chunk = new Uint8Array(1000);
      let refused = 0;
      for (let i = 0; i < 5000 && !client.isClosed; i++) if (!client.connection.write(chunk)) refused += 1;
      expect(refused).to.be.greaterThan(0);
      const error = await client.closed;
      expect(error).to.be.instanceOf(TransportError);
      expect(error?.message).to.contain('10000 bytes');
      expect(client.closeCount).to.equal(1);
      // The server's connection ends too (the session is gone).
      serverSide.connection.resume();
      await serverSide.closed;
    });
  });

  describe('connect failures', () => {
    it('nothing listening on the port: a typed ConnectError (ICMP) or TimeoutError, and no handle left', async () => {
      const before = await activeResources();
      const port = await freePort();
      const transport = soeTransport();
      let failure: unknown;
      await connectSoe(transport, `soe://127.0.0.1:${port}/none`, 5000).catch((e: unknown) => (failure = e));
      expect(failure instanceof ConnectError || failure instanceof TimeoutError).to.equal(true, String(failure));
      if (failure instanceof ConnectError) {
        expect(failure.attempts).to.equal(1);
        expect(failure.cause).to.be.instanceOf(TransportError);
      }
      expect(await leakedResources(before, UDP_KINDS, 5000)).to.deep.equal([]);
    });

    it('a server that never answers: TimeoutError after connectTimeoutMs, and the socket is closed', async () => {
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      const before = await activeResources();
      let failure: unknown;
      await connectSoe(soeTransport(), `soe://127.0.0.1:${raw.port}/silent`, 300).catch((e: unknown) => (failure = e));
      expect(failure).to.be.instanceOf(TimeoutError);
      expect(raw.received.length).to.be.at.least(1);
      expect([...(raw.received[0]?.data.subarray(0, 2) ?? [])]).to.deep.equal([0, 1]);
      expect(await leakedResources(before, UDP_KINDS, 5000)).to.deep.equal([]);
    });

    it('unsubscribing while connecting abandons the session and closes the socket', async () => {
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      const before = await activeResources();
      const errors: unknown[] = [];
      const subscription = soeTransport()
        .connect(parseAddress(`soe://127.0.0.1:${raw.port}/silent`), { noDelay: true })
        .subscribe({ error: (e: unknown) => errors.push(e) });
      await eventually(() => raw.received.length >= 1, 10_000, 'the SessionRequest');
      subscription.unsubscribe();
      expect(await leakedResources(before, UDP_KINDS, 5000)).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    });

    it('unsubscribing synchronously, before the socket connected, leaves no handle', async () => {
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      const before = await activeResources();
      soeTransport().connect(parseAddress(`soe://127.0.0.1:${raw.port}/silent`), { noDelay: true, connectTimeoutMs: 1000 }).subscribe().unsubscribe();
      expect(await leakedResources(before, UDP_KINDS, 5000)).to.deep.equal([]);
    });

    it('the server\'s port going away mid-session ends the client connection with a TransportError (ICMP), not a hang', async () => {
      const transport = soeTransport();
      const server = await listenSoe(transport, 'gone');
      cleanup.add(() => closeServer(transport, server));
      const proxy = await udpFaultProxy({ upstream: { port: server.port } });
      let proxyClosed = false;
      cleanup.add(() => (proxyClosed ? undefined : proxy.close()));
      const client = new Recorder(cleanup.connection(await connectSoe(transport, `soe://127.0.0.1:${proxy.address.port}/gone`)));
      cleanup.connection(await server.connection(0));
      await proxy.close();
      proxyClosed = true;
      // Each write sends a datagram to the closed port; the first ICMP answer ends the session.
      for (let i = 0; i < 50 && !client.isClosed; i++) {
        client.connection.write(`into the void ${i}`);
        await Promise.race([client.closed, new Promise((resolve) => setTimeout(resolve, 20))]);
      }
      const error = await client.closed;
      expect(error).to.be.instanceOf(TransportError);
      expect(client.closeCount).to.equal(1);
    });

    it('bad addresses fail with an AddressError: port 0, another scheme, a bad application protocol', async () => {
      const transport = soeTransport();
      for (const text of ['soe://127.0.0.1:0/x', 'tcp://127.0.0.1:4000', 'soe://127.0.0.1:4000/a%2Fb']) {
        let failure: unknown;
        await connectSoe(transport, text).catch((e: unknown) => (failure = e));
        expect(failure, text).to.be.instanceOf(AddressError);
      }
      let listenFailure: unknown;
      await transport.listen(parseAddress('tcp://127.0.0.1:0'), () => undefined, { noDelay: true }).catch((e: unknown) => (listenFailure = e));
      expect(listenFailure).to.be.instanceOf(AddressError);
    });

    it('listening on a port in use fails with a TransportError', async () => {
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      let failure: unknown;
      await soeTransport().listen(parseAddress(`soe://127.0.0.1:${raw.port}/x`), () => undefined, { noDelay: true }).catch((e: unknown) => (failure = e));
      expect(failure).to.be.instanceOf(TransportError);
      expect(String(failure)).to.contain('cannot listen');
    });
  });

  describe('closing', () => {
    it('a client\'s destroy() sends its Disconnect more than once (nothing acknowledges it; a lost one left the peer to time out)', async () => {
      const raw = await RawUdp.open();
      cleanup.add(() => raw.close());
      const dialing = connectSoe(soeTransport(), `soe://127.0.0.1:${raw.port}/raw-server`, 10_000);
      await eventually(() => raw.received.length >= 1, 10_000, 'the SessionRequest');
      const first = raw.received[0];
      if (first === undefined) throw new Error('no request');
      const request = decodeSoeDatagram(new Uint8Array(first.data));
      if (request.kind !== 'session-request') throw new Error(`expected a SessionRequest, got ${request.kind}`);
      await raw.send(encodeSoeDatagram({ kind: 'session-response', sessionId: request.sessionId, crcSeed: 42, crcLength: 2, compression: false, udpLength: 512, protocolVersion: 3 }), first.from.port);
      const client = new Recorder(await dialing);
      const before = raw.received.length;
      client.connection.destroy();
      expect(await client.closed).to.equal(undefined);
      const disconnects = (): number => raw.received.slice(before).filter((m) => m.data[0] === 0 && m.data[1] === 0x05).length;
      await eventually(() => disconnects() >= 2, 10_000, 'copies of the Disconnect');
      for (const m of raw.received.slice(before)) {
        const packet = decodeSoeDatagram(new Uint8Array(m.data), { crcSeed: 42, crcLength: 2, compression: false });
        if (packet.kind === 'disconnect') expect(packet.sessionId).to.equal(request.sessionId);
      }
    });
  });

  describe('IPv6', () => {
    const accepted: Connection[] = [];
    afterEach(() => {
      accepted.length = 0;
    });

    it('listens and connects on [::1], with the address formatted in brackets', async function () {
      const transport = soeTransport();
      let bound: Listener;
      try {
        bound = await transport.listen(parseAddress('soe://[::1]:0/v6'), (c) => accepted.push(c), { noDelay: true });
      } catch {
        return this.skip(); // No IPv6 loopback on this machine.
      }
      cleanup.add(async () => {
        for (const c of accepted) c.destroy();
        await bound.close();
        await eventually(() => transport.endpointStats('::1', port) === undefined, 10_000, 'the v6 endpoint to close');
      });
      const address = parseAddress(bound.address);
      if (address.kind !== 'inet') throw new Error('not inet');
      const port = address.port;
      expect(bound.address).to.equal(`soe://[::1]:${port}/v6`);
      const client = new Recorder(cleanup.connection(await connectSoe(transport, bound.address)));
      await eventually(() => accepted.length === 1, 10_000, 'the v6 session');
      const serverSide = new Recorder(accepted[0] as Connection);
      client.connection.write('over v6');
      await eventually(() => serverSide.payloads.length === 1, 10_000, 'the v6 payload');
      expect(serverSide.texts()).to.deep.equal(['over v6']);
      expect(serverSide.connection.remoteAddress).to.match(/^soe:\/\/\[::1\]:\d+$/);
    });
  });

  describe('options', () => {
    const bad: readonly [string, SoeTransportOptions][] = [
      ['maxSessions', { maxSessions: 0 }],
      ['maxUnconfirmedSessions', { maxUnconfirmedSessions: 1.5 }],
      ['maxHeldBytes', { maxHeldBytes: -1 }],
      ['maxPendingBytes', { maxPendingBytes: Number.NaN }],
      ['unknownSenderPerSecond', { unknownSenderPerSecond: -5 }],
      ['socketBufferBytes', { socketBufferBytes: 10 }],
      ['udpLength', { udpLength: 10 }],
      ['inactivityMs', { inactivityMs: 0 }],
      ['crcLength', { crcLength: 9 as unknown as 2 }],
      ['halfClose', { halfClose: 'yes' as unknown as boolean }],
      ['clock', { clock: 5 as unknown as () => number }],
      ['random', { random: 5 as unknown as () => number }],
      ['reliable.sendWindowPackets', { reliable: { sendWindowPackets: 0 } }],
      ['reliable.minRtoMs', { reliable: { minRtoMs: 0 } }],
    ];
    for (const [field, options] of bad) {
      it(`refuses a bad ${field} with a ConfigError naming it, at soeTransport()`, () => {
        let failure: unknown;
        try {
          soeTransport(options);
        } catch (error) {
          failure = error;
        }
        expect(failure).to.be.instanceOf(ConfigError);
        expect(failure).to.have.property('field', field);
      });
    }

    it('accepts the defaults and every bound at its edge', () => {
      expect(() => soeTransport()).to.not.throw();
      expect(() => soeTransport({ maxSessions: 1, maxUnconfirmedSessions: 1, maxHeldBytes: 0, maxPendingBytes: 0, unknownSenderPerSecond: 0, udpLength: 64 })).to.not.throw();
    });
  });
});
