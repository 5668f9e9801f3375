import { expect } from 'chai';
import { TransportError } from '@rxmsg/core';
import { delay, eventually } from '@rxmsg/test-utils';
import { recorder, serverAndClient, texts } from './ws-pair';

describe('WsConnection', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(options: Parameters<typeof serverAndClient>[0] = {}) {
    const pair = await serverAndClient(options);
    cleanup.push(() => pair.listener.close());
    cleanup.push(() => pair.client.ws.terminate());
    return pair;
  }

  it('keeps message boundaries: one data call per message, text as UTF-8 bytes, strings sent as text and bytes as binary', async () => {
    const { accepted, client } = await setup();
    expect(accepted.framing).to.equal('message');
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    client.ws.send('héllo');
    client.ws.send(Uint8Array.of(1, 2, 3));
    client.ws.send('');
    await eventually(() => seen.data.length === 3, 2000, 'three messages');
    expect(texts(seen.data.slice(0, 1))).to.deep.equal(['héllo']);
    expect([...seen.data[1]!]).to.deep.equal([1, 2, 3]);
    expect(seen.data[2]!.length).to.equal(0);
    expect(accepted.bytesRead).to.equal(6 + 3);

    expect(accepted.write('wörld')).to.equal(true);
    expect(accepted.write(Uint8Array.of(9, 8))).to.equal(true);
    await eventually(() => client.messages.length === 2, 2000, 'two answers');
    expect(client.messages.map((m) => m.binary)).to.deep.equal([false, true]);
    expect(client.messages[0]!.data.toString('utf8')).to.equal('wörld');
    expect([...client.messages[1]!.data]).to.deep.equal([9, 8]);
    expect(accepted.bytesWritten).to.equal(6 + 2);
    expect(accepted.localAddress).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/test$/);
    expect(accepted.remoteAddress).to.match(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('loses no message received before start(), and delivers them only after start() returned', async () => {
    const { accepted, client } = await setup();
    client.ws.send('early 1');
    client.ws.send('early 2');
    await delay(50);
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    // The session creates its first stage after start() returns: nothing may arrive inside start().
    expect(seen.data).to.have.length(0);
    client.ws.send('late');
    await eventually(() => seen.data.length === 3, 2000, 'three messages');
    expect(texts(seen.data)).to.deep.equal(['early 1', 'early 2', 'late']);
  });

  it('end() closes with 1000 after everything written; the peer gets every message, close is reported once', async () => {
    const { accepted, client } = await setup();
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    for (let i = 0; i < 100; i++) accepted.write(`m${i}`);
    accepted.end();
    expect(await client.closed).to.equal(1000);
    expect(client.messages.map((m) => m.data.toString())).to.deep.equal(Array.from({ length: 100 }, (_, i) => `m${i}`));
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    await delay(20);
    // The peer answered our close frame: that ends its side, then the connection is closed, without error.
    expect(seen.events.slice(-2)).to.deep.equal(['end', 'close']);
    expect(seen.closes).to.deep.equal([undefined]);
    expect(accepted.write('after')).to.equal(false);
  });

  it('a peer closing with 1000 is reported as end then close without error', async () => {
    const { accepted, client } = await setup();
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    client.ws.send('bye');
    client.ws.close(1000);
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    expect(seen.events).to.deep.equal(['data', 'end', 'close']);
    expect(seen.closes).to.deep.equal([undefined]);
  });

  it('a peer closing with an error code is reported as a TransportError, once', async () => {
    const { accepted, client } = await setup();
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    client.ws.close(1011, 'boom');
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    // Once the peer's close handshake is over nothing more can come: still one close.
    expect(await client.closed).to.equal(1011);
    expect(seen.closes).to.have.length(1);
    expect(seen.closes[0]).to.be.instanceOf(TransportError);
    expect(seen.closes[0]!.code).to.equal('TRANSPORT_FAILED');
    expect(seen.events).to.not.include('end');
  });

  it('a text message that is not UTF-8 is never delivered: the connection fails with 1007, reported once as a TransportError', async () => {
    const { accepted, client } = await setup();
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    client.ws.send('fine', { binary: false });
    await eventually(() => seen.data.length === 1, 2000, 'the valid message');
    // `ws`'s client sends these bytes as a text message unchecked; the server's receiver checks them.
    client.ws.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    expect(await client.closed).to.equal(1007);
    expect(texts(seen.data)).to.deep.equal(['fine']);
    expect(seen.closes).to.have.length(1);
    expect(seen.closes[0]).to.be.instanceOf(TransportError);
    expect(seen.closes[0]!.code).to.equal('TRANSPORT_FAILED');
  });

  it('a connection lost without a close frame is a TransportError; destroy() is not', async () => {
    const lost = await setup();
    const a = recorder();
    lost.accepted.start(a.handlers);
    lost.client.ws.terminate();
    await eventually(() => a.seen.closes.length === 1, 2000, 'close');
    expect(a.seen.closes[0]).to.be.instanceOf(TransportError);
    expect(a.seen.events).to.deep.equal(['close']);

    const destroyed = await setup();
    const b = recorder();
    destroyed.accepted.start(b.handlers);
    destroyed.accepted.destroy();
    destroyed.accepted.destroy();
    expect(await destroyed.client.closed).to.equal(1006);
    await eventually(() => b.seen.closes.length === 1, 2000, 'close');
    await delay(20);
    expect(b.seen.closes).to.deep.equal([undefined]);
  });

  it('a connection closed before start() reports its close after start(), once', async () => {
    const { accepted, client } = await setup();
    client.ws.send('last words');
    client.ws.close(1000);
    await client.closed;
    await delay(20);
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    expect(seen.events).to.deep.equal([]);
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    expect(seen.events).to.deep.equal(['data', 'end', 'close']);
  });

  describe('backpressure', () => {
    /** Write 4 KiB messages until write() says the buffer is full (the client does not read). */
    function fill(accepted: { write(c: Uint8Array): boolean }): number {
      const chunk = new Uint8Array(4096);
      for (let n = 1; n < 100_000; n++) if (!accepted.write(chunk)) return n;
      throw new Error('write() never returned false');
    }

    it('write() returns false once bufferedAmount reaches the high-water mark, and drain follows once the peer reads', async () => {
      const { accepted, client } = await setup({ highWaterMark: 64 * 1024 });
      const { seen, handlers } = recorder();
      accepted.start(handlers);
      client.ws.pause();
      const written = fill(accepted);
      // 64 KiB buffered after whatever the kernel took.
      expect(written).to.be.at.least(16);
      // No drain while the peer does not read: the exact count once it has read everything says so.
      client.ws.resume();
      await eventually(() => seen.drains === 1, 5000, 'drain');
      await eventually(() => client.messages.length === written, 5000, 'every message');
      expect(seen.drains).to.equal(1);
      expect(accepted.bytesWritten).to.equal(written * 4096);
    });

    it('pause() stops reading the socket, so a sender fills up; resume() reads on', async () => {
      const { accepted, client } = await setup();
      const { seen, handlers } = recorder();
      accepted.start(handlers);
      await delay(10);
      accepted.pause();
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < 200; i++) client.ws.send(chunk);
      await delay(100);
      const whilePaused = seen.data.length;
      // Loopback buffers hold a few MB at most: most of the 12.8 MB is still unread.
      expect(whilePaused).to.be.below(150);
      expect(client.ws.bufferedAmount).to.be.above(0);
      accepted.resume();
      await eventually(() => seen.data.length === 200, 5000, 'every message');
    });
  });

  it('closes a connection whose message exceeds maxPayload with 1009 and a TransportError', async () => {
    const { accepted, client } = await setup({ maxPayload: 1000 });
    const { seen, handlers } = recorder();
    accepted.start(handlers);
    client.ws.send('x'.repeat(1000));
    client.ws.send('y'.repeat(1001));
    expect(await client.closed).to.equal(1009);
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    expect(seen.data).to.have.length(1);
    expect(seen.closes[0]).to.be.instanceOf(TransportError);
  });
});
