import { expect } from 'chai';
import type { Subscription } from 'rxjs';
import { ClosedError, type ServerEvent, type ServerMessage } from '@rxmsg/node';
import { Kv, connectKv, startKvServer } from '@rxmsg-examples/kv';
import { activeResources, eventually, leakedResources, tcpFaultProxy, type TcpFaultProxy } from '@rxmsg/test-utils';

const USERS = new Map([['ada', 'lovelace'], ['bob', 'builder']]);
/** Generous bound for waits on a loaded machine; never a measured time. */
const WAIT_MS = 10_000;
/** Values big enough that a stalled watcher's socket buffers fill after a few dozen changes. */
const BIG = 'x'.repeat(256 * 1024);
/** Puts at most while waiting for the stalled watcher's notify lane to drop (100 MiB: past any loopback buffer). */
const MAX_PUTS = 400;

type Changed = Extract<ServerMessage<typeof Kv>, { kind: 'Changed' }>;

describe('the key-value example over TCP (text login stacked over binary kv)', () => {
  let kvServer: Awaited<ReturnType<typeof startKvServer>>;
  let events: ServerEvent[];
  let proxy: TcpFaultProxy | undefined;
  let before: Awaited<ReturnType<typeof activeResources>>;
  const clients: ReturnType<typeof connectKv>[] = [];
  /** Watches to end before the clients close (a watch still running when its client closes errors with ClosedError). */
  const watches: Subscription[] = [];
  const connect = (user: string, password: string, address = kvServer.server.addresses()[0]!) => {
    const c = connectKv(address, user, password);
    clients.push(c);
    return c;
  };
  const stalledProxy = async () => {
    const port = Number(new URL(kvServer.server.addresses()[0]!).port);
    proxy = await tcpFaultProxy({ targetPort: port, killAfter: () => undefined });
    return proxy;
  };

  beforeEach(async () => {
    before = await activeResources();
    kvServer = await startKvServer('tcp://127.0.0.1:0', USERS);
    events = [];
    kvServer.server.events$.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    for (const w of watches.splice(0)) w.unsubscribe();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await proxy?.close();
    proxy = undefined;
    await kvServer.server.close();
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('logs in, puts and gets; another client watches, then cancels and the server handler ends', async () => {
    const ada = connect('ada', 'lovelace');
    const bob = connect('bob', 'builder');
    // Requests made before the login is done wait for the kv stage.
    expect(await ada.get('k')).to.equal(null);
    const seen: Changed[] = [];
    const watch = bob.watch('k').subscribe((c) => seen.push(c));
    await eventually(() => kvServer.watches() === 1, WAIT_MS, 'the watch running on the server');
    await ada.put('k', 'one');
    await ada.put('k', 'two');
    await eventually(() => seen.length === 2, WAIT_MS, 'two changes');
    expect(seen).to.deep.equal([
      { kind: 'Changed', key: 'k', value: 'one', by: 'ada' },
      { kind: 'Changed', key: 'k', value: 'two', by: 'ada' },
    ]);
    expect(await bob.get('k')).to.equal('two');
    watch.unsubscribe(); // sends $cancel: the server's Watch handler is unsubscribed
    await eventually(() => kvServer.watches() === 0, WAIT_MS, 'the watch handler ended');
    await ada.put('k', 'three');
    expect(await bob.get('k')).to.equal('three');
    expect(seen).to.have.length(2);
    expect(events.filter((e) => e.type === 'processor-error')).to.deep.equal([]);
  });

  it('a watcher that stops reading loses old changes (drop-oldest lane) while its replies stay lossless', async () => {
    const ada = connect('ada', 'lovelace');
    const p = await stalledProxy();
    const slow = connect('bob', 'builder', p.address);
    const seen: string[] = [];
    watches.push(slow.watch('big').subscribe((c) => seen.push(c.value.slice(BIG.length))));
    await eventually(() => kvServer.watches() === 1, WAIT_MS, 'the watch running on the server');
    p.stalled = true;
    const dropped = () => events.filter((e) => e.type === 'message-dropped' && e.lane === 'notify').length;
    let puts = 0;
    while (dropped() === 0 && puts < MAX_PUTS) await ada.put('big', BIG + ++puts);
    expect(dropped()).to.be.greaterThan(0);
    // Replies asked for while stalled wait in the default lane: none is dropped.
    const gets = Promise.all([slow.get('big'), slow.get('big'), slow.get('missing')]);
    await ada.put('big', BIG + 'last');
    p.stalled = false;
    const [first, second, missing] = await gets;
    expect(first!.slice(BIG.length)).to.match(/^(\d+|last)$/);
    expect(second!.slice(BIG.length)).to.match(/^(\d+|last)$/);
    expect(missing).to.equal(null);
    await eventually(() => seen.at(-1) === 'last', WAIT_MS, 'the newest change');
    expect(seen.length).to.be.lessThan(puts + 1);
    expect(seen.length + dropped()).to.equal(puts + 1);
    // Changes arrive in order, with a gap where the oldest were dropped.
    const numbers = seen.slice(0, -1).map(Number);
    expect(numbers).to.deep.equal([...numbers].sort((a, b) => a - b));
    expect(events.filter((e) => e.type === 'message-dropped' && e.lane !== 'notify')).to.deep.equal([]);
  });

  it('resends idempotent requests after the connection is lost (logging in again); the watch starts over', async () => {
    const p = await stalledProxy();
    const ada = connect('ada', 'lovelace', p.address);
    await ada.put('k', 'kept');
    const seen: string[] = [];
    watches.push(ada.watch('k').subscribe((c) => seen.push(c.value)));
    await eventually(() => kvServer.watches() === 1, WAIT_MS, 'the watch running on the server');
    p.stalled = true; // the server's replies stop on the way
    const messagesIn = kvServer.server.snapshot().connections[0]!.messagesIn;
    const get = ada.get('k');
    await eventually(() => kvServer.server.snapshot().connections[0]!.messagesIn > messagesIn, WAIT_MS, 'the Get read by the server');
    p.killAll(); // the reply is lost with the connection
    p.stalled = false;
    expect(await get).to.equal('kept');
    expect(events.filter((e) => e.type === 'connected')).to.have.length(2);
    // The new connection logged in again and the Get and the Watch were sent again on it. (The server
    // learns that the old one is gone when it next writes to it, or at once if the kill reset it.)
    const latest = () => kvServer.server.snapshot().connections.find((c) => c.id === 2);
    await eventually(() => (latest()?.messagesIn ?? 0) >= 3, WAIT_MS, 'Login, Get and Watch on the new connection');
    const writer = connect('bob', 'builder');
    await writer.put('k', 'changed');
    await eventually(() => seen.includes('changed'), WAIT_MS, 'the change seen by the resent watch');
  });

  it('a denied login ends the connection: the client closes, its requests fail with ClosedError', async () => {
    const mallory = connect('ada', 'wrong');
    const verdicts: unknown[] = [];
    mallory.client.messages$.subscribe((m) => verdicts.push(m));
    const get = mallory.get('k').catch((e: unknown) => e);
    await mallory.client.closed;
    expect(await get).to.be.instanceOf(ClosedError);
    expect(verdicts).to.deep.equal([{ kind: 'Denied', reason: 'bad credentials' }]);
    expect(events.filter((e) => e.type === 'connected')).to.have.length(1);
  });
});
