import { expect } from 'chai';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { parseAddress, type Connection, type Listener } from '@rxmsg/core';
import { wsTransport } from '@rxmsg/ws';
import { eventually } from '@rxmsg/test-utils';
import { rawClient, recorder, serverAndClient, type RawClient } from './ws-pair';

/**
 * How a WsConnection writes: a tick's messages leave its socket together (corked until the end of
 * the tick), each still one WebSocket message; `drain` still follows with any high-water mark.
 */
describe('WsConnection writes', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** A server on an http.Server of the test's own, so that the test sees the accepted TCP socket. */
  async function onOwnServer(): Promise<{ accepted: Connection; socket: Socket; client: RawClient }> {
    const http: Server = createServer();
    const sockets: Socket[] = [];
    http.on('connection', (s: Socket) => sockets.push(s));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const accepted: Connection[] = [];
    const listener: Listener = await wsTransport({ httpServer: http }).listen(parseAddress(`ws://127.0.0.1:0/w`), (c) => accepted.push(c), { noDelay: true });
    cleanup.push(() => listener.close());
    const client = await rawClient(listener.address);
    cleanup.push(() => client.ws.terminate());
    await eventually(() => accepted.length === 1 && sockets.length === 1, 2000, 'accepted');
    return { accepted: accepted[0]!, socket: sockets[0]!, client };
  }

  it('holds the writes of one tick in the corked socket and sends them together at its end, one WebSocket message each, in order', async () => {
    const { accepted, socket, client } = await onOwnServer();
    accepted.start(recorder().handlers);
    const sent = Array.from({ length: 50 }, (_, i) => `{"kind":"Ping","n":${i}}`);
    for (const m of sent) expect(accepted.write(m)).to.equal(true);
    expect(socket.writableCorked).to.equal(1);
    expect(socket.writableLength).to.be.greaterThan(sent.join('').length);
    // The uncork was queued with the first write: a microtask queued now runs after it.
    await Promise.resolve();
    expect(socket.writableCorked).to.equal(0);
    await eventually(() => client.messages.length === sent.length, 5000, 'every message');
    expect(client.messages.map((m) => m.binary)).to.deep.equal(sent.map(() => false));
    expect(client.messages.map((m) => m.data.toString('utf8'))).to.deep.equal(sent);
    // The next tick corks anew.
    expect(accepted.write(Uint8Array.of(1))).to.equal(true);
    expect(socket.writableCorked).to.equal(1);
    await eventually(() => client.messages.length === sent.length + 1, 5000, 'the binary message');
    expect(client.messages[sent.length]!.binary).to.equal(true);
  });

  it('reports drain once with a high-water mark below the socket’s own, also after writes made while blocked', async () => {
    const { listener, accepted, client } = await serverAndClient({ highWaterMark: 200 });
    cleanup.push(() => listener.close());
    cleanup.push(() => client.ws.terminate());
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    const message = 'x'.repeat(60);
    let written = 0;
    while (accepted.write(message)) if (++written > 100) throw new Error('write() never returned false');
    written++;
    // Written while blocked: accepted, and still `false`.
    for (let i = 0; i < 3; i++, written++) expect(accepted.write(message)).to.equal(false);
    expect(written).to.be.within(4, 8);
    await eventually(() => client.messages.length === written, 5000, 'every message');
    await eventually(() => seen.drains === 1, 5000, 'drain');
    expect(accepted.write(message)).to.equal(true);
    await eventually(() => client.messages.length === written + 1, 5000, 'the message after drain');
    expect(seen.drains).to.equal(1);
  });

  it('a connection that closes while its socket is corked reports close once and sends nothing more', async () => {
    const { listener, accepted, client } = await serverAndClient();
    cleanup.push(() => listener.close());
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    expect(accepted.write('before end')).to.equal(true);
    accepted.end();
    expect(accepted.write('after end')).to.equal(false);
    expect(await client.closed).to.equal(1000);
    await eventually(() => seen.closes.length === 1, 5000, 'close');
    expect(client.messages.map((m) => m.data.toString('utf8'))).to.deep.equal(['before end']);
    expect(seen.closes).to.deep.equal([undefined]);
  });

  it('keeps the writes of several outbound flushes in one tick corked until its end (a writev per flush cut pipelined answers to a quarter)', async () => {
    const { accepted, socket, client } = await onOwnServer();
    accepted.start(recorder().handlers);
    // Three "flushes" in one tick: still one corked socket, sent at the end of the tick.
    for (let flush = 0; flush < 3; flush++) for (let i = 0; i < 5; i++) accepted.write(`{"kind":"Ping","n":${flush * 5 + i}}`);
    expect(socket.writableCorked).to.equal(1);
    await eventually(() => client.messages.length === 15, 5000, 'every message');
    expect(socket.writableCorked).to.equal(0);
    expect(client.messages.map((m) => JSON.parse(m.data.toString('utf8')).n)).to.deep.equal(Array.from({ length: 15 }, (_, i) => i));
  });

  it('counts the UTF-8 bytes of each text message sent (multibyte, astral, lone surrogates) in bytesWritten', async () => {
    const { listener, accepted, client } = await serverAndClient();
    cleanup.push(() => listener.close());
    cleanup.push(() => client.ws.terminate());
    accepted.start(recorder().handlers);
    const texts = fc.sample(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 80 })), { numRuns: 120, seed: 17 });
    let expected = 0;
    for (const t of texts) {
      const before = accepted.bytesWritten;
      accepted.write(t);
      expect(accepted.bytesWritten - before).to.equal(Buffer.byteLength(t, 'utf8'));
      expected += new TextEncoder().encode(t).length;
    }
    expect(accepted.bytesWritten).to.equal(expected);
    await eventually(() => client.messages.length === texts.length, 5000, 'every message');
    expect(client.messages.reduce((n, m) => n + m.data.length, 0)).to.equal(expected);
  });
});
