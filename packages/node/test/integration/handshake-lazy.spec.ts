import { expect } from 'chai';
import { concat, filter, firstValueFrom, ignoreElements, map, of, take } from 'rxjs';
import { z } from 'zod';
import { createClient, createServer, defineProtocol, wsTransport, type HandshakeInfo, type Peer } from '@rxmsg/node';

// A WebSocket server keeps what the upgrade request said and makes the handshake data only when
// asked for: asked for the first time after the connection closed, it is what it would have been.

const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  codec: 'text',
  client: { Say: z.object({ text: z.string() }) },
  server: { Line: z.object({ text: z.string() }) },
});

describe('handshake metadata made on first use', () => {
  it('WebSocket: asked for only after the connection closed, peer.handshake still has the path, query and headers; twice the same object', async () => {
    const peers: Peer<unknown, unknown, unknown>[] = [];
    const server = await createServer({
      listen: 'ws://127.0.0.1:0/late',
      transports: [wsTransport()],
      protocol: Chat,
      processor: (in$, peer) => {
        peers.push(peer);
        return in$.pipe(map((m) => ({ kind: 'Line', text: m.text }) as const));
      },
    });
    try {
      const gone = firstValueFrom(server.events$.pipe(filter((e) => e.type === 'disconnected')));
      const client = createClient({
        connect: `${server.addresses()[0]!}?room=lobby&tag=a&tag=b`,
        transports: [wsTransport({ client: { headers: { 'X-Api-Key': 'k-9' } } })],
        protocol: Chat,
        processor: (in$) => concat(of({ kind: 'Say', text: 'x' } as const), in$.pipe(take(1), ignoreElements())),
      });
      await client.closed;
      await gone;
      expect(peers).to.have.length(1);
      const info: HandshakeInfo | undefined = peers[0]!.handshake;
      expect(info?.http?.path).to.equal('/late');
      expect(info?.http?.query).to.deep.equal({ room: 'lobby', tag: ['a', 'b'] });
      expect(info?.http?.headers['x-api-key']).to.equal('k-9');
      expect(info?.http?.headers['upgrade']).to.match(/websocket/i);
      // No inherited members on the copies, as when they were made at the upgrade.
      expect(info?.http?.headers['constructor']).to.equal(undefined);
      expect(info?.tls).to.equal(undefined);
      expect(peers[0]!.handshake).to.equal(info);
    } finally {
      await server.close();
    }
  });
});
