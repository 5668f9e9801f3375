import { expect } from 'chai';
import { createServer, type Socket } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { TransportError, parseAddress } from '@rxmsg/core';
import { wsTransport } from '@rxmsg/ws';
import { activeResources, eventually, leakedResources } from '@rxmsg/test-utils';

/** the ws client's own opening-handshake deadline, against a server that never answers. */
describe('ws client handshake deadline against a silent server', () => {
  it('fails the dial with a TransportError, closes the socket and leaves no timer or socket behind', async () => {
    const before = await activeResources();
    const sockets: Socket[] = [];
    let closed = 0;
    const server = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.on('close', () => closed++);
      s.resume(); // read the upgrade request, never answer it
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const error = await firstValueFrom(wsTransport({ handshakeTimeoutMs: 50 }).connect(parseAddress(`ws://127.0.0.1:${port}/`), { noDelay: true })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TransportError);
      expect((error as TransportError).message).to.match(/timed out/);
      await eventually(() => sockets.length === 1 && closed === 1, 5000, 'the client dropped the silent connection');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('an unsubscribe before the deadline leaves no timer behind (the dial is abandoned)', async () => {
    const before = await activeResources();
    const sockets: Socket[] = [];
    const server = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const sub = wsTransport({ handshakeTimeoutMs: 60_000 }).connect(parseAddress(`ws://127.0.0.1:${port}/`), { noDelay: true }).subscribe({ error: () => {} });
      await eventually(() => sockets.length === 1, 5000, 'connected');
      sub.unsubscribe();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await leakedResources(before)).to.deep.equal([]);
  });
});
