import { expect } from 'chai';
import { ignoreElements, map, takeWhile, tap } from 'rxjs';
import { z } from 'zod';
import {
  UnknownMessageError,
  createCompositeServer,
  createRooms,
  defineProtocol,
  serverStage,
  type PeerHandle,
  type ServerMessage,
  type ServerProcessor,
} from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';

const Lobby = defineProtocol({
  name: 'lobby',
  tag: 'kind',
  codec: 'text',
  client: { Say: z.object({ text: z.string() }), Play: z.object({}) },
  server: { Line: z.object({ text: z.string() }) },
});

const Game = defineProtocol({
  name: 'game',
  tag: 'kind',
  codec: 'text',
  client: { Move: z.object({ x: z.number() }) },
  server: { Tick: z.object({ n: z.number() }) },
});

type Out = ServerMessage<typeof Lobby> | ServerMessage<typeof Game>;
type State = { playing: boolean };

const parsed = (s: RawSocket): unknown[] => s.lines().map((l) => JSON.parse(l) as unknown);

describe('rooms over TCP: a composite server with two stages', () => {
  let cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function start() {
    const rooms = createRooms<Out>();
    const hall = rooms.topic<ServerMessage<typeof Lobby>>('hall');
    const arena = rooms.topic<ServerMessage<typeof Game>>('arena');
    const lobby: ServerProcessor<typeof Lobby, State> = (in$, peer) => {
      hall.join(peer);
      return in$.pipe(
        tap((m) => {
          if (m.kind === 'Say') hall.except(peer).send({ kind: 'Line', text: m.text });
          else peer.state.playing = true;
        }),
        takeWhile((m) => m.kind !== 'Play'),
        ignoreElements(),
      );
    };
    const game: ServerProcessor<typeof Game, State> = (in$, peer) => {
      arena.join(peer);
      return in$.pipe(map((m) => ({ kind: 'Tick', n: m.x }) as const));
    };
    const server = await createCompositeServer({
      listen: 'tcp://127.0.0.1:0',
      stages: { lobby: serverStage(Lobby, lobby), game: serverStage(Game, game) },
      initialState: (): State => ({ playing: false }),
      router: (state, _peer, previous) => (previous === null ? 'lobby' : previous === 'lobby' && state.playing ? 'game' : null),
      rooms,
    });
    cleanup.push(() => server.close());
    const handles: PeerHandle<State, Out>[] = [];
    server.connections$.subscribe((p) => handles.push(p));
    const sockets: RawSocket[] = [];
    cleanup.push(() => sockets.forEach((s) => s.destroy()));
    for (let i = 0; i < 3; i++) sockets.push(await RawSocket.connect(server.addresses()[0]!));
    await eventually(() => hall.size === 3 && handles.length === 3);
    // The handle of each socket, by its port (not by the order of accepting).
    const handleOf = (socket: RawSocket): PeerHandle<State, Out> => handles.find((h) => h.remoteAddress.endsWith(`:${socket.socket.localPort}`))!;
    // The third moves on to the game; its handle and its membership of `hall` stay.
    await sockets[2]!.write('{"kind":"Play"}\n');
    await eventually(() => arena.size === 1);
    return { server, rooms, hall, arena, sockets, handles: sockets.map(handleOf) };
  }

  it('a broadcast reaches only the peers whose current stage speaks its protocol; the others are counted as skipped', async () => {
    const { server, hall, sockets, handles } = await start();
    expect(server.broadcast({ kind: 'Line', text: 'lobby news' })).to.deep.equal({ delivered: 2, dropped: 0, skipped: 1 });
    expect(server.broadcast({ kind: 'Tick', n: 7 })).to.deep.equal({ delivered: 1, dropped: 0, skipped: 2 });
    // Still a member of `hall`, but speaking the game protocol now.
    expect(hall.send({ kind: 'Line', text: 'hall only' })).to.deep.equal({ delivered: 2, dropped: 0, skipped: 1 });
    await sockets[0]!.write('{"kind":"Say","text":"from 0"}\n');
    await sockets[1]!.lineCount(3);
    await sockets[2]!.lineCount(1);
    // A fence: had the sender been sent its own line, it would come before this one.
    server.sendTo(handles[0]!, { kind: 'Line', text: 'fence' });
    await sockets[0]!.lineCount(3);
    expect(parsed(sockets[0]!)).to.deep.equal([{ kind: 'Line', text: 'lobby news' }, { kind: 'Line', text: 'hall only' }, { kind: 'Line', text: 'fence' }]);
    expect(parsed(sockets[1]!)).to.deep.equal([
      { kind: 'Line', text: 'lobby news' },
      { kind: 'Line', text: 'hall only' },
      { kind: 'Line', text: 'from 0' },
    ]);
    // The game peer answers its own moves after the tick: nothing of the lobby came in between.
    await sockets[2]!.write('{"kind":"Move","x":1}\n');
    await sockets[2]!.lineCount(2);
    expect(parsed(sockets[2]!)).to.deep.equal([{ kind: 'Tick', n: 7 }, { kind: 'Tick', n: 1 }]);
  });

  it('peer handles from connections$ send in the protocol of whatever stage their peer is in, and leave rooms on close', async () => {
    const { handles, sockets, rooms, server } = await start();
    expect(handles.map((h) => h.protocol)).to.deep.equal(['lobby', 'lobby', 'game']);
    expect(handles[0]!.send({ kind: 'Line', text: 'handle' })).to.equal(true);
    expect(handles[2]!.send({ kind: 'Tick', n: 99 })).to.equal(true);
    expect(() => handles[2]!.send({ kind: 'Line', text: 'wrong stage' })).to.throw(UnknownMessageError);
    expect(handles[1]!.join('vip')).to.equal(true);
    expect(server.to('vip').send({ kind: 'Line', text: 'vip' }).delivered).to.equal(1);
    await sockets[0]!.lineCount(1);
    await sockets[1]!.lineCount(1);
    await sockets[2]!.lineCount(1);
    expect(parsed(sockets[0]!)).to.deep.equal([{ kind: 'Line', text: 'handle' }]);
    expect(parsed(sockets[1]!)).to.deep.equal([{ kind: 'Line', text: 'vip' }]);
    expect(parsed(sockets[2]!)).to.deep.equal([{ kind: 'Tick', n: 99 }]);
    sockets[1]!.destroy();
    await eventually(() => rooms.size('vip') === 0 && rooms.size('hall') === 2);
    expect(handles[1]!.send({ kind: 'Line', text: 'gone' })).to.equal(false);
    expect(handles[1]!.join('vip')).to.equal(false);
  });
});
