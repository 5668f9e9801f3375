import { expect } from 'chai';
import { ClusterProcess, LineClient, clientsOnDistinctWorkers } from '../support/cluster-process';

/**
 * Cluster mode end to end: a primary process (fixtures/primary.ts) with two chat workers
 * (fixtures/chat-worker.ts) sharing one TCP port, and raw JSON-lines clients over loopback.
 * Generous timeouts: each process starts ts-node, on a loaded machine.
 */
describe('cluster mode (two worker processes, one port)', function () {
  this.timeout(180_000);
  let primary: ClusterProcess | undefined;
  let clients: LineClient[] = [];

  afterEach(async () => {
    for (const c of clients) c.destroy();
    clients = [];
    if (primary !== undefined) {
      await primary.close().catch(() => primary?.kill());
      primary = undefined;
    }
  });

  async function start(env: Record<string, string> = {}): Promise<{ address: string; a: { client: LineClient; id: number; node: number; pid: number }; b: { client: LineClient; id: number; node: number; pid: number } }> {
    primary = new ClusterProcess(env);
    const addresses = await primary.ready();
    expect(addresses).to.have.length(1);
    const address = addresses[0]!;
    expect(address).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const [a, b] = await clientsOnDistinctWorkers(address, 2);
    clients.push(a!.client, b!.client);
    return { address, a: a!, b: b! };
  }

  it('shares the port; a room send and a broadcast from a client on worker B reach a client on worker A; peer ids carry the node', async () => {
    const { a, b } = await start();
    expect(a.node).to.not.equal(b.node);
    expect(a.pid).to.not.equal(b.pid);
    expect(Math.floor(a.id / 2 ** 32)).to.equal(a.node);
    expect(Math.floor(b.id / 2 ** 32)).to.equal(b.node);
    await a.client.ask({ kind: 'Join', room: 'lobby' }, 'Result', 'Join');
    // Worker B counts only its own members (none): the send crosses to A through the primary.
    expect((await b.client.ask({ kind: 'Say', room: 'lobby', text: 'hello from B' }, 'Result', 'Say')).value).to.equal('0');
    await a.client.next((m) => m.kind === 'Line' && m.text === 'hello from B');
    await b.client.ask({ kind: 'Say', text: 'to everyone' }, 'Result', 'Say');
    await a.client.next((m) => m.kind === 'Line' && m.text === 'to everyone');
    expect(b.client.received.filter((m) => m.kind === 'Line')).to.deep.equal([]);
  });

  it('sendTo and sendToConfirmed reach a peer of the other worker; an unknown peer of a live worker is no-such-peer', async () => {
    const { a, b } = await start();
    expect((await b.client.ask({ kind: 'Direct', to: a.id, text: 'direct' }, 'Result', 'Direct')).value).to.equal('forwarded');
    await a.client.next((m) => m.kind === 'Line' && m.text === 'direct');
    expect((await b.client.ask({ kind: 'Direct', to: a.id, text: 'confirmed', confirmed: true }, 'Result', 'Direct')).value).to.equal('delivered');
    await a.client.next((m) => m.kind === 'Line' && m.text === 'confirmed');
    expect((await b.client.ask({ kind: 'Direct', to: a.id + 1000, text: 'x', confirmed: true }, 'Result', 'Direct')).value).to.equal('PEER_NOT_FOUND:no-such-peer');
  });

  it('a crashed worker is restarted with backoff under a fresh node number and serves again; its peers fail fast as node-down', async () => {
    const { address, a, b } = await start();
    const slotOfA = (await primary!.command<{ slot: number; pid: number }[]>('workers')).find((w) => w.pid === a.pid)!.slot;
    await primary!.command('to-worker', { slot: slotOfA, message: { fixture: 'crash', how: 'exit' } });
    const exit = await primary!.wait((m) => m.event?.type === 'worker-exit');
    expect(exit.event).to.include({ node: a.node, code: 3, expected: false });
    const scheduled = await primary!.wait((m) => m.event?.type === 'restart-scheduled');
    expect(scheduled.event).to.include({ slot: slotOfA, delayMs: 200, failures: 1 });
    await a.client.ended;
    // B was told node A is down: a confirmed send to A's old peer fails at once, a plain one is not-found.
    let value: unknown;
    for (let i = 0; i < 200; i++) {
      value = (await b.client.ask({ kind: 'Direct', to: a.id, text: 'x', confirmed: true, timeoutMs: 60_000 }, 'Result', 'Direct')).value;
      if (value === 'PEER_NOT_FOUND:node-down') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(value).to.equal('PEER_NOT_FOUND:node-down');
    expect((await b.client.ask({ kind: 'Direct', to: a.id, text: 'x' }, 'Result', 'Direct')).value).to.equal('not-found');
    // The restarted worker listens again, with a new node number.
    const listening = await primary!.wait((m) => m.event?.type === 'worker-listening' && m.event.slot === slotOfA && m.event.node !== a.node);
    expect(listening.event!.node).to.be.greaterThan(2);
    const again = await clientsOnDistinctWorkers(address, 2);
    clients.push(...again.map((c) => c.client));
    expect(again.map((c) => c.node)).to.include(listening.event!.node as number);
    expect(again.map((c) => c.node)).to.not.include(a.node);
  });

  it('a worker killed with SIGKILL is restarted too', async () => {
    const { a } = await start();
    const slotOfA = (await primary!.command<{ slot: number; pid: number }[]>('workers')).find((w) => w.pid === a.pid)!.slot;
    await primary!.command('kill', { slot: slotOfA, signal: 'SIGKILL' });
    const exit = await primary!.wait((m) => m.event?.type === 'worker-exit');
    expect(exit.event).to.include({ signal: 'SIGKILL', expected: false });
    await primary!.wait((m) => m.event?.type === 'worker-listening' && m.event.slot === slotOfA && m.event.node !== a.node);
  });

  it('close drains: a client mid-stream gets every item, then EOF; the primary exits on its own, holding nothing', async () => {
    const { a } = await start();
    a.client.send({ kind: 'Stream', count: 15, everyMs: 40 });
    await a.client.next((m) => m.kind === 'Item' && m.n === 0);
    const closed = primary!.close();
    await a.client.ended;
    expect(a.client.received.filter((m) => m.kind === 'Item').map((m) => m.n)).to.deep.equal(Array.from({ length: 15 }, (_, i) => i));
    const { resources, code } = await closed;
    primary = undefined;
    expect(code).to.equal(0);
    expect(resources.filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap')).to.deep.equal([]);
  });

  it('a graceful close reports no IPC drops (a worker exiting is not announced to the ones already leaving)', async () => {
    await start();
    const closing = primary!;
    const { code } = await closing.close();
    primary = undefined;
    expect(code).to.equal(0);
    expect(closing.events('worker-exit')).to.have.length(2);
    expect(closing.events('ipc-dropped'), JSON.stringify(closing.said.slice(-10))).to.deep.equal([]);
  });

  it('snapshot lists every worker; a worker that does not answer, or whose snapshot() throws, is listed with a timeout', async () => {
    const { a, b } = await start();
    const all = await primary!.command<{ workers: { node: number; snapshot?: { connections: unknown[] }; error?: string }[] }>('snapshot', { timeoutMs: 10_000 });
    expect(all.workers.map((w) => w.node).sort()).to.deep.equal([a.node, b.node].sort());
    for (const w of all.workers) expect(w.snapshot!.connections).to.have.length(1);
    const slotOfA = (await primary!.command<{ slot: number; pid: number }[]>('workers')).find((w) => w.pid === a.pid)!.slot;
    await primary!.command('to-worker', { slot: slotOfA, message: { fixture: 'block', ms: 4000 } });
    const stuck = await primary!.command<{ workers: { node: number; snapshot?: unknown; error?: string }[] }>('snapshot', { timeoutMs: 500 });
    expect(stuck.workers.find((w) => w.node === a.node)).to.include({ error: 'timeout' });
    expect(stuck.workers.find((w) => w.node === b.node)!.snapshot).to.not.equal(undefined);
    await primary!.wait((m) => m.fromWorker?.fixture === 'unblocked');
    // A snapshot() that throws in a worker is reported there and leaves that worker listed without one; the worker goes on.
    const slotOfB = (await primary!.command<{ slot: number; pid: number }[]>('workers')).find((w) => w.pid === b.pid)!.slot;
    await primary!.command('to-worker', { slot: slotOfB, message: { fixture: 'break-snapshot' } });
    await primary!.wait((m) => m.fromWorker?.fixture === 'snapshot-broken');
    const broken = await primary!.command<{ workers: { node: number; snapshot?: unknown; error?: string }[] }>('snapshot', { timeoutMs: 1_000 });
    expect(broken.workers.find((w) => w.node === b.node)).to.include({ error: 'timeout' });
    expect(broken.workers.find((w) => w.node === a.node)!.snapshot).to.not.equal(undefined);
    await primary!.wait((m) => m.fromWorker?.fixture === 'room-error' && m.fromWorker.operation === 'snapshot');
    expect((await primary!.command<{ pid: number }[]>('workers')).map((w) => w.pid).sort()).to.deep.equal([a.pid, b.pid].sort());
  });

  it('IPC bound: a flood of broadcasts to a stuck worker is dropped and counted, not queued; both sides report it', async () => {
    const { a, b } = await start({ FIXTURE_MAX_IN_FLIGHT: '64' });
    const workers = await primary!.command<{ slot: number; pid: number }[]>('workers');
    const slotOfA = workers.find((w) => w.pid === a.pid)!.slot;
    const slotOfB = workers.find((w) => w.pid === b.pid)!.slot;
    await primary!.command('to-worker', { slot: slotOfA, message: { fixture: 'block', ms: 6000 } });
    await primary!.command('to-worker', { slot: slotOfB, message: { fixture: 'flood', count: 40_000 } });
    const dropped = await primary!.wait((m) => m.event?.type === 'ipc-dropped' && m.event.node === a.node);
    expect(dropped.event!.count).to.be.greaterThan(0);
    expect(dropped.event!.inFlight).to.be.at.most(64);
    // The sending worker hears of it as a room-error with a RemoteDeliveryError.
    const reported = await primary!.wait((m) => m.fromWorker?.fixture === 'room-error' && m.fromWorker.node === b.node);
    expect(reported.fromWorker).to.include({ operation: 'ipc', cause: 'REMOTE_UNDELIVERED' });
    expect(reported.fromWorker!.count).to.be.greaterThan(0);
    // A serves again once unstuck; later broadcasts reach it.
    await primary!.wait((m) => m.fromWorker?.fixture === 'unblocked', 60_000);
    for (let i = 0; i < 100; i++) {
      await b.client.ask({ kind: 'Say', text: `after ${i}` }, 'Result', 'Say');
      if (a.client.received.some((m) => m.kind === 'Line' && m.text === `after ${i}`)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await a.client.next((m) => m.kind === 'Line' && String(m.text).startsWith('after'));
  });
});

describe('cluster mode: refused definitions', function () {
  this.timeout(120_000);

  it('an soe:// listener fails the start with a ConfigError (UDP cannot be shared by workers); the primary exits cleanly', async () => {
    const primary = new ClusterProcess({ FIXTURE_LISTEN: 'tcp://127.0.0.1:0,soe://127.0.0.1:0/chat', FIXTURE_WORKERS: '1' });
    const failed = await primary.wait((m) => m.failed !== undefined, 90_000);
    expect(failed.failed).to.include({ code: 'CONFIG_INVALID', field: 'listen' });
    const { code } = await primary.close();
    expect(code).to.equal(0);
  });

  it('a build that throws fails the start with a WorkerFailedError carrying its code; nothing is restarted', async () => {
    const primary = new ClusterProcess({ FIXTURE_LISTEN: 'bogus://127.0.0.1:0', FIXTURE_WORKERS: '2' });
    const failed = await primary.wait((m) => m.failed !== undefined, 90_000);
    expect(failed.failed).to.include({ code: 'WORKER_FAILED', remoteCode: 'ADDRESS_INVALID' });
    const { code } = await primary.close();
    expect(code).to.equal(0);
    expect(primary.events('restart-scheduled')).to.deep.equal([]);
  });
});
