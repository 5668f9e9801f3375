/**
 * What an idle connection costs a server, in JS heap: rxmsg against a plain `net` server that
 * answers the same lines, both measured the same way in this process (the clients are plain
 * sockets, the same for both, so their share cancels out). A bound, not a speed: it keeps the
 * per-connection memory work from regressing.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer as createNetServer, connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer } from '@rxmsg/node';
import { settledHeapUsed } from '@rxmsg/test-utils';
import { TextEcho, echo } from './echo-protocol';

const CONNECTIONS = 400;
/** rxmsg's JS heap per idle TCP connection over a plain `net` server's, at most (2.1–2.8 KB when this test was written; 5.3–6.0 KB before the per-connection memory work). */
const MAX_OVERHEAD_BYTES = 4096;

/** Open `CONNECTIONS` sockets to `port`, make one round trip on each, and return the heap they added per connection. */
async function heapPerConnection(port: number): Promise<{ perConnection: number; collected: boolean; sockets: Socket[] }> {
  const before = await settledHeapUsed();
  const sockets: Socket[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const s = connect({ port, host: '127.0.0.1' });
    sockets.push(s);
    const answered = once(s, 'data');
    s.write(`{"kind":"Ping","n":${i}}\n`);
    await answered;
  }
  const after = await settledHeapUsed();
  return { perConnection: (after.heapUsed - before.heapUsed) / CONNECTIONS, collected: before.collected && after.collected, sockets };
}

async function closeAll(sockets: readonly Socket[]): Promise<void> {
  await Promise.all(
    sockets.map((s) => {
      const closed = once(s, 'close');
      s.destroy();
      return closed;
    }),
  );
}

describe('memory per idle connection', function () {
  this.timeout(60_000);

  it(`holds at most ${MAX_OVERHEAD_BYTES} bytes of JS heap per idle TCP connection more than a plain net server`, async function () {
    const plain: NetServer = createNetServer((s) => {
      s.setEncoding('utf8');
      s.on('data', (text: string) => {
        for (const line of text.split('\n')) {
          if (line.length > 0) s.write(`{"kind":"Pong","n":${(JSON.parse(line) as { n: number }).n}}\n`);
        }
      });
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    try {
      // One connection to each first, so that one-time costs (code, caches) are out of the measurement.
      await closeAll((await heapPerConnectionOnce((plain.address() as AddressInfo).port)).sockets);
      await closeAll((await heapPerConnectionOnce(Number(server.addresses()[0]!.split(':').pop()))).sockets);

      const raw = await heapPerConnection((plain.address() as AddressInfo).port);
      await closeAll(raw.sockets);
      const rxmsg = await heapPerConnection(Number(server.addresses()[0]!.split(':').pop()));
      await closeAll(rxmsg.sockets);
      // The root .mocharc.json runs mocha with --expose-gc: without full collections the figure is noise.
      expect(raw.collected && rxmsg.collected, 'garbage collection could not be forced: run with --expose-gc').to.equal(true);
      const overhead = rxmsg.perConnection - raw.perConnection;
      expect(overhead, `rxmsg ${Math.round(rxmsg.perConnection)} B, net ${Math.round(raw.perConnection)} B per connection`).to.be.below(
        MAX_OVERHEAD_BYTES,
      );
      // A measurement, not noise: rxmsg does hold its session, stage and queue per connection.
      expect(overhead).to.be.above(0);
    } finally {
      await server.close();
      plain.close();
    }
  });
});

/** One warm-up connection. */
async function heapPerConnectionOnce(port: number): Promise<{ sockets: Socket[] }> {
  const s = connect({ port, host: '127.0.0.1' });
  const answered = once(s, 'data');
  s.write('{"kind":"Ping","n":0}\n');
  await answered;
  return { sockets: [s] };
}
