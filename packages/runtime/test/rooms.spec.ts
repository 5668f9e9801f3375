import { expect } from 'chai';
import { EMPTY, ignoreElements, map, takeWhile, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  CallbackError,
  ConfigError,
  RoomAdapterError,
  RoomLimitError,
  defineProtocol,
  textCodec,
  type Codec,
  type ServerMessage,
  type ServerProcessor,
} from '@rxmsg/core';
import {
  LocalRoomAdapter,
  createCompositeServer,
  createRooms,
  createServer,
  memoryTransport,
  serverStage,
  type MemoryTransport,
  type RoomPacket,
  type Rooms,
  type ServerEvent,
} from '@rxmsg/runtime';
import { eventually, waitFor } from '@rxmsg/test-utils';
import { LinePeer } from './support/line-peer';

const chatProtocol = (name: string, codec: Codec = textCodec) =>
  defineProtocol({
    name,
    tag: 'kind',
    codec,
    client: { Say: z.object({ text: z.string() }), Join: z.object({ room: z.string() }) },
    server: { Line: z.object({ text: z.string() }), Notice: z.object({ text: z.string() }) },
  });
const Chat = chatProtocol('chat');
type ChatOut = ServerMessage<typeof Chat>;

const Game = defineProtocol({
  name: 'game',
  tag: 'kind',
  client: { Move: z.object({ x: z.number() }) },
  server: { Tick: z.object({ n: z.number() }) },
});

/** Joins `lobby` on connect; `Join` joins more rooms; `Say` goes to the lobby except the sender, whose report comes back as a Notice. */
function chatProcessor(rooms: Rooms<ChatOut>): ServerProcessor<typeof Chat> {
  const lobby = rooms.topic<ChatOut>('lobby');
  return (in$, peer) => {
    lobby.join(peer);
    return in$.pipe(
      map((m) => {
        if (m.kind === 'Join') {
          rooms.join(peer, m.room);
          return { kind: 'Notice', text: `joined ${m.room}` } as const;
        }
        const report = lobby.except(peer).send({ kind: 'Line', text: m.text });
        return { kind: 'Notice', text: JSON.stringify(report) } as const;
      }),
    );
  };
}

describe('rooms', () => {
  let memory: MemoryTransport;
  let close: (() => Promise<void>)[];
  beforeEach(() => {
    memory = memoryTransport();
    close = [];
  });
  afterEach(async () => {
    for (const c of close.reverse()) await c();
  });

  async function chatServer(rooms: Rooms<ChatOut>, config: object = {}) {
    const server = await createServer({ listen: 'memory://chat:0', transports: [memory], protocol: Chat, processor: chatProcessor(rooms), rooms, config });
    close.push(() => server.close());
    return server;
  }

  async function peers(address: string, rooms: Rooms<ChatOut>, n: number): Promise<LinePeer[]> {
    const list = Array.from({ length: n }, () => LinePeer.dial(memory, address));
    close.push(async () => list.forEach((p) => p.destroy()));
    await eventually(() => rooms.size('lobby') >= n, 5000, `${n} peers in the lobby`);
    return list;
  }

  it('joins, leaves and lists memberships; a send reaches the members of a room only', async () => {
    const rooms = createRooms<ChatOut>();
    const server = await chatServer(rooms);
    const [a, b, c] = await peers(server.addresses()[0]!, rooms, 3);
    const [ida, idb, idc] = rooms.membersOf('lobby') as [number, number, number];
    expect(rooms.join(ida, 'red')).to.equal(true);
    expect(rooms.join(ida, 'red')).to.equal(true);
    expect(rooms.join(idb, 'red')).to.equal(true);
    expect(rooms.roomsOf(ida).sort()).to.deep.equal(['lobby', 'red']);
    expect(rooms.membersOf('red')).to.deep.equal([ida, idb]);
    expect(rooms.isIn(idc, 'red')).to.equal(false);
    expect(rooms.rooms().sort()).to.deep.equal(['lobby', 'red']);
    expect(rooms.leave(idb, 'red')).to.equal(true);
    expect(rooms.leave(idb, 'red')).to.equal(false);
    const report = server.to('red').send({ kind: 'Line', text: 'red only' });
    expect(report).to.deep.equal({ delivered: 1, dropped: 0, skipped: 0 });
    // c learns of the end of the red line by a later lobby line: had it been sent the red one, it would come first.
    expect(server.to('lobby').send({ kind: 'Line', text: 'all' })).to.deep.equal({ delivered: 3, dropped: 0, skipped: 0 });
    await eventually(() => a!.received.length === 2 && b!.received.length === 1 && c!.received.length === 1);
    expect(a!.received).to.deep.equal([{ kind: 'Line', text: 'red only' }, { kind: 'Line', text: 'all' }]);
    expect(b!.received).to.deep.equal([{ kind: 'Line', text: 'all' }]);
  });

  it('a processor sends to its room except itself; the sender gets only its report', async () => {
    const rooms = createRooms<ChatOut>();
    const server = await chatServer(rooms);
    const [a, b, c] = await peers(server.addresses()[0]!, rooms, 3);
    a!.send({ kind: 'Say', text: 'hi' });
    await eventually(() => a!.received.length === 1 && b!.received.length === 1 && c!.received.length === 1);
    expect(a!.received).to.deep.equal([{ kind: 'Notice', text: JSON.stringify({ delivered: 2, dropped: 0, skipped: 0 }) }]);
    expect(b!.received).to.deep.equal([{ kind: 'Line', text: 'hi' }]);
    expect(c!.received).to.deep.equal([{ kind: 'Line', text: 'hi' }]);
  });

  it('broadcast with a filter, to several rooms (each peer once), except members of a room', async () => {
    const rooms = createRooms<ChatOut>();
    const server = await chatServer(rooms);
    const list = await peers(server.addresses()[0]!, rooms, 4);
    const ids = rooms.membersOf('lobby');
    rooms.join(ids[0]!, 'x');
    rooms.join(ids[1]!, 'x');
    rooms.join(ids[1]!, 'y');
    rooms.join(ids[2]!, 'y');
    rooms.join(ids[3]!, 'muted');
    rooms.join(ids[2]!, 'muted');
    expect(server.broadcast({ kind: 'Notice', text: 'odd' }, (p) => p.id % 2 === 1).delivered).to.equal(ids.filter((id) => id % 2 === 1).length);
    expect(server.to(['x', 'y']).send({ kind: 'Line', text: 'xy' })).to.deep.equal({ delivered: 3, dropped: 0, skipped: 0 });
    expect(rooms.to('lobby').exceptIn('muted').send({ kind: 'Line', text: 'loud' }).delivered).to.equal(2);
    const fence = server.broadcast({ kind: 'Notice', text: 'end' });
    expect(fence.delivered).to.equal(4);
    await eventually(() => list.every((p) => p.received.some((m) => (m as { text: string }).text === 'end')));
    const texts = list.map((p) => p.received.map((m) => (m as { text: string }).text));
    const odd = (i: number): string[] => (ids[i]! % 2 === 1 ? ['odd'] : []);
    expect(texts[0]).to.deep.equal([...odd(0), 'xy', 'loud', 'end']);
    expect(texts[1]).to.deep.equal([...odd(1), 'xy', 'loud', 'end']);
    expect(texts[2]).to.deep.equal([...odd(2), 'xy', 'end']);
    expect(texts[3]).to.deep.equal([...odd(3), 'end']);
  });

  it('a filter that throws ends the broadcast with a CallbackError', async () => {
    const rooms = createRooms<ChatOut>();
    const server = await chatServer(rooms);
    await peers(server.addresses()[0]!, rooms, 1);
    const thrown = (() => {
      try {
        server.broadcast({ kind: 'Notice', text: 'x' }, () => {
          throw new Error('bad filter');
        });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).to.be.instanceOf(CallbackError);
    expect((thrown as CallbackError).callback).to.equal('broadcast filter');
  });

  it('peers leave every room when they disconnect; joining a closed or unknown peer does nothing', async () => {
    const rooms = createRooms<ChatOut>();
    const server = await chatServer(rooms);
    const [a, b] = await peers(server.addresses()[0]!, rooms, 2);
    const [ida, idb] = rooms.membersOf('lobby') as [number, number];
    rooms.join(ida, 'red');
    a!.destroy();
    await waitFor(server.events$, (e: ServerEvent) => e.type === 'disconnected' && e.peerId === ida);
    expect(rooms.roomsOf(ida)).to.deep.equal([]);
    expect(rooms.membersOf('lobby')).to.deep.equal([idb]);
    expect(rooms.rooms()).to.deep.equal(['lobby']);
    expect(rooms.join(ida, 'red')).to.equal(false);
    expect(rooms.join(9999, 'red')).to.equal(false);
    expect(server.broadcast({ kind: 'Line', text: 'left' })).to.deep.equal({ delivered: 1, dropped: 0, skipped: 0 });
    await eventually(() => b!.received.length === 1);
  });

  it('sendTo reaches one peer, validated against its protocol', async () => {
    const rooms = createRooms<ChatOut>();
    const server = await chatServer(rooms);
    const [a] = await peers(server.addresses()[0]!, rooms, 1);
    const id = rooms.membersOf('lobby')[0]!;
    expect(server.sendTo(id, { kind: 'Line', text: 'just you' })).to.equal('delivered');
    expect(server.sendTo(id + 1000, { kind: 'Line', text: 'nobody' })).to.equal('not-found');
    // A message the protocol rejects is skipped, not sent and not thrown.
    expect(rooms.sendTo(id, { kind: 'Line', text: 42 } as unknown as ChatOut)).to.equal('skipped');
    expect(server.sendTo({ id }, { kind: 'Notice', text: 'fence' })).to.equal('delivered');
    await eventually(() => a!.received.length === 2);
    expect(a!.received).to.deep.equal([{ kind: 'Line', text: 'just you' }, { kind: 'Notice', text: 'fence' }]);
  });

  it("each delivery goes through the receiver's send policy: a peer that never reads drops, the others receive everything", async () => {
    memory = memoryTransport({ highWaterMark: 256 });
    const rooms = createRooms<ChatOut>();
    const server = await chatServer(rooms, { sendQueueLimit: 4, onSendQueueFull: 'drop-newest' });
    const readers = await peers(server.addresses()[0]!, rooms, 2);
    const stuck = LinePeer.dial(memory, server.addresses()[0]!, false);
    close.push(async () => stuck.destroy());
    await eventually(() => rooms.size('lobby') === 3);
    let dropped = 0;
    let delivered = 0;
    const rounds = 40;
    for (let i = 0; i < rounds; i++) {
      const report = server.broadcast({ kind: 'Line', text: `line ${i} ${'x'.repeat(40)}` });
      dropped += report.dropped;
      delivered += report.delivered;
      await eventually(() => readers.every((r) => r.received.length === i + 1), 5000, `round ${i}`);
    }
    expect(dropped).to.be.greaterThan(0);
    expect(delivered + dropped).to.equal(3 * rounds);
    for (const r of readers) expect(r.received.map((m) => (m as { text: string }).text.split(' ')[1])).to.deep.equal(Array.from({ length: rounds }, (_, i) => `${i}`));
  });

  it('a composite server skips (and counts) the peers whose current protocol does not accept the message', async () => {
    const rooms = createRooms<ChatOut | ServerMessage<typeof Game>>();
    type State = { game: boolean };
    const server = await createCompositeServer({
      listen: 'memory://stack:0',
      transports: [memory],
      stages: {
        chat: serverStage(Chat, (in$: Observable<unknown>) => in$.pipe(ignoreElements())),
        game: serverStage(Game, (in$: Observable<unknown>) => in$.pipe(ignoreElements())),
      },
      initialState: (peer): State => ({ game: peer.id % 2 === 0 }),
      router: (state, _peer, previous) => (previous === null ? (state.game ? 'game' : 'chat') : null),
      rooms,
    });
    close.push(() => server.close());
    const list = Array.from({ length: 4 }, () => LinePeer.dial(memory, server.addresses()[0]!));
    close.push(async () => list.forEach((p) => p.destroy()));
    await eventually(() => server.snapshot().connections.filter((c) => c.protocol !== undefined).length === 4);
    expect(server.broadcast({ kind: 'Line', text: 'chatters' })).to.deep.equal({ delivered: 2, dropped: 0, skipped: 2 });
    expect(server.broadcast({ kind: 'Tick', n: 1 })).to.deep.equal({ delivered: 2, dropped: 0, skipped: 2 });
  });

  it('topic.during(peer) keeps the peer in the room while its stage runs', async () => {
    const rooms = createRooms<ChatOut>();
    const table = rooms.topic<ChatOut>('table');
    const server = await createCompositeServer({
      listen: 'memory://during:0',
      transports: [memory],
      stages: {
        chat: serverStage(Chat, (in$, peer) =>
          in$.pipe(
            takeWhile((m) => m.kind === 'Say'),
            ignoreElements(),
            table.during(peer),
          ),
        ),
        game: serverStage(Game, (in$: Observable<unknown>) => in$.pipe(ignoreElements())),
      },
      initialState: () => ({}),
      router: (_s, _p, previous) => (previous === null ? 'chat' : previous === 'chat' ? 'game' : null),
      rooms,
    });
    close.push(() => server.close());
    const p = LinePeer.dial(memory, server.addresses()[0]!);
    close.push(async () => p.destroy());
    await eventually(() => table.size === 1);
    p.send({ kind: 'Join', room: 'x' });
    await waitFor(server.events$, (e: ServerEvent) => e.type === 'protocol-entered' && e.protocol === 'game');
    expect(table.size).to.equal(0);
  });

  it('PeerHandle.join and leave use the server rooms', async () => {
    const rooms = createRooms<ChatOut>();
    const server = await createCompositeServer({
      listen: 'memory://stack:0',
      transports: [memory],
      stages: { chat: serverStage(Chat, (in$: Observable<unknown>) => in$.pipe(ignoreElements())) },
      initialState: () => ({}),
      router: (_s, _p, previous) => (previous === null ? 'chat' : null),
      rooms,
    });
    close.push(() => server.close());
    const joined = new Promise<number>((resolve) =>
      server.connections$.subscribe((peer) => {
        expect(peer.join('vip')).to.equal(true);
        resolve(peer.id);
      }),
    );
    const p = LinePeer.dial(memory, server.addresses()[0]!);
    close.push(async () => p.destroy());
    const id = await joined;
    expect(rooms.membersOf('vip')).to.deep.equal([id]);
    expect(server.to('vip').send({ kind: 'Notice', text: 'welcome' }).delivered).to.equal(1);
    await eventually(() => p.received.length === 1);
    expect(rooms.leave(id, 'vip')).to.equal(true);
    expect(rooms.size('vip')).to.equal(0);
  });

  describe('bounds', () => {
    it('refuses empty and too long room names with a RoomLimitError', async () => {
      const rooms = createRooms<ChatOut>({ maxRoomNameLength: 8 });
      for (const name of ['', 'x'.repeat(9)]) {
        const error = catchError(() => rooms.topic(name));
        expect(error).to.be.instanceOf(RoomLimitError);
        expect((error as RoomLimitError).code).to.equal('ROOM_LIMIT');
        expect((error as RoomLimitError).limit).to.equal('room-name-length');
        expect(catchError(() => rooms.to(name))).to.be.instanceOf(RoomLimitError);
        expect(catchError(() => rooms.join(1, name))).to.be.instanceOf(RoomLimitError);
      }
      expect(rooms.topic('x'.repeat(8)).name).to.equal('xxxxxxxx');
    });

    it('refuses a join past maxRoomsPerPeer; rejoining a room it is in is fine', async () => {
      const rooms = createRooms<ChatOut>({ maxRoomsPerPeer: 3 });
      const server = await chatServer(rooms);
      await peers(server.addresses()[0]!, rooms, 1);
      const id = rooms.membersOf('lobby')[0]!;
      rooms.join(id, 'a');
      rooms.join(id, 'b');
      expect(rooms.join(id, 'b')).to.equal(true);
      const error = catchError(() => rooms.join(id, 'c'));
      expect(error).to.be.instanceOf(RoomLimitError);
      expect((error as RoomLimitError).limit).to.equal('rooms-per-peer');
      expect((error as RoomLimitError).max).to.equal(3);
      expect(rooms.roomsOf(id).sort()).to.deep.equal(['a', 'b', 'lobby']);
    });

    it('a peer asking for a room past the bounds ends its own connection only, with a processor-error', async () => {
      const rooms = createRooms<ChatOut>({ maxRoomNameLength: 16 });
      const server = await chatServer(rooms);
      const [a, b] = await peers(server.addresses()[0]!, rooms, 2);
      const failed = waitFor(server.events$, (e: ServerEvent) => e.type === 'processor-error');
      const gone = waitFor(server.events$, (e: ServerEvent) => e.type === 'disconnected');
      a!.send({ kind: 'Join', room: 'x'.repeat(17) });
      const event = (await failed) as Extract<ServerEvent, { type: 'processor-error' }>;
      expect(event.error.cause).to.be.instanceOf(RoomLimitError);
      await gone;
      expect(rooms.size('lobby')).to.equal(1);
      b!.send({ kind: 'Join', room: 'ok' });
      await eventually(() => b!.received.length === 1);
      expect(b!.received).to.deep.equal([{ kind: 'Notice', text: 'joined ok' }]);
    });

    it('refuses bad bounds, and a registry given to a second server', async () => {
      expect(catchError(() => createRooms({ maxRoomsPerPeer: 0 }))).to.be.instanceOf(ConfigError);
      expect(catchError(() => createRooms({ maxRoomNameLength: 1.5 }))).to.be.instanceOf(ConfigError);
      const rooms = createRooms<ChatOut>();
      await chatServer(rooms);
      const second = await createServer({ listen: 'memory://two:0', transports: [memory], protocol: Chat, processor: () => EMPTY, rooms }).catch((e: unknown) => e);
      expect(second).to.be.instanceOf(ConfigError);
      expect((second as ConfigError).field).to.equal('rooms');
    });
  });

  it('reports adapter failures as room-error events, never to the sender', async () => {
    class FailingAdapter extends LocalRoomAdapter {
      override publish(_packet: RoomPacket): Promise<void> {
        return Promise.reject(new Error('bus down'));
      }
      override leaveAll(peerId: number): void {
        super.leaveAll(peerId);
        throw new Error('presence down');
      }
    }
    const rooms = createRooms<ChatOut>({ adapter: new FailingAdapter() });
    const server = await chatServer(rooms);
    const [a] = await peers(server.addresses()[0]!, rooms, 1);
    const failed = waitFor(server.events$, (e: ServerEvent) => e.type === 'room-error');
    expect(server.broadcast({ kind: 'Line', text: 'x' }).delivered).to.equal(1);
    const event = (await failed) as Extract<ServerEvent, { type: 'room-error' }>;
    expect(event.error).to.be.instanceOf(RoomAdapterError);
    expect(event.error.code).to.equal('ROOM_ADAPTER_FAILED');
    expect(event.error.operation).to.equal('publish');
    const left = waitFor(server.events$, (e: ServerEvent) => e.type === 'room-error' && e.error.operation === 'leaveAll');
    a!.destroy();
    await left;
    expect(rooms.size('lobby')).to.equal(0);
  });

  it('encodes a room send once per codec, not once per peer; other sends are encoded as before', async () => {
    let encoded = 0;
    const counting: Codec = { ...textCodec, encodeFrame: (m) => (encoded++, textCodec.encodeFrame(m)) };
    const rooms = createRooms<ChatOut>();
    const server = await createServer({ listen: 'memory://counted:0', transports: [memory], protocol: chatProtocol('counted', counting), processor: chatProcessor(rooms), rooms });
    close.push(() => server.close());
    const list = Array.from({ length: 5 }, () => LinePeer.dial(memory, server.addresses()[0]!));
    close.push(async () => list.forEach((p) => p.destroy()));
    await eventually(() => rooms.size('lobby') === 5);
    encoded = 0;
    expect(server.broadcast({ kind: 'Line', text: 'once' }).delivered).to.equal(5);
    expect(encoded).to.equal(1);
    for (const id of rooms.membersOf('lobby')) server.sendTo(id, { kind: 'Line', text: 'each' });
    expect(encoded).to.equal(6);
    await eventually(() => list.every((p) => p.received.length === 2));
    for (const p of list) expect(p.received).to.deep.equal([{ kind: 'Line', text: 'once' }, { kind: 'Line', text: 'each' }]);
  });

  it('sends to an unattached registry reach nobody, and a join on it is refused', () => {
    const rooms = createRooms<ChatOut>();
    expect(rooms.broadcast({ kind: 'Line', text: 'x' })).to.deep.equal({ delivered: 0, dropped: 0, skipped: 0 });
    expect(rooms.sendTo(1, { kind: 'Line', text: 'x' })).to.equal('not-found');
    expect(() => rooms.join(1, 'a')).to.throw(ConfigError).with.property('field', 'rooms');
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
    return undefined;
  } catch (error) {
    return error;
  }
}
