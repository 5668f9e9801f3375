import { expect } from 'chai';
import { createServer as createHttpServer, get, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import { AddressError, TransportError, parseAddress, type Connection, type Listener } from '@rxmsg/core';
import { wsTransport } from '@rxmsg/ws';
import { activeResources, eventually, leakedResources, testCertificate } from '@rxmsg/test-utils';
import { rawClient, recorder, texts } from './ws-pair';

const OPTS = { noDelay: true };

/** Status code of a WebSocket handshake to `url` that the server refused (or `open`). */
function handshakeStatus(url: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve('open');
      ws.terminate();
    });
    ws.on('error', (e) => reject(e));
  });
}

/** Status and body of a plain HTTP GET. */
function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function httpUrl(wsUrl: string, path: string): string {
  return `http://127.0.0.1:${portOf(wsUrl)}${path}`;
}

function portOf(address: string): number {
  const a = parseAddress(address);
  if (a.kind !== 'inet') throw new Error('inet address expected');
  return a.port;
}

/** Accept connections into `into`, echoing each message back. */
function echoInto(into: Connection[]): (c: Connection) => void {
  return (c) => {
    into.push(c);
    c.start({ onData: (d) => c.write(d), onEnd: () => {}, onDrain: () => {}, onClose: () => {} });
  };
}

describe('wsTransport', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function listen(address: string, onConnection: (c: Connection) => void, t = wsTransport()): Promise<Listener> {
    const l = await t.listen(parseAddress(address), onConnection, OPTS);
    cleanup.push(() => l.close());
    return l;
  }

  it('listens on the address path, reports the real port, and a client connection exchanges messages', async () => {
    const t = wsTransport();
    const accepted: Connection[] = [];
    const l = await listen('ws://127.0.0.1:0/chat', echoInto(accepted), t);
    expect(l.address).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/chat$/);
    const c = await firstValueFrom(t.connect(parseAddress(l.address), OPTS));
    cleanup.push(() => c.destroy());
    expect(c.framing).to.equal('message');
    expect(c.remoteAddress).to.equal(l.address);
    const { seen, handlers } = recorder();
    c.start(handlers);
    c.write('one');
    c.write(Uint8Array.of(2));
    await eventually(() => seen.data.length === 2, 2000, 'echoes');
    expect(texts(seen.data.slice(0, 1))).to.deep.equal(['one']);
    expect([...seen.data[1]!]).to.deep.equal([2]);
    c.end();
    await eventually(() => seen.closes.length === 1, 2000, 'closed');
    expect(seen.closes).to.deep.equal([undefined]);
  });

  it('refuses upgrades on other paths with 404, and answers plain HTTP with 426 (its path) or 404', async () => {
    const accepted: Connection[] = [];
    const l = await listen('ws://127.0.0.1:0/chat', echoInto(accepted));
    expect(await handshakeStatus(l.address)).to.equal('open');
    expect(await handshakeStatus(l.address.replace('/chat', '/other'))).to.equal(404);
    expect(await handshakeStatus(l.address.replace('/chat', ''))).to.equal(404);
    // A query string does not change the path.
    expect(await handshakeStatus(`${l.address}?token=1`)).to.equal('open');
    expect(await httpGet(httpUrl(l.address, '/chat'))).to.deep.equal({ status: 426, body: 'Upgrade Required' });
    expect((await httpGet(httpUrl(l.address, '/nope'))).status).to.equal(404);
    const error: unknown = await firstValueFrom(wsTransport().connect(parseAddress(l.address.replace('/chat', '/other')), OPTS)).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(TransportError);
    expect((error as TransportError).message).to.include('404');
  });

  it('serves several paths on one port: a listener on the port of another shares its server', async () => {
    const t = wsTransport();
    const a: Connection[] = [];
    const b: Connection[] = [];
    const la = await listen('ws://127.0.0.1:0/a', echoInto(a), t);
    const port = portOf(la.address);
    const lb = await listen(`ws://127.0.0.1:${port}/b`, echoInto(b), t);
    expect(lb.address).to.equal(`ws://127.0.0.1:${port}/b`);
    const error: unknown = await t.listen(parseAddress(`ws://127.0.0.1:${port}/a`), () => {}, OPTS).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransportError);
    await rawClient(la.address).then((c) => cleanup.push(() => c.ws.terminate()));
    await rawClient(lb.address).then((c) => cleanup.push(() => c.ws.terminate()));
    await eventually(() => a.length === 1 && b.length === 1, 2000, 'one connection each');
    // Closing one path keeps the other served.
    await la.close();
    expect(await handshakeStatus(la.address)).to.equal(404);
    expect(await handshakeStatus(lb.address)).to.equal('open');
  });

  it('refuses upgrades that verifyUpgrade rejects (an Origin check) with 403', async () => {
    const t = wsTransport({ verifyUpgrade: (request) => request.headers.origin === 'https://good.example' });
    const l = await listen('ws://127.0.0.1:0/o', echoInto([]), t);
    const status = (origin: string) =>
      new Promise<number | 'open'>((resolve, reject) => {
        const ws = new WebSocket(l.address, { origin });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve('open');
          ws.terminate();
        });
        ws.on('error', reject);
      });
    expect(await status('https://good.example')).to.equal('open');
    expect(await status('https://evil.example')).to.equal(403);
  });

  describe('on a shared http.Server', () => {
    async function appServer(): Promise<HttpServer> {
      const server = createHttpServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`app ${req.url}`);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      cleanup.push(() => server.closeAllConnections());
      return server;
    }

    it('serves two listeners on their own paths next to the application routes; closing one detaches only its path', async () => {
      const http = await appServer();
      const port = (http.address() as { port: number }).port;
      const t = wsTransport({ httpServer: http });
      const chat: Connection[] = [];
      const game: Connection[] = [];
      const lc = await t.listen(parseAddress('ws://127.0.0.1:0/chat'), echoInto(chat), OPTS);
      const lg = await wsTransport({ httpServer: http }).listen(parseAddress(`ws://127.0.0.1:${port}/game`), echoInto(game), OPTS);
      cleanup.push(() => lg.close());
      expect(lc.address).to.equal(`ws://127.0.0.1:${port}/chat`);
      expect(lg.address).to.equal(`ws://127.0.0.1:${port}/game`);
      expect(http.listenerCount('upgrade')).to.equal(1);

      const c1 = await rawClient(lc.address);
      const c2 = await rawClient(lg.address);
      cleanup.push(() => c1.ws.terminate(), () => c2.ws.terminate());
      c1.ws.send('to chat');
      c2.ws.send('to game');
      await eventually(() => c1.messages.length === 1 && c2.messages.length === 1, 2000, 'echoes');
      expect(chat).to.have.length(1);
      expect(game).to.have.length(1);
      expect(await httpGet(`http://127.0.0.1:${port}/index.html`)).to.deep.equal({ status: 200, body: 'app /index.html' });
      expect(await handshakeStatus(`ws://127.0.0.1:${port}/other`)).to.equal(404);

      await lc.close();
      expect(http.listening).to.equal(true);
      expect(await handshakeStatus(lc.address)).to.equal(404);
      expect(await handshakeStatus(lg.address)).to.equal('open');
      // The open connection of the closed listener is untouched.
      c1.ws.send('still here');
      await eventually(() => c1.messages.length === 2, 2000, 'echo after close');
      await lg.close();
      expect(http.listening).to.equal(true);
      expect(http.listenerCount('upgrade')).to.equal(0);
      expect(await httpGet(`http://127.0.0.1:${port}/`)).to.deep.equal({ status: 200, body: 'app /' });
    });

    it("leaves upgrades for other paths to the application's own upgrade listeners", async () => {
      const http = await appServer();
      const port = (http.address() as { port: number }).port;
      const own = new WebSocketServer({ noServer: true });
      http.on('upgrade', (req, socket, head) => {
        if (req.url === '/own') own.handleUpgrade(req, socket, head, (ws) => ws.close(1000));
      });
      cleanup.push(() => own.close());
      await wsTransport({ httpServer: http })
        .listen(parseAddress(`ws://127.0.0.1:${port}/rx`), echoInto([]), OPTS)
        .then((l) => cleanup.push(() => l.close()));
      expect(await handshakeStatus(`ws://127.0.0.1:${port}/own`)).to.equal('open');
      expect(await handshakeStatus(`ws://127.0.0.1:${port}/rx`)).to.equal('open');
    });

    it('refuses a port other than the server’s, a taken path and a wss:// address on an http server', async () => {
      const http = await appServer();
      const port = (http.address() as { port: number }).port;
      const t = wsTransport({ httpServer: http });
      const l = await t.listen(parseAddress(`ws://127.0.0.1:${port}/x`), () => {}, OPTS);
      cleanup.push(() => l.close());
      for (const address of [`ws://127.0.0.1:${port + 1}/y`, `wss://127.0.0.1:${port}/y`]) {
        expect(await t.listen(parseAddress(address), () => {}, OPTS).catch((e: unknown) => e)).to.be.instanceOf(AddressError);
      }
      expect(await t.listen(parseAddress(`ws://127.0.0.1:${port}/x`), () => {}, OPTS).catch((e: unknown) => e)).to.be.instanceOf(TransportError);
    });

    it('waits for a server that is not listening yet', async () => {
      const http = createHttpServer();
      cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
      const pending = wsTransport({ httpServer: http }).listen(parseAddress('ws://127.0.0.1:0/late'), () => {}, OPTS);
      http.listen(0, '127.0.0.1');
      const l = await pending;
      cleanup.push(() => l.close());
      expect(l.address).to.equal(`ws://127.0.0.1:${(http.address() as { port: number }).port}/late`);
    });
  });

  it('serves wss:// with a certificate, and a client that does not trust it fails with a TransportError', async () => {
    const { key, cert } = await testCertificate();
    const t = wsTransport({ server: { key, cert }, client: { ca: cert } });
    const accepted: Connection[] = [];
    const l = await listen('wss://127.0.0.1:0/secure', echoInto(accepted), t);
    expect(l.address).to.match(/^wss:\/\/127\.0\.0\.1:\d+\/secure$/);
    const c = await firstValueFrom(t.connect(parseAddress(l.address), OPTS));
    cleanup.push(() => c.destroy());
    const { seen, handlers } = recorder();
    c.start(handlers);
    c.write('secret');
    await eventually(() => seen.data.length === 1, 2000, 'echo');
    expect(texts(seen.data)).to.deep.equal(['secret']);
    const error: unknown = await firstValueFrom(wsTransport().connect(parseAddress(l.address), OPTS)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TransportError);
  });

  it('fails to connect with a TransportError when nothing listens, and refuses other schemes with an AddressError', async () => {
    const l = await wsTransport().listen(parseAddress('ws://127.0.0.1:0/'), () => {}, OPTS);
    const address = l.address;
    await l.close();
    const refused: unknown = await firstValueFrom(wsTransport().connect(parseAddress(address), OPTS)).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(TransportError);
    const wrong: unknown = await firstValueFrom(wsTransport().connect(parseAddress('tcp://127.0.0.1:1'), OPTS)).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(AddressError);
    expect(await wsTransport().listen(parseAddress('tcp://127.0.0.1:0'), () => {}, OPTS).catch((e: unknown) => e)).to.be.instanceOf(AddressError);
  });

  it('a client unsubscribed before the handshake ends its socket; a server handshake that never comes times out', async () => {
    const before = await activeResources();
    // A TCP server that accepts and never answers the HTTP upgrade.
    let accepted = 0;
    const silent = await new Promise<TcpServer>((resolve) => {
      const s = createTcpServer((socket) => {
        accepted++;
        socket.on('error', () => {});
        // Read (and ignore) the request, so that the client's FIN is seen.
        socket.resume();
      });
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (silent.address() as { port: number }).port;
    const sub = wsTransport().connect(parseAddress(`ws://127.0.0.1:${port}/`), OPTS).subscribe({ error: () => {} });
    await eventually(() => accepted === 1, 2000, 'connected');
    sub.unsubscribe();
    const timedOut: unknown = await firstValueFrom(
      wsTransport({ handshakeTimeoutMs: 100 }).connect(parseAddress(`ws://127.0.0.1:${port}/`), OPTS),
    ).catch((e: unknown) => e);
    expect(timedOut).to.be.instanceOf(TransportError);
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('closing a listener it bound stops accepting at once, keeps its open connections, and leaves no handles once they end', async () => {
    const before = await activeResources();
    const accepted: Connection[] = [];
    const l = await wsTransport().listen(parseAddress('ws://127.0.0.1:0/x'), echoInto(accepted), OPTS);
    const c = await rawClient(l.address);
    await eventually(() => accepted.length === 1, 2000, 'accepted');
    await l.close();
    // Nothing listens on the port any more.
    expect(await handshakeStatus(l.address).catch((e: NodeJS.ErrnoException) => e.code)).to.equal('ECONNREFUSED');
    c.ws.send('still served');
    await eventually(() => c.messages.length === 1, 2000, 'echo after close');
    accepted[0]!.end();
    expect(await c.closed).to.equal(1000);
    expect(await leakedResources(before)).to.deep.equal([]);
  });
});
