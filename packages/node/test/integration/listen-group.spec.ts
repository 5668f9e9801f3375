import { expect } from 'chai';
import { concat, ignoreElements, of, take } from 'rxjs';
import { createClient, createServer } from '@rxmsg/node';
import { tempSocketPath } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';
import { TextEcho, echo, ofType, pings, pongs, record } from './echo-protocol';
import { WirePeer } from './wire-peer';

describe('listen group', () => {
  it('serves TCP, Unix-socket and WebSocket listeners at once, each connection tagged with its listener', async () => {
    const server = await createServer({
      listen: ['tcp://127.0.0.1:0', `unix:${tempSocketPath()}`, 'ws://127.0.0.1:0/echo'],
      protocol: TextEcho,
      processor: echo,
    });
    try {
      const [tcp, unix, ws] = server.addresses() as [string, string, string];
      expect(ws).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
      const replies = await Promise.all(
        [tcp, unix, ws].map(async (connect, i) => {
          const got: unknown[] = [];
          const client = createClient({
            connect,
            protocol: TextEcho,
            processor: (in$) => concat(of(...pings(i, i + 1)), in$.pipe(take(1), ignoreElements())),
          });
          client.messages$.subscribe((m) => got.push(m));
          await client.closed;
          return got;
        }),
      );
      expect(replies).to.deep.equal([pongs(0, 1), pongs(1, 2), pongs(2, 3)]);
      const stay = [tcp, unix, ws].map((connect) =>
        createClient({ connect, protocol: TextEcho, processor: (in$) => in$.pipe(ignoreElements()) }),
      );
      await Promise.all(stay.map((c) => new Promise<void>((r) => c.status$.subscribe((st) => st.state === 'connected' && r()))));
      const snap = server.snapshot();
      expect(snap.listeners.map((l) => [l.address, l.connections])).to.deep.equal([
        [tcp, 1],
        [unix, 1],
        [ws, 1],
      ]);
      expect(snap.connections.map((c) => c.listener).sort()).to.deep.equal([tcp, unix, ws].sort());
      await Promise.all(stay.map((c) => c.close()));
    } finally {
      await server.close();
    }
  });

  it('adds and removes listeners while running, without dropping the connections of the others', async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    try {
      const log = record(server.events$);
      const tcp = server.addresses()[0]!;
      const unix = await server.addListener(`unix:${tempSocketPath()}`);
      expect(server.addresses()).to.deep.equal([tcp, unix]);
      expect(ofType(log.events, 'listening').map((e) => e.address)).to.deep.equal([tcp, unix]);

      const viaTcp = await WirePeer.connect(tcp, TextEcho.codec);
      const viaUnix = await WirePeer.connect(unix, TextEcho.codec);
      await viaTcp.send(...pings(0, 1));
      await viaUnix.send(...pings(0, 1));
      await viaTcp.receive(1);
      await viaUnix.receive(1);
      const snap = server.snapshot();
      expect(snap.listeners).to.deep.equal([
        { address: tcp, connections: 1, context: undefined },
        { address: unix, connections: 1, context: undefined },
      ]);
      expect(snap.connections.map((c) => c.listener).sort()).to.deep.equal([tcp, unix].sort());

      // Removing the TCP listener stops new TCP connections but keeps the one already open.
      await server.removeListener(tcp);
      expect(server.addresses()).to.deep.equal([unix]);
      expect(ofType(log.events, 'listener-closed')).to.deep.equal([{ type: 'listener-closed', address: tcp }]);
      const refused = await RawSocket.connect(tcp).then(
        () => 'connected',
        (e: NodeJS.ErrnoException) => e.code,
      );
      expect(refused).to.equal('ECONNREFUSED');
      await viaTcp.send(...pings(1, 3));
      await viaUnix.send(...pings(1, 3));
      expect(await viaTcp.receive(3)).to.deep.equal(pongs(0, 3));
      expect(await viaUnix.receive(3)).to.deep.equal(pongs(0, 3));

      // Removing with closeConnections ends that listener's connections gracefully.
      await server.removeListener(unix, { closeConnections: true });
      await viaUnix.ended;
      expect(viaTcp.closed).to.equal(false);
      await viaTcp.send(...pings(3, 4));
      expect(await viaTcp.receive(4)).to.deep.equal(pongs(0, 4));
      viaTcp.destroy();
    } finally {
      await server.close();
    }
  });

  it('refuses to add a listener after close, and to remove one it does not have', async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo });
    const missing = await server.removeListener('tcp://127.0.0.1:1').catch((e: unknown) => e);
    expect(missing).to.have.property('code', 'ADDRESS_INVALID');
    await server.close();
    const late = await server.addListener('tcp://127.0.0.1:0').catch((e: unknown) => e);
    expect(late).to.have.property('code', 'CLOSED');
  });
});
