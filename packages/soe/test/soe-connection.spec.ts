import { expect } from 'chai';
import { ClosedError } from '@rxmsg/core';
import { activeResources, eventually, leakedResources, udpFaultProxy } from '@rxmsg/test-utils';
import type { SoeTransportOptions } from '../src/soe-transport-options';
import { soeTransport, type SoeTransport } from '../src/soe-transport';
import { Cleanup, Recorder, asSoe, closeServer, connectSoe, listenSoe, type TestServer } from './support/soe-loopback';

const encoder = new TextEncoder();

describe('soe:// connection over loopback UDP', () => {
  let cleanup: Cleanup;
  let transport: SoeTransport;
  let server: TestServer;

  beforeEach(async () => {
    cleanup = new Cleanup();
    transport = soeTransport();
    server = await listenSoe(transport, 'conn');
    cleanup.add(() => closeServer(transport, server));
  });

  afterEach(() => cleanup.run());

  async function pair(): Promise<{ client: Recorder; serverSide: Recorder }> {
    const index = server.connections.length;
    const c = cleanup.connection(await connectSoe(transport, server.address));
    const s = cleanup.connection(await server.connection(index));
    return { client: new Recorder(c), serverSide: new Recorder(s) };
  }

  it('delivers payloads both ways whole and in order, small and fragmented', async () => {
    const { client, serverSide } = await pair();
    const large = new Uint8Array(20_000).map((_, i) => i % 251);
    const toServer = Array.from({ length: 100 }, (_, i) => `c${i}`);
    for (const t of toServer) client.connection.write(t);
    client.connection.write(large);
    for (let i = 0; i < 100; i++) serverSide.connection.write(`s${i}`);
    await eventually(() => serverSide.payloads.length === 101 && client.payloads.length === 100, 10_000, 'all payloads');
    expect(serverSide.texts().slice(0, 100)).to.deep.equal(toServer);
    expect(serverSide.payloads[100]).to.deep.equal(large);
    expect(client.texts()).to.deep.equal(Array.from({ length: 100 }, (_, i) => `s${i}`));
    expect(serverSide.connection.framing).to.equal('message');
    expect(serverSide.connection.bytesRead).to.equal(client.connection.bytesWritten);
  });

  it('half-close: the server gets onEnd after all data, can still write, then both close without error once', async () => {
    const { client, serverSide } = await pair();
    for (let i = 0; i < 20; i++) client.connection.write(`m${i}`);
    client.connection.end();
    await eventually(() => serverSide.ended, 10_000, 'the server to see the end');
    expect(serverSide.events.filter((e) => e === 'data')).to.have.length(20);
    expect(serverSide.events.indexOf('end')).to.equal(20);
    expect(serverSide.isClosed).to.equal(false);
    // The server still writes after the client's end, and the client reads it.
    expect(serverSide.connection.write('after-end-1')).to.equal(true);
    expect(serverSide.connection.write('after-end-2')).to.equal(true);
    await eventually(() => client.payloads.length === 2, 10_000, 'the answers after end');
    expect(client.isClosed).to.equal(false);
    serverSide.connection.end();
    const [ce, se] = await Promise.all([client.closed, serverSide.closed]);
    expect(ce).to.equal(undefined);
    expect(se).to.equal(undefined);
    expect(client.texts()).to.deep.equal(['after-end-1', 'after-end-2']);
    expect(client.events.slice(-2)).to.deep.equal(['end', 'close']);
    expect(serverSide.events.at(-1)).to.equal('close');
    // Nothing more after close, even when the application calls again.
    client.connection.end();
    client.connection.destroy();
    serverSide.connection.destroy();
    expect(client.connection.write('late')).to.equal(false);
    expect(client.closeCount).to.equal(1);
    expect(serverSide.closeCount).to.equal(1);
  });

  it('destroy() on the client: the server sees a clean end (Disconnect(Application)), both close once without error', async () => {
    const { client, serverSide } = await pair();
    client.connection.write('last');
    await eventually(() => serverSide.payloads.length === 1, 10_000, 'the payload');
    client.connection.destroy();
    client.connection.destroy();
    const [ce, se] = await Promise.all([client.closed, serverSide.closed]);
    expect(ce).to.equal(undefined);
    expect(se).to.equal(undefined);
    expect(serverSide.events).to.deep.equal(['data', 'end', 'close']);
    expect(client.events).to.deep.equal(['close']);
    expect(client.closeCount).to.equal(1);
    expect(serverSide.closeCount).to.equal(1);
    await eventually(() => transport.endpointStats('127.0.0.1', server.port)?.sessions === 0, 10_000, 'the server session to go');
  });

  it('destroy() on the server: the client sees a clean end and its socket closes', async () => {
    const { client, serverSide } = await pair();
    serverSide.connection.destroy();
    const [ce, se] = await Promise.all([client.closed, serverSide.closed]);
    expect(ce).to.equal(undefined);
    expect(se).to.equal(undefined);
    expect(client.events).to.deep.equal(['end', 'close']);
  });

  it('a connection started late gets the payloads that arrived before start, in order', async () => {
    const c = cleanup.connection(await connectSoe(transport, server.address));
    const s = cleanup.connection(await server.connection(0));
    const client = new Recorder(c);
    for (let i = 0; i < 10; i++) client.connection.write(`early${i}`);
    await eventually(() => s.bytesRead === 60, 10_000, 'the early payloads to arrive');
    const serverSide = new Recorder(s);
    await eventually(() => serverSide.payloads.length === 10, 10_000, 'the early payloads to be delivered');
    expect(serverSide.texts()).to.deep.equal(Array.from({ length: 10 }, (_, i) => `early${i}`));
  });

  it('a payload over maxPayloadBytes closes the writer with a typed error; the peer sees the session end', async () => {
    const small = soeTransport({ maxPayloadBytes: 1000 });
    const smallServer = await listenSoe(small, 'small');
    cleanup.add(() => closeServer(small, smallServer));
    const client = new Recorder(cleanup.connection(await connectSoe(small, smallServer.address)));
    const serverSide = new Recorder(cleanup.connection(await smallServer.connection(0)));
    expect(client.connection.write(new Uint8Array(1001))).to.equal(false);
    const error = await client.closed;
    expect(error).to.have.property('code', 'FRAME_TOO_LARGE');
    await serverSide.closed;
    expect(serverSide.closeCount).to.equal(1);
  });

  it('exposes the session id and application protocol, the same on both ends', async () => {
    const { client, serverSide } = await pair();
    const c = asSoe(client.connection);
    const s = asSoe(serverSide.connection);
    expect(c.sessionId).to.be.a('number');
    expect(c.sessionId).to.equal(s.sessionId);
    expect(c.applicationProtocol).to.equal('conn');
    expect(s.applicationProtocol).to.equal('conn');
    expect(s.localAddress).to.equal(server.address);
    expect(c.remoteAddress).to.equal(server.address);
  });

  it('the session ends with a typed error when the peer goes silent past inactivityMs', async () => {
    const quick = soeTransport({ inactivityMs: 300, heartbeatMs: 0 });
    const quickServer = await listenSoe(quick, 'quiet');
    cleanup.add(() => closeServer(quick, quickServer));
    const client = new Recorder(cleanup.connection(await connectSoe(quick, quickServer.address)));
    const serverSide = new Recorder(cleanup.connection(await quickServer.connection(0)));
    // Without heartbeats neither side sends anything: both time out.
    const [ce, se] = await Promise.all([client.closed, serverSide.closed]);
    for (const e of [ce, se]) {
      expect(e === undefined).to.equal(false);
      // The side that times out first says TIMEOUT; the other may hear its Disconnect(Timeout) first.
      expect(e?.code === 'TIMEOUT' || e instanceof ClosedError).to.equal(true, String(e));
    }
    expect(client.closeCount + serverSide.closeCount).to.equal(2);
  });

  it('without halfClose, end() disconnects once everything written was acknowledged: the peer gets the data, then onEnd and onClose', async () => {
    const plain = soeTransport({ halfClose: false });
    const plainServer = await listenSoe(plain, 'plain');
    cleanup.add(() => closeServer(plain, plainServer));
    const client = new Recorder(cleanup.connection(await connectSoe(plain, plainServer.address)));
    const serverSide = new Recorder(cleanup.connection(await plainServer.connection(0)));
    const big = new Uint8Array(50_000).fill(7);
    client.connection.write('a');
    client.connection.write(big);
    client.connection.write('b');
    client.connection.end();
    expect(client.connection.write('too late')).to.equal(false);
    const [ce, se] = await Promise.all([client.closed, serverSide.closed]);
    expect(ce).to.equal(undefined);
    expect(se).to.equal(undefined);
    expect(serverSide.payloads).to.have.length(3);
    expect(serverSide.payloads[1]).to.deep.equal(big);
    expect(serverSide.events.slice(-2)).to.deep.equal(['end', 'close']);
    expect(serverSide.closeCount).to.equal(1);
  });

  it('many sessions opened, used and closed leave no session, timer or socket behind', async () => {
    const before = await activeResources();
    const many = soeTransport();
    const manyServer = await listenSoe(many, 'many');
    const pairs: { client: Recorder; serverSide: Recorder }[] = [];
    for (let i = 0; i < 20; i++) {
      const c = new Recorder(await connectSoe(many, manyServer.address));
      pairs.push({ client: c, serverSide: new Recorder(await manyServer.connection(i)) });
    }
    for (const [i, p] of pairs.entries()) p.client.connection.write(`hello ${i}`);
    await eventually(() => pairs.every((p) => p.serverSide.payloads.length === 1), 10_000, 'every hello');
    expect(many.endpointStats('127.0.0.1', manyServer.port)?.sessions).to.equal(20);
    for (const [i, p] of pairs.entries()) {
      if (i % 2 === 0) p.client.connection.end();
      else p.client.connection.destroy();
    }
    for (const p of pairs) p.serverSide.connection.end();
    await Promise.all(pairs.flatMap((p) => [p.client.closed, p.serverSide.closed]));
    expect(pairs.every((p) => p.client.closeCount === 1 && p.serverSide.closeCount === 1)).to.equal(true);
    expect(many.endpointStats('127.0.0.1', manyServer.port)?.sessions).to.equal(0);
    await manyServer.listener.close();
    expect(many.endpointStats('127.0.0.1', manyServer.port)).to.equal(undefined);
    expect(await leakedResources(before, ['UDPWrap', 'Timeout', 'Immediate'], 5000)).to.deep.equal([]);
  });

  const variants: readonly [string, SoeTransportOptions][] = [
    ['compression', { compression: true }],
    ['no CRC', { crcLength: 0 }],
    ['a 4-byte CRC', { crcLength: 4 }],
    ['RC4', { rc4Key: new TextEncoder().encode('a shared key') }],
    ['a 512-byte UDP length', { udpLength: 512 }],
  ];
  for (const [name, options] of variants) {
    it(`exchanges small and fragmented payloads both ways with ${name}`, async () => {
      const t = soeTransport(options);
      const s = await listenSoe(t, 'variant');
      cleanup.add(() => closeServer(t, s));
      const client = new Recorder(cleanup.connection(await connectSoe(t, s.address)));
      const serverSide = new Recorder(cleanup.connection(await s.connection(0)));
      const large = new Uint8Array(30_000).map((_, i) => (i * 7) % 256);
      const texts = Array.from({ length: 30 }, (_, i) => `payload ${i} `.repeat(i + 1));
      for (const text of texts) client.connection.write(text);
      client.connection.write(large);
      serverSide.connection.write(large);
      for (const text of texts) serverSide.connection.write(text);
      await eventually(() => serverSide.payloads.length === 31 && client.payloads.length === 31, 15_000, 'every payload');
      expect(serverSide.texts().slice(0, 30)).to.deep.equal(texts);
      expect(serverSide.payloads[30]).to.deep.equal(large);
      expect(client.payloads[0]).to.deep.equal(large);
      expect(client.texts().slice(1)).to.deep.equal(texts);
    });
  }

  it('through a lossy network (seeded drop, duplication, reordering, delay) every payload arrives once, in order, and half-close completes', async function () {
    this.timeout(60_000);
    const proxy = await udpFaultProxy({ upstream: { port: server.port }, seed: 11, faults: { drop: 0.1, duplicate: 0.05, reorder: 0.1, delay: 0.1, delayMs: 5, jitterMs: 20 } });
    cleanup.add(() => proxy.close());
    const client = new Recorder(cleanup.connection(await connectSoe(transport, `soe://127.0.0.1:${proxy.address.port}/conn`, 15_000)));
    const serverSide = new Recorder(cleanup.connection(await server.connection(0)), { onEnd: (r) => r.connection.end() });
    const payloads = Array.from({ length: 150 }, (_, i) => (i % 10 === 0 ? `big ${i} `.repeat(400) : `msg ${i}`));
    for (const p of payloads) client.connection.write(p);
    client.connection.end();
    const [ce, se] = await Promise.all([client.closed, serverSide.closed]);
    expect(ce).to.equal(undefined);
    expect(se).to.equal(undefined);
    expect(serverSide.texts()).to.deep.equal(payloads);
    expect(serverSide.events.slice(-2)).to.deep.equal(['end', 'close']);
    expect(client.closeCount + serverSide.closeCount).to.equal(2);
    expect(proxy.decisions().some((d) => d.dropped || d.duplicated || d.reordered || d.delayed)).to.equal(true);
  });

  it('write() after close returns false and never throws', async () => {
    const { client } = await pair();
    client.connection.destroy();
    await client.closed;
    expect(client.connection.write(encoder.encode('x'))).to.equal(false);
    expect(() => client.connection.end()).to.not.throw();
    expect(() => client.connection.pause()).to.not.throw();
    expect(() => client.connection.resume()).to.not.throw();
  });
});
