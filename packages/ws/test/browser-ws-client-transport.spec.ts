import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { WebSocket } from 'ws';
import { TransportError, parseAddress, type Connection, type Listener } from '@rxmsg/core';
import { browserWsTransport, type WebSocketConstructorLike } from '@rxmsg/ws/browser';
import { wsTransport } from '@rxmsg/ws';
import { activeResources, delay, eventually, leakedResources } from '@rxmsg/test-utils';
import { recorder, texts } from './ws-pair';

// `ws`'s client class implements the WHATWG WebSocket API the browser client uses
// (binaryType 'arraybuffer', bufferedAmount, addEventListener): it stands in for a browser's here.
const BrowserLikeWebSocket = WebSocket as unknown as WebSocketConstructorLike;
const OPTS = { noDelay: true };

describe('browserWsTransport (on a WHATWG WebSocket)', () => {
  const cleanup: (() => unknown)[] = [];
  let listener: Listener;
  let accepted: Connection[];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  beforeEach(async () => {
    accepted = [];
    listener = await wsTransport().listen(parseAddress('ws://127.0.0.1:0/play'), (c) => accepted.push(c), OPTS);
    cleanup.push(() => listener.close());
    cleanup.push(() => accepted.forEach((c) => c.destroy()));
  });

  async function connect(highWaterMark?: number) {
    const t = browserWsTransport({ WebSocket: BrowserLikeWebSocket, ...(highWaterMark === undefined ? {} : { highWaterMark }) });
    const c = await firstValueFrom(t.connect(parseAddress(listener.address), OPTS));
    cleanup.push(() => c.destroy());
    await eventually(() => accepted.length === 1, 2000, 'accepted');
    return { client: c, server: accepted[0]! };
  }

  it('exchanges text and binary messages with their boundaries, as Uint8Array', async () => {
    const { client, server } = await connect();
    expect(client.framing).to.equal('message');
    expect(client.remoteAddress).to.equal(listener.address);
    const c = recorder();
    const s = recorder();
    client.start(c.handlers);
    server.start(s.handlers);
    client.write('ping ü');
    client.write(Uint8Array.of(1, 2));
    server.write('pong');
    server.write(Uint8Array.of(3));
    await eventually(() => c.seen.data.length === 2 && s.seen.data.length === 2, 2000, 'both ways');
    expect(texts(s.seen.data.slice(0, 1))).to.deep.equal(['ping ü']);
    expect([...s.seen.data[1]!]).to.deep.equal([1, 2]);
    expect(texts(c.seen.data.slice(0, 1))).to.deep.equal(['pong']);
    expect(c.seen.data[1]).to.be.instanceOf(Uint8Array);
    expect([...c.seen.data[1]!]).to.deep.equal([3]);
    expect(client.bytesWritten).to.equal(7 + 2);
    expect(client.bytesRead).to.equal(4 + 1);
  });

  it('end() closes with 1000 after what was written; both sides report end then close, once', async () => {
    const { client, server } = await connect();
    const c = recorder();
    const s = recorder();
    client.start(c.handlers);
    server.start(s.handlers);
    for (let i = 0; i < 50; i++) client.write(`m${i}`);
    client.end();
    await eventually(() => c.seen.closes.length === 1 && s.seen.closes.length === 1, 2000, 'closed');
    expect(s.seen.data).to.have.length(50);
    expect(s.seen.events.slice(-2)).to.deep.equal(['end', 'close']);
    expect(c.seen.events.slice(-2)).to.deep.equal(['end', 'close']);
    expect([...c.seen.closes, ...s.seen.closes]).to.deep.equal([undefined, undefined]);
  });

  it('polls bufferedAmount for drain while the server does not read, and clears the timer on close', async () => {
    const before = await activeResources();
    const { client, server } = await connect(32 * 1024);
    const c = recorder();
    const s = recorder();
    client.start(c.handlers);
    server.start(s.handlers);
    await delay(10);
    server.pause();
    const chunk = new Uint8Array(16 * 1024);
    let written = 0;
    while (client.write(chunk)) if (++written > 10_000) throw new Error('write() never returned false');
    written++;
    // No drain while the server does not read: the exact count once it has read everything says so.
    server.resume();
    await eventually(() => c.seen.drains === 1, 5000, 'drain');
    await eventually(() => s.seen.data.length === written, 5000, 'every message');
    expect(c.seen.drains).to.equal(1);

    // Blocked again, then closed while blocked: the poll timer must go with the connection.
    server.pause();
    while (client.write(chunk));
    client.destroy();
    await eventually(() => c.seen.closes.length === 1, 2000, 'closed');
    server.destroy();
    cleanup.splice(0, cleanup.length, () => listener.close());
    await listener.close();
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('fails to connect with a TransportError, and refuses to listen', async () => {
    const address = listener.address;
    const t = browserWsTransport({ WebSocket: BrowserLikeWebSocket });
    const notFound: unknown = await firstValueFrom(t.connect(parseAddress(address.replace('/play', '/nope')), OPTS)).catch((e: unknown) => e);
    expect(notFound).to.be.instanceOf(TransportError);
    expect(await t.listen(parseAddress('ws://127.0.0.1:0/'), () => {}, OPTS).catch((e: unknown) => e)).to.be.instanceOf(TransportError);
  });

  it('uses the global WebSocket by default, and fails with a TransportError where there is none', async () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    try {
      Object.defineProperty(globalThis, 'WebSocket', { value: undefined, configurable: true, writable: true });
      const missing: unknown = await firstValueFrom(browserWsTransport().connect(parseAddress(listener.address), OPTS)).catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(TransportError);
      g.WebSocket = BrowserLikeWebSocket;
      const c = await firstValueFrom(browserWsTransport().connect(parseAddress(listener.address), OPTS));
      cleanup.push(() => c.destroy());
      await eventually(() => accepted.length === 1, 2000, 'accepted');
    } finally {
      if (saved === undefined) delete g.WebSocket;
      else Object.defineProperty(globalThis, 'WebSocket', saved);
    }
  });
});
