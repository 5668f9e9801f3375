import { expect } from 'chai';
import { createServer as createHttpServer, get } from 'node:http';
import { createClient, createServer, wsTransport } from '@rxmsg/node';
import { activeResources, leakedResources } from '@rxmsg/test-utils';
import { BinaryEcho, TextEcho, echo, ofType, pongs, record, type EchoReply } from './echo-protocol';
import { lockstep } from './transport-cases';
import { WsPeer } from './ws-peer';

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

describe('WebSocket: several protocols on one port', () => {
  it("two servers share an application's http.Server, each on its own path, next to its HTTP routes; closing one leaves the other", async () => {
    const before = await activeResources();
    const http = createHttpServer((req, res) => res.end(`page ${req.url}`));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    const ws = wsTransport({ httpServer: http });
    const text = await createServer({ listen: `ws://127.0.0.1:${port}/text`, transports: [ws], protocol: TextEcho, processor: echo });
    const binary = await createServer({ listen: 'ws://127.0.0.1:0/binary', transports: [ws], protocol: BinaryEcho, processor: echo });
    try {
      expect(text.addresses()).to.deep.equal([`ws://127.0.0.1:${port}/text`]);
      expect(binary.addresses()).to.deep.equal([`ws://127.0.0.1:${port}/binary`]);
      const run = async (address: string, protocol: typeof TextEcho | typeof BinaryEcho) => {
        const got: EchoReply[] = [];
        const c = createClient({ connect: address, transports: [ws], protocol, processor: lockstep(20) });
        c.messages$.subscribe((m) => got.push(m));
        await c.closed;
        return got;
      };
      const [t, b] = await Promise.all([run(text.addresses()[0]!, TextEcho), run(binary.addresses()[0]!, BinaryEcho)]);
      expect(t).to.deep.equal(pongs(0, 20));
      expect(b).to.deep.equal(pongs(0, 20));
      expect(await httpGet(`http://127.0.0.1:${port}/index.html`)).to.deep.equal({ status: 200, body: 'page /index.html' });

      // A path nobody listens on is refused at the handshake.
      const wrong = await WsPeer.connect(`ws://127.0.0.1:${port}/nothing`, TextEcho.codec).catch((e: unknown) => e);
      expect(String(wrong)).to.include('404');

      await text.close();
      expect(http.listening).to.equal(true);
      expect(await run(binary.addresses()[0]!, BinaryEcho)).to.deep.equal(pongs(0, 20));
      expect(String(await WsPeer.connect(`ws://127.0.0.1:${port}/text`, TextEcho.codec).catch((e: unknown) => e))).to.include('404');
    } finally {
      await text.close();
      await binary.close();
      expect(http.listenerCount('upgrade')).to.equal(0);
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('the default transports serve ws://, and a listener added on the port of another serves its own path there', async () => {
    const server = await createServer({ listen: 'ws://127.0.0.1:0/a', protocol: TextEcho, processor: echo });
    try {
      const log = record(server.events$);
      const a = server.addresses()[0]!;
      const port = a.split(':')[2]!.split('/')[0]!;
      const b = await server.addListener(`ws://127.0.0.1:${port}/b`);
      expect(b).to.equal(`ws://127.0.0.1:${port}/b`);
      const viaA = await WsPeer.connect(a, TextEcho.codec);
      const viaB = await WsPeer.connect(b, TextEcho.codec);
      await viaA.send({ kind: 'Ping', n: 1 });
      await viaB.send({ kind: 'Ping', n: 2 });
      expect(await viaA.receive(1)).to.deep.equal([{ kind: 'Pong', n: 1 }]);
      expect(await viaB.receive(1)).to.deep.equal([{ kind: 'Pong', n: 2 }]);

      // Removing /a (and its connections) keeps /b and its connection on the same port.
      await server.removeListener(a, { closeConnections: true });
      await viaA.ended;
      expect(ofType(log.events, 'listener-closed').map((e) => e.address)).to.deep.equal([a]);
      await viaB.send({ kind: 'Ping', n: 3 });
      expect(await viaB.receive(2)).to.deep.equal([
        { kind: 'Pong', n: 2 },
        { kind: 'Pong', n: 3 },
      ]);
      expect(String(await WsPeer.connect(a, TextEcho.codec).catch((e: unknown) => e))).to.include('404');
      viaB.destroy();
    } finally {
      await server.close();
    }
  });
});
