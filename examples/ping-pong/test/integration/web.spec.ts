import { expect } from 'chai';
import { connect } from 'node:net';
import { AddressError, ConfigError, tcpTransport, wsTransport } from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import {
  DEFAULT_MATCH_CONFIG,
  PLAY_PATH,
  playMatch,
  simulateMatch,
  startMatch,
  startServer,
  type MatchConfig,
  type MatchProgress,
  type MatchResult,
  type PingPongServer,
} from '@rxmsg-examples/ping-pong';

const SEEDED: MatchConfig = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 5, seed: 42 };

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('ping-pong server with the web page (HTTP and WebSocket on one port)', () => {
  let server: PingPongServer;
  let results: MatchResult[];
  let page: URL;
  let tcp: string;
  let ws: string;

  beforeEach(async () => {
    server = await startServer({ listen: 'tcp://127.0.0.1:0', web: 'http://127.0.0.1:0' });
    results = [];
    server.results$.subscribe((r) => results.push(r));
    page = new URL(server.webUrl!);
    tcp = server.addresses().find((a) => a.startsWith('tcp://'))!;
    ws = server.addresses().find((a) => a.startsWith('ws://'))!;
  });

  afterEach(() => server.close());

  it('listens on TCP and on ws://…/play on the page’s own port', () => {
    expect(page.protocol).to.equal('http:');
    expect(ws).to.equal(`ws://127.0.0.1:${page.port}${PLAY_PATH}`);
    expect(tcp).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves the page, its script, style and icon, with a Content-Security-Policy', async () => {
    const index = await fetch(page);
    expect(index.status).to.equal(200);
    expect(index.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).to.include("default-src 'self'");
    expect(await index.text()).to.include('<script type="module" src="app.js">');
    for (const [path, type] of [
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/app.js.map', 'application/json'],
      ['/style.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml'],
    ] as const) {
      const response = await fetch(new URL(path, page));
      expect(response.status, path).to.equal(200);
      expect(response.headers.get('content-type'), path).to.equal(type);
      expect((await response.arrayBuffer()).byteLength, path).to.be.greaterThan(0);
    }
    const head = await fetch(page, { method: 'HEAD' });
    expect([head.status, await head.text()]).to.deep.equal([200, '']);
  });

  it('answers 404 for an unknown path, 426 for a plain request to /play, 405 for a POST', async () => {
    expect((await fetch(new URL('/nope', page))).status).to.equal(404);
    const play = await fetch(new URL(PLAY_PATH, page));
    expect([play.status, play.headers.get('upgrade')]).to.deep.equal([426, 'websocket']);
    const post = await fetch(page, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).to.deep.equal([405, 'GET, HEAD']);
  });

  it('plays the same seeded match over the WebSocket endpoint as over TCP, on one composite server', async () => {
    const overWs = await playMatch({ connect: ws, config: SEEDED });
    const overTcp = await playMatch({ connect: tcp, config: SEEDED });
    expect(overWs).to.deep.include({ outcome: 'finished', score: { client: 3, server: 5 }, endorsed: true });
    expect(overWs.history).to.deep.equal(overTcp.history);
    expect(overWs.history).to.deep.equal(simulateMatch(SEEDED).history);
    await eventually(() => results.length === 2, 1500, 'both server results');
    expect(results.map((r) => [r.match, r.outcome, r.score])).to.deep.equal([
      [overWs.match, 'finished', overWs.score],
      [overTcp.match, 'finished', overTcp.score],
    ]);
  });

  it('reports a match’s progress after every message: every ruling once, the score, message counts', async () => {
    const match = startMatch({ connect: ws, transports: [tcpTransport(), wsTransport()], config: SEEDED });
    const seen: MatchProgress[] = [];
    match.progress$.subscribe((p) => seen.push(p));
    const result = await match.result;
    const last = seen[seen.length - 1]!;
    expect(seen.flatMap((p) => p.rulings)).to.deep.equal(result.history);
    expect(last).to.deep.include({ match: result.match, score: result.score, turns: result.turns });
    expect(last.messagesIn + last.messagesOut).to.equal(result.messagesIn + result.messagesOut);
    expect(seen.length).to.equal(result.messagesIn + result.messagesOut);
  });

  it('closes the HTTP server with the match server, even with a browser-like idle keep-alive connection open', async () => {
    const port = Number(page.port);
    await fetch(page, { headers: { connection: 'keep-alive' } }).then((r) => r.text());
    await server.close();
    expect(await accepts(port)).to.equal(false);
  });
});

describe('startServer options', () => {
  it('needs listen or web', async () => {
    const error: unknown = await startServer({}).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError);
  });

  it('refuses a web address that is not http://host:port', async () => {
    for (const web of ['tcp://127.0.0.1:0', 'http://127.0.0.1:0/page', 'http://127.0.0.1']) {
      const error: unknown = await startServer({ web }).catch((e: unknown) => e);
      expect(error, web).to.be.instanceOf(AddressError);
    }
  });

  it('has no web page unless asked', async () => {
    const server = await startServer({ listen: 'tcp://127.0.0.1:0' });
    try {
      expect(server.webUrl).to.equal(undefined);
      expect(server.addresses().every((a) => a.startsWith('tcp://'))).to.equal(true);
    } finally {
      await server.close();
    }
  });
});
