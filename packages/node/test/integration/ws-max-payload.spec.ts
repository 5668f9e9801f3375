import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { TransportError, createServer, type ServerEvent } from '@rxmsg/node';
import { TextEcho, echo } from './echo-protocol';
import { WsPeer } from './ws-peer';

// ws's own default limit is 100 MiB: a server configured for 4 KiB frames must not buffer that.
describe('WebSocket payload limit follows maxFrameBytes', () => {
  it('a real WebSocket peer sending 1 MiB to a 4 KiB server is closed with 1009 (a transport-error); another peer goes on', async () => {
    const server = await createServer({ listen: 'ws://127.0.0.1:0/echo', protocol: TextEcho, processor: echo, config: { maxFrameBytes: 4096 } as const });
    try {
      const address = server.addresses()[0]!;
      const flooder = await WsPeer.connect(address, TextEcho.codec);
      const bystander = await WsPeer.connect(address, TextEcho.codec);
      const disconnected = firstValueFrom(server.events$.pipe(filter((e): e is Extract<ServerEvent, { type: 'disconnected' }> => e.type === 'disconnected')));
      const closeCode = new Promise<number>((resolve) => flooder.ws.once('close', (code: number) => resolve(code)));

      // A valid Ping padded to 1 MiB: refused by ws as it arrives, before the session sees it.
      await flooder.write(JSON.stringify({ kind: 'Ping', n: 1, pad: 'x'.repeat(1_048_576) }));
      expect(await closeCode).to.equal(1009);
      const event = await disconnected;
      expect(event.reason).to.equal('transport-error');
      expect(event.error).to.be.instanceOf(TransportError);
      expect(event.stats.messagesIn).to.equal(0);

      await bystander.send({ kind: 'Ping', n: 2 });
      expect(await bystander.receive(1)).to.deep.equal([{ kind: 'Pong', n: 2 }]);
      bystander.ws.close();
      await bystander.ended;
    } finally {
      await server.close();
    }
  });

  it('a message a little over maxFrameBytes still reaches the session: FRAME_TOO_LARGE under onDecodeError', async () => {
    const server = await createServer({
      listen: 'ws://127.0.0.1:0/echo',
      protocol: TextEcho,
      processor: echo,
      config: { maxFrameBytes: 4096, onDecodeError: 'reply' } as const,
    });
    try {
      const peer = await WsPeer.connect(server.addresses()[0]!, TextEcho.codec);
      await peer.write(JSON.stringify({ kind: 'Ping', n: 1, pad: 'x'.repeat(5000) }));
      await peer.send({ kind: 'Ping', n: 2 });
      expect(await peer.receive(2)).to.deep.equal([
        { kind: 'Oops', code: 'FRAME_TOO_LARGE' },
        { kind: 'Pong', n: 2 },
      ]);
      peer.ws.close();
      await peer.ended;
    } finally {
      await server.close();
    }
  });
});
