import { expect } from 'chai';
import { concat, filter, firstValueFrom, ignoreElements, map, merge, mergeMap, of, range, scan, take, toArray } from 'rxjs';
import { clientStage, createClient, createCompositeClient, type ServerEvent } from '@rxmsg/node';
import {
  LobbyChat,
  Notes,
  NotesLogin,
  Watch,
  Who,
  connectCounter,
  requestsDemo,
  startCounterServer,
  startLobby,
  startNotesServer,
  startWatchServer,
  startWhoServer,
} from '@rxmsg-examples/tutorials';
import { eventually, tcpFaultProxy } from '@rxmsg/test-utils';

const LOOPBACK = 'tcp://127.0.0.1:0';

/** The samples of the README's sections, run. */
describe('README samples', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('request/response: Get is answered with its Value', async () => {
    expect(await requestsDemo()).to.equal('1');
  });

  it('rooms: a Say reaches the other lobby members, and a broadcast every peer', async () => {
    const server = await startLobby(LOOPBACK);
    closers.push(() => server.close());
    const ada = createClient({ connect: server.addresses()[0]!, protocol: LobbyChat });
    const bob = createClient({ connect: server.addresses()[0]!, protocol: LobbyChat });
    closers.push(() => ada.close(), () => bob.close());
    const bobSaw: unknown[] = [];
    bob.messages$.subscribe((m) => bobSaw.push(m));
    const adaSaw: unknown[] = [];
    ada.messages$.subscribe((m) => adaSaw.push(m));
    await eventually(() => server.rooms.size('lobby') === 2, 5000, 'both in the lobby');
    bob.send({ kind: 'Say', text: 'hi' });
    await eventually(() => adaSaw.length === 1, 5000, "ada's Said");
    expect(server.broadcast({ kind: 'Notice', text: 'all' })).to.include({ delivered: 2 });
    await eventually(() => adaSaw.length === 2, 5000, "ada's Notice");
    expect(adaSaw).to.deep.equal([
      { kind: 'Said', from: 2, text: 'hi' },
      { kind: 'Notice', text: 'all' },
    ]);
    await eventually(() => bobSaw.length === 1, 5000, "bob's Notice");
    expect(bobSaw).to.deep.equal([{ kind: 'Notice', text: 'all' }]);
  });

  it('lanes: a burst of notifications loses the oldest in its lane, and the reply still arrives', async () => {
    const events: ServerEvent[] = [];
    const server = await startWatchServer(LOOPBACK, (in$) =>
      in$.pipe(mergeMap((m) => concat(range(0, 1000).pipe(map((v) => ({ kind: 'Changed', v }) as const)), of({ kind: 'Reply', id: m.id } as const)))),
    );
    closers.push(() => server.close());
    server.events$.subscribe((e) => events.push(e));
    const client = createClient({
      connect: server.addresses()[0]!,
      protocol: Watch,
      processor: (in$) => merge(of({ kind: 'Get', id: 7 } as const), in$.pipe(filter((m) => m.kind === 'Reply'), take(1), ignoreElements())),
    });
    const received = firstValueFrom(client.messages$.pipe(toArray()));
    await client.closed;
    const messages = await received;
    expect(messages.at(-1)).to.deep.equal({ kind: 'Reply', id: 7 });
    expect(messages.length).to.be.below(1001);
    expect(events.find((e) => e.type === 'message-dropped')).to.include({ lane: 'notify', cause: 'drop-oldest' });
  });

  it('typed stacks: the notes stage sees the logged-in user', async () => {
    const server = await startNotesServer(LOOPBACK);
    closers.push(() => server.close());
    const client = createCompositeClient({
      connect: server.addresses()[0]!,
      stages: {
        login: clientStage(NotesLogin, (in$) => concat(of({ kind: 'Login', user: 'ada' } as const), in$.pipe(take(1), ignoreElements()))),
        notes: clientStage(Notes, (in$) => in$.pipe(take(1), ignoreElements())),
      },
      initialState: () => ({}),
      router: (_state, _peer, previous) => (previous === null ? 'login' : previous === 'login' ? 'notes' : null),
    });
    closers.push(() => client.close());
    const saved = firstValueFrom(client.messages$.pipe(filter((m) => m.kind === 'Saved')));
    client.send({ kind: 'Note', text: 'remember' }); // typed by the stack, waits for the notes stage
    expect(await saved).to.deep.equal({ kind: 'Saved', by: 'ada' });
  });

  it('resumption: a link killed mid-session is resumed; the total counts every Add once', async () => {
    const server = await startCounterServer(LOOPBACK, (in$) =>
      in$.pipe(
        scan((total, m) => total + m.n, 0),
        map((total) => ({ kind: 'Total', total }) as const),
      ),
    );
    closers.push(() => server.close());
    const port = Number(new URL(server.addresses()[0]!.replace('tcp:', 'http:')).port);
    const proxy = await tcpFaultProxy({ targetPort: port, killAfter: () => undefined });
    closers.push(() => proxy.close());
    const log: string[] = [];
    const client = connectCounter(proxy.address, log.push.bind(log));
    closers.push(() => client.close());
    const totals: number[] = [];
    client.messages$.subscribe((m) => totals.push(m.total));
    client.send({ kind: 'Add', n: 1 });
    await eventually(() => totals.length === 1, 5000, 'the first Total');
    proxy.killAll();
    client.send({ kind: 'Add', n: 2 });
    await eventually(() => log.includes('resumed') && totals.length === 2, 10_000, 'resumed, and the second Total');
    expect(totals).to.deep.equal([1, 3]);
    expect(log).to.deep.equal(['reconnecting', 'resumed']);
    expect(server.snapshot().connections.map((c) => c.id)).to.deep.equal([1]);
  });

  it('handshake metadata: a ws:// server reads the query of the upgrade request', async () => {
    const server = await startWhoServer('ws://127.0.0.1:0/who');
    closers.push(() => server.close());
    const client = createClient({ connect: `${server.addresses()[0]!}?token=abc`, protocol: Who });
    closers.push(() => client.close());
    const you = firstValueFrom(client.messages$);
    client.send({ kind: 'WhoAmI' });
    expect(await you).to.deep.equal({ kind: 'You', token: 'abc', cn: null });
  });
});
