import { expect } from 'chai';
import { filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { CancelledError, RemoteError, RequestLimitError, createClient, type ClientEvent, type Peer, type ServerEvent } from '@rxmsg/node';
import { ROOMS_CLIENT_CONFIG, RoomHistory, RoomsProtocol, connectRoomsClient, startRoomsServer, type RoomsClient, type RoomsServerOptions } from '@rxmsg-examples/tutorials';
import { RawSocket, eventually } from '@rxmsg/test-utils';

const LOOPBACK = 'tcp://127.0.0.1:0';

describe('tutorial 4: a chat with rooms and typed requests', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    // Clients first, then servers.
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function server(options: RoomsServerOptions = {}) {
    const s = await startRoomsServer(LOOPBACK, options);
    closers.push(() => s.close());
    return s;
  }
  function client(address: string): RoomsClient {
    const c = connectRoomsClient(address);
    closers.push(() => c.client.close());
    return c;
  }

  it('Join answers with the members; Say reaches the other members of the room, not the sender', async () => {
    const s = await server();
    const ada = client(s.addresses()[0]!);
    const bob = client(s.addresses()[0]!);
    const carl = client(s.addresses()[0]!);
    const adaSaw: unknown[] = [];
    ada.said$.subscribe((m) => adaSaw.push(m));
    const [adaId] = await ada.join('lobby');
    const members = await bob.join('lobby');
    expect(members).to.have.length(2).and.include(adaId);
    await carl.join('elsewhere');
    const carlSaw: unknown[] = [];
    carl.said$.subscribe((m) => carlSaw.push(m));
    const heard = firstValueFrom(ada.said$);
    bob.say('lobby', 'hi all');
    carl.say('lobby', 'not a member: ignored');
    expect(await heard).to.deep.equal({ kind: 'Said', room: 'lobby', from: members.find((id) => id !== adaId), text: 'hi all' });
    // Bob asks for the history after his Say: the server handled it, in order, before the request.
    expect(await lastValueFrom(bob.history$('lobby').pipe(toArray()))).to.have.length(1);
    expect(adaSaw).to.have.length(1);
    expect(carlSaw).to.deep.equal([]);
  });

  it('History answers a stream of the last lines, oldest first, and completes', async () => {
    const s = await server();
    const ada = client(s.addresses()[0]!);
    await ada.join('lobby');
    for (const text of ['one', 'two', 'three']) ada.say('lobby', text);
    const lines = await lastValueFrom(ada.history$('lobby').pipe(toArray()));
    expect(lines.map((l) => l.text)).to.deep.equal(['one', 'two', 'three']);
    expect(lines[0]).to.deep.equal({ kind: 'Line', from: 1, text: 'one' });
    expect(await lastValueFrom(ada.history$('empty').pipe(toArray()))).to.deep.equal([]);
  });

  // #region cancel
  it('a stream cancelled by take(1), or by an AbortSignal, leaves the connection working', async () => {
    const s = await server();
    const ada = client(s.addresses()[0]!);
    await ada.join('lobby');
    for (const text of ['one', 'two', 'three']) ada.say('lobby', text);
    await lastValueFrom(ada.history$('lobby').pipe(toArray())); // the three Says are handled
    expect(await firstValueFrom(ada.history$('lobby').pipe(take(1)))).to.deep.include({ text: 'one' });
    const controller = new AbortController();
    const aborted = lastValueFrom(ada.history$('lobby', { signal: controller.signal }));
    controller.abort('changed my mind');
    const error: unknown = await aborted.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CancelledError).and.have.property('code', 'CANCELLED');
    expect(await ada.join('after')).to.have.length(1);
  });
  // #endregion

  it('a take(1) that cancels a stream: the lines already on their way, and the late $cancel, are dropped as uncorrelated', async () => {
    const s = await server();
    const serverEvents: ServerEvent[] = [];
    s.events$.subscribe((e) => serverEvents.push(e));
    const ada = client(s.addresses()[0]!);
    const events: ClientEvent[] = [];
    ada.client.events$.subscribe((e) => events.push(e));
    await ada.join('lobby');
    for (const text of ['one', 'two', 'three']) ada.say('lobby', text);
    await lastValueFrom(ada.history$('lobby').pipe(toArray()));
    await firstValueFrom(ada.history$('lobby').pipe(take(1)));
    await eventually(() => events.some((e) => e.type === 'message-dropped'), 5000, 'a late Line dropped');
    expect(events.find((e) => e.type === 'message-dropped')).to.include({ direction: 'in', cause: 'uncorrelated' });
    // The server had ended the stream when the $cancel came: it drops the $cancel the same way.
    await eventually(() => serverEvents.some((e) => e.type === 'message-dropped'), 5000, 'the late $cancel dropped');
    expect(serverEvents.find((e) => e.type === 'message-dropped')).to.include({ direction: 'in', cause: 'uncorrelated' });
  });

  it('past maxRequestsInFlight a request fails at once with a RequestLimitError, and nothing is sent', async () => {
    const s = await server({ maxRoomsPerPeer: 16 });
    const ada = client(s.addresses()[0]!);
    await ada.join('lobby');
    const joins = Array.from({ length: ROOMS_CLIENT_CONFIG.maxRequestsInFlight + 1 }, (_, i) => ada.join(`room-${i}`).catch((e: unknown) => e));
    const results = await Promise.all(joins);
    expect(results.slice(0, -1).every((r) => Array.isArray(r))).to.equal(true);
    expect(results.at(-1)).to.be.instanceOf(RequestLimitError).and.have.property('code', 'REQUEST_LIMIT');
    expect(s.rooms.roomsOf(1)).to.have.length(ROOMS_CLIENT_CONFIG.maxRequestsInFlight + 1); // lobby and 8 rooms, not room-8
  });

  // #region room-limit
  it('past maxRoomsPerPeer, Join fails with the RemoteError the handler threw, and the connection stays', async () => {
    const s = await server({ maxRoomsPerPeer: 2 });
    const ada = client(s.addresses()[0]!);
    await ada.join('a');
    await ada.join('b');
    expect(await ada.join('a')).to.have.length(1); // rejoining a room is no new room
    const error: unknown = await ada.join('c').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RemoteError).and.include({ code: 'REMOTE_ERROR', remoteCode: 'ROOM_LIMIT' });
    expect(s.rooms.roomsOf(1)).to.have.members(['a', 'b']);
    expect(await lastValueFrom(ada.history$('a').pipe(toArray()))).to.deep.equal([]);
  });
  // #endregion

  // #region ping
  it('the server pings; a client that answers stays, one that does not is closed after the timeout', async () => {
    const s = await server({ ping: { everyMs: 20, timeoutMs: 1_500 } });
    const events: ServerEvent[] = [];
    s.events$.subscribe((e) => events.push(e));
    const ada = client(s.addresses()[0]!);
    const pings = firstValueFrom(ada.client.messages$.pipe(filter((m) => m.kind === 'Ping'), take(3), toArray()));
    expect(await pings).to.have.length(3);
    // A client without a processor answers nothing.
    const mute = createClient({ connect: s.addresses()[0]!, protocol: RoomsProtocol });
    closers.push(() => mute.close());
    await mute.closed;
    await eventually(() => events.some((e) => e.type === 'disconnected'), 5000, 'the mute client disconnected');
    const gone = events.find((e) => e.type === 'disconnected');
    expect(gone).to.include({ peerId: 2, reason: 'local-close' });
    expect(events.some((e) => e.type === 'disconnected' && e.peerId === 1)).to.equal(false);
    expect(await ada.join('still-here')).to.deep.equal([1]);
  });
  // #endregion

  // #region reconnect
  it('after a reconnect the client has rejoined its rooms on the new connection', async () => {
    const s = await server();
    const handles: Peer<unknown, unknown, unknown>[] = [];
    s.connections$.subscribe((p) => handles.push(p));
    const ada = client(s.addresses()[0]!);
    const bob = client(s.addresses()[0]!);
    await ada.join('lobby');
    await bob.join('lobby');
    const adaFirst = handles[0]!;
    expect(s.rooms.membersOf('lobby')).to.have.members([1, 2]);
    await adaFirst.close(); // the server ends ada's connection; her client reconnects (peer 3)
    await eventually(() => s.rooms.membersOf('lobby').includes(3), 5000, 'ada rejoined as peer 3');
    expect(s.rooms.membersOf('lobby')).to.have.members([2, 3]);
    const heard = firstValueFrom(ada.said$);
    bob.say('lobby', 'welcome back');
    expect(await heard).to.include({ from: 2, text: 'welcome back' });
  });
  // #endregion

  // #region slow-reader
  it('a reader that falls behind loses old Said from its lane, never a reply', async () => {
    const s = await server();
    const events: ServerEvent[] = [];
    s.events$.subscribe((e) => events.push(e));
    const raw = await RawSocket.connect(s.addresses()[0]!);
    closers.push(async () => {
      raw.socket.destroy();
      await raw.ended;
    });
    raw.socket.write('{"kind":"Join","room":"lobby","rid":1}\n');
    expect(await raw.lineCount(1)).to.deep.equal(['{"kind":"Joined","room":"lobby","members":[1],"rid":1}']);
    raw.socket.pause(); // stops reading: the kernel buffers fill, then the server's queues
    const SENT = 60_000;
    for (let i = 0; i < SENT; i++) s.to('lobby').send({ kind: 'Said', room: 'lobby', from: 0, text: `news ${i}` });
    await eventually(() => events.some((e) => e.type === 'message-dropped' && e.lane === 'chatter'), 5000, 'a Said dropped');
    const dropped = events.find((e) => e.type === 'message-dropped');
    expect(dropped).to.include({ cause: 'drop-oldest', direction: 'out', lane: 'chatter' });
    raw.socket.write('{"kind":"History","room":"lobby","rid":2}\n');
    raw.socket.resume();
    await eventually(() => raw.lines().some((l) => l.includes('"rid":2')), 10_000, 'the end of the History stream');
    const lines = raw.lines();
    const said = lines.filter((l) => l.includes('"Said"'));
    expect(said.length).to.be.below(SENT);
    await eventually(() => raw.lines().some((l) => l.includes(`news ${SENT - 1}"`)), 10_000, 'the newest Said');
    expect(lines).to.include('{"kind":"$end","rid":2}');
    expect(s.snapshot().connections).to.have.length(1);
  });
  // #endregion

  it('RoomHistory keeps at most maxLines per room and maxRooms rooms, forgetting the least recent', () => {
    const history = new RoomHistory(2, 3);
    for (const text of ['1', '2', '3', '4']) history.add('a', { from: 1, text });
    expect(history.lines('a').map((l) => l.text)).to.deep.equal(['2', '3', '4']);
    history.add('b', { from: 1, text: 'b' });
    history.add('a', { from: 1, text: '5' });
    history.add('c', { from: 1, text: 'c' }); // 'b' was written to least recently
    expect(history.lines('b')).to.deep.equal([]);
    expect(history.lines('a').map((l) => l.text)).to.deep.equal(['3', '4', '5']);
  });
});
