import { expect } from 'chai';
import { ignoreElements, tap } from 'rxjs';
import { z } from 'zod';
import { createRooms, createServer, defineProtocol, type ServerMessage, type ServerProcessor } from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';

// The example at the top of docs/rooms.md, run.
const Chat = defineProtocol({
  name: 'chat',
  tag: 'kind',
  client: { Say: z.object({ text: z.string().max(500) }) },
  server: { Said: z.object({ from: z.number(), text: z.string() }), Notice: z.object({ text: z.string() }) },
});
type ChatOut = ServerMessage<typeof Chat>;

describe('docs/rooms.md example', () => {
  it('runs: a Say reaches the other lobby members, the handle sends from outside', async () => {
    const rooms = createRooms<ChatOut>();
    const lobby = rooms.topic<ChatOut>('lobby');
    const chat: ServerProcessor<typeof Chat> = (in$, peer) =>
      in$.pipe(
        tap((say) => lobby.except(peer).send({ kind: 'Said', from: peer.id, text: say.text })),
        ignoreElements(),
        lobby.during(peer),
      );
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: Chat, processor: chat, rooms });
    const a = await RawSocket.connect(server.addresses()[0]!);
    const b = await RawSocket.connect(server.addresses()[0]!);
    try {
      await eventually(() => lobby.size === 2);
      await a.write('{"kind":"Say","text":"hello"}\n');
      await b.lineCount(1);
      expect(server.broadcast({ kind: 'Notice', text: 'restart in 5 minutes' })).to.deep.equal({ delivered: 2, dropped: 0, skipped: 0 });
      expect(server.to('lobby').send({ kind: 'Notice', text: 'lobby only' }).delivered).to.equal(2);
      expect(server.sendTo(42, { kind: 'Notice', text: 'just you' })).to.equal('not-found');
      await a.lineCount(2);
      await b.lineCount(3);
      expect(a.lines().map((l) => JSON.parse(l) as unknown)).to.deep.equal([
        { kind: 'Notice', text: 'restart in 5 minutes' },
        { kind: 'Notice', text: 'lobby only' },
      ]);
      expect(JSON.parse(b.lines()[0]!)).to.deep.include({ kind: 'Said', text: 'hello' });
    } finally {
      a.destroy();
      b.destroy();
      await server.close();
    }
  });
});
