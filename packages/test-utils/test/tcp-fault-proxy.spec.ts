import { expect } from 'chai';
import { createServer, connect, type Socket } from 'node:net';
import { activeResources, eventually, leakedResources, tcpFaultProxy } from '@rxmsg/test-utils';

/** Generous bound for waits on a loaded machine; never a measured time. */
const WAIT_MS = 10_000;
const CHUNK = Buffer.alloc(64 * 1024, 1);
/** Chunks the target writes while stalled (16 MiB). */
const CHUNKS = 256;

describe('tcpFaultProxy', () => {
  it('stalled: what the target writes arrives once unstalled; the other way flows meanwhile', async () => {
    const before = await activeResources();
    let target: Socket | undefined;
    const received: Buffer[] = [];
    const server = createServer((s) => {
      target = s;
      s.on('data', (c: Buffer) => received.push(c));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const proxy = await tcpFaultProxy({ targetPort: (server.address() as { port: number }).port, killAfter: () => undefined });
    proxy.stalled = true;
    const client = connect({ port: Number(new URL(proxy.address).port), host: '127.0.0.1' });
    let got = 0;
    client.on('data', (c: Buffer) => (got += c.length));
    try {
      client.write('hello');
      await eventually(() => Buffer.concat(received).toString() === 'hello', WAIT_MS, 'the client to server direction');
      // Written while stalled (what the proxy holds back fills the sockets' buffers: the kv example's
      // slow-watcher test shows the writer then waits); all of it arrives once unstalled.
      for (let i = 0; i < CHUNKS; i++) target!.write(CHUNK);
      const written = CHUNKS;
      proxy.stalled = false;
      await eventually(() => got === written * CHUNK.length, WAIT_MS, 'every byte after unstalling');
    } finally {
      client.destroy();
      await proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await leakedResources(before)).to.deep.equal([]);
  });
});
