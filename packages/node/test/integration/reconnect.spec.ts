import { expect } from 'chai';
import { EMPTY, NEVER, ignoreElements, merge, timer, type Observable } from 'rxjs';
import {
  ClosedError,
  createClient,
  createServer,
  type ClientEvent,
  type ClientStatus,
  type ConfigInput,
  type ReconnectPolicy,
  type ServerProcessor,
} from '@rxmsg/node';
import { activeResources, eventually, leakedResources, waitFor, within } from '@rxmsg/test-utils';
import { TextEcho, echo, pings, pongs, record, type EchoReply, type Ping } from './echo-protocol';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A client processor that sends nothing and ends when the server ends the connection. */
const listen = (in$: Observable<EchoReply>): Observable<Ping> => in$.pipe(ignoreElements());

async function echoServer(listenOn = 'tcp://127.0.0.1:0', processor: ServerProcessor<typeof TextEcho> = echo) {
  const s = await createServer({ listen: listenOn, protocol: TextEcho, processor, config: { flushTimeoutMs: 500 } });
  cleanup.push(() => s.close());
  return s;
}

function reconnectingClient(address: string, config: ConfigInput<'client'>) {
  const client = createClient({ connect: address, protocol: TextEcho, processor: listen, config });
  cleanup.push(() => client.close());
  const statuses: ClientStatus[] = [];
  client.status$.subscribe((s) => statuses.push(s));
  const events = record(client.events$);
  const got: EchoReply[] = [];
  client.messages$.subscribe((m) => got.push(m));
  return { client, statuses, events: events.events, got };
}

function ofType<T extends ClientEvent['type']>(events: readonly ClientEvent[], type: T): Extract<ClientEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
}

/** Statuses as short strings, addresses left out. */
function brief(statuses: readonly ClientStatus[]): string[] {
  return statuses.map((s) =>
    s.state === 'connecting'
      ? `connecting ${s.attempt}`
      : s.state === 'reconnecting'
        ? `reconnecting ${s.attempt} in ${s.delayMs}`
        : s.state === 'closed' && s.error !== undefined
          ? `closed ${s.error.code}`
          : s.state,
  );
}

const SLOW: ReconnectPolicy = { initialMs: 200, maxMs: 1000, factor: 2, jitter: 0, maxAttempts: Infinity, stableAfterMs: 10_000 };

describe('client reconnection over TCP', () => {
  it('reconnects to a server restarted on the same port, sending what was queued meanwhile, in order', async () => {
    const first = await echoServer();
    const address = first.addresses()[0]!;
    const c = reconnectingClient(address, { reconnect: SLOW });
    await waitFor(c.client.status$, (s) => s.state === 'connected', 2000);
    expect(c.client.send({ kind: 'Ping', n: 0 })).to.equal(true);
    await eventually(() => c.got.length === 1, 2000, 'first answer');

    await first.close();
    await waitFor(c.client.status$, (s) => s.state === 'reconnecting', 2000);
    for (const p of pings(1, 21)) expect(c.client.send(p)).to.equal(true);
    await echoServer(address);

    await eventually(() => c.got.length === 21, 5000, 'answers after reconnecting');
    expect(c.got).to.deep.equal(pongs(0, 21));
    expect(brief(c.statuses)).to.deep.equal(['connecting 1', 'connected', 'reconnecting 1 in 200', 'connected']);
    expect(ofType(c.events, 'disconnected').map((e) => [e.peerId, e.reason])).to.deep.equal([[1, 'completed']]);
    expect(ofType(c.events, 'connected').map((e) => e.peerId)).to.deep.equal([1, 2]);
    expect(ofType(c.events, 'send-dropped')).to.deep.equal([]);
  });

  describe('notices a graceful server shutdown whatever its processor is doing', () => {
    const cases: [string, (in$: Observable<EchoReply>) => Observable<Ping>][] = [
      ['a processor that outlives its input (merge of requests and replies)', (in$) => merge(NEVER, in$.pipe(ignoreElements()))],
      ['a processor that never reads its input', () => NEVER],
    ];
    for (const [name, processor] of cases) {
      it(`${name}: disconnected (remote-closed), then reconnects`, async () => {
        const first = await echoServer();
        const address = first.addresses()[0]!;
        const client = createClient({ connect: address, protocol: TextEcho, processor, config: { reconnect: SLOW } });
        cleanup.push(() => client.close());
        const statuses: ClientStatus[] = [];
        client.status$.subscribe((st) => statuses.push(st));
        const events = record(client.events$);
        await waitFor(client.status$, (st) => st.state === 'connected', 2000);

        await first.close();
        await waitFor(client.status$, (st) => st.state === 'reconnecting', 5000);
        expect(ofType(events.events, 'disconnected').map((e) => [e.peerId, e.reason])).to.deep.equal([[1, 'remote-closed']]);
        await echoServer(address);
        await waitFor(client.status$, (st) => st.state === 'connected', 5000);
        expect(brief(statuses)).to.deep.equal(['connecting 1', 'connected', 'reconnecting 1 in 200', 'connected']);
      });
    }

    it("without reconnect, the client closes instead of staying 'connected'", async () => {
      const s = await echoServer();
      const client = createClient({
        connect: s.addresses()[0]!,
        protocol: TextEcho,
        processor: (in$) => merge(NEVER, in$.pipe(ignoreElements())),
      });
      cleanup.push(() => client.close());
      const events = record(client.events$);
      await waitFor(client.status$, (st) => st.state === 'connected', 2000);
      await s.close();
      await client.closed;
      expect(ofType(events.events, 'disconnected').map((e) => e.reason)).to.deep.equal(['remote-closed']);
    });
  });

  it("'drop' refuses messages while reconnecting; 'error' throws a ClosedError", async () => {
    const s = await echoServer();
    const address = s.addresses()[0]!;
    const dropping = reconnectingClient(address, { reconnect: SLOW, whileDisconnected: 'drop' });
    const throwing = reconnectingClient(address, { reconnect: SLOW, whileDisconnected: 'error' });
    await waitFor(dropping.client.status$, (st) => st.state === 'connected', 2000);
    await waitFor(throwing.client.status$, (st) => st.state === 'connected', 2000);
    await s.close();
    await waitFor(dropping.client.status$, (st) => st.state === 'reconnecting', 2000);
    await waitFor(throwing.client.status$, (st) => st.state === 'reconnecting', 2000);

    expect(dropping.client.send({ kind: 'Ping', n: 1 })).to.equal(false);
    expect(ofType(dropping.events, 'send-dropped')).to.deep.equal([
      { type: 'send-dropped', cause: 'disconnected', message: { kind: 'Ping', n: 1 } },
    ]);
    expect(() => throwing.client.send({ kind: 'Ping', n: 1 })).to.throw(ClosedError).with.property('code', 'CLOSED');

    await echoServer(address);
    await waitFor(dropping.client.status$, (st) => st.state === 'connected', 2000);
    await waitFor(throwing.client.status$, (st) => st.state === 'connected', 2000);
    expect(dropping.client.send({ kind: 'Ping', n: 2 })).to.equal(true);
    expect(throwing.client.send({ kind: 'Ping', n: 2 })).to.equal(true);
    await eventually(() => dropping.got.length === 1 && throwing.got.length === 1, 2000, 'answers');
    expect([dropping.got, throwing.got]).to.deep.equal([pongs(2, 3), pongs(2, 3)]);
  });

  it('close() during a reconnect wait stops it at once and leaves no handles', async () => {
    const before = await activeResources();
    const s = await echoServer();
    const c = reconnectingClient(s.addresses()[0]!, { reconnect: { ...SLOW, initialMs: 60_000, maxMs: 60_000 } });
    await waitFor(c.client.status$, (st) => st.state === 'connected', 2000);
    await s.close();
    await waitFor(c.client.status$, (st) => st.state === 'reconnecting', 2000);
    expect(c.client.send({ kind: 'Ping', n: 1 })).to.equal(true);
    // At once, not after the 60 s reconnect delay (the bound is the test's, far from both).
    await within(c.client.close(), 10_000, 'close() during the reconnect wait');
    expect(brief(c.statuses)).to.deep.equal(['connecting 1', 'connected', 'reconnecting 1 in 60000', 'closed']);
    expect(c.events.slice(-2)).to.deep.equal([
      { type: 'send-dropped', cause: 'closed', message: { kind: 'Ping', n: 1 } },
      { type: 'closed' },
    ]);
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('counts attempts up while connections are lost before stableAfterMs, and starts again at 1 after a stable one', async () => {
    // Connections 1 and 4 live 350 ms (stable: stableAfterMs is 250), 2 and 3 are closed by the server at once, 5 stays.
    let accepted = 0;
    const lifetimes = [350, 0, 0, 350];
    const s = await echoServer('tcp://127.0.0.1:0', (in$) => {
      const ms = lifetimes[accepted++];
      if (ms === undefined) return echo(in$);
      return ms === 0 ? EMPTY : timer(ms).pipe(ignoreElements());
    });
    const c = reconnectingClient(s.addresses()[0]!, {
      reconnect: { initialMs: 10, maxMs: 1000, factor: 2, jitter: 0, maxAttempts: 10, stableAfterMs: 250 },
    });
    await eventually(() => ofType(c.events, 'connected').length === 5, 5000, 'fifth connection');
    expect(ofType(c.events, 'reconnecting').map((e) => [e.attempt, e.delayMs])).to.deep.equal([
      [1, 10],
      [2, 20],
      [3, 40],
      [1, 10],
    ]);
    expect(brief(c.statuses).filter((st) => st !== 'connected')).to.deep.equal([
      'connecting 1',
      'reconnecting 1 in 10',
      'reconnecting 2 in 20',
      'reconnecting 3 in 40',
      'reconnecting 1 in 10',
    ]);
  });

  it('without a reconnect policy, closes when the server closes, as before', async () => {
    const s = await echoServer();
    const c = reconnectingClient(s.addresses()[0]!, {});
    await waitFor(c.client.status$, (st) => st.state === 'connected', 2000);
    await s.close();
    await c.client.closed;
    expect(brief(c.statuses)).to.deep.equal(['connecting 1', 'connected', 'closed']);
  });
});
