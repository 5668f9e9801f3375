import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterProcess, LineClient, clientsOnDistinctWorkers } from '../support/cluster-process';

/**
 * Cluster mode under abuse: the primary fixture and chat workers as in cluster.spec.ts, driven
 * into races (close while the workers start, membership changes while a worker is stuck) and fed
 * forged rxmsg messages by the workers' own application code.
 */
describe('cluster mode under abuse', function () {
  this.timeout(240_000);
  let primary: ClusterProcess | undefined;
  let clients: LineClient[] = [];
  let dir: string | undefined;

  afterEach(async () => {
    for (const c of clients) c.destroy();
    clients = [];
    if (primary !== undefined) {
      await primary.close().catch(() => primary?.kill());
      primary = undefined;
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('close() while the workers are still starting: each worker gets the shutdown once it runs, exits 0 (no SIGKILL)', async () => {
    primary = new ClusterProcess({ FIXTURE_SHUTDOWN_MS: '60000' });
    // Sent at once: the primary closes right after forking, before the workers' modules ran.
    const closing = primary.close();
    await primary.wait((m) => m.event?.type === 'closed', 200_000, 'the closed event');
    expect(primary.events('worker-killed')).to.deep.equal([]);
    const exits = primary.events('worker-exit');
    expect(exits).to.have.length(2);
    for (const e of exits) expect(e).to.include({ code: 0, signal: null, expected: true });
    const { code } = await closing;
    primary = undefined;
    expect(code).to.equal(0);
  });

  it('a worker stuck with a full IPC outbox still learns of a restarted worker: after it unblocks, sends to the new node are delivered', async () => {
    primary = new ClusterProcess({ FIXTURE_MAX_IN_FLIGHT: '64' });
    const address = (await primary.ready())[0]!;
    const [a, b] = await clientsOnDistinctWorkers(address, 2);
    clients.push(a!.client, b!.client);
    const workers = await primary.command<{ slot: number; pid: number }[]>('workers');
    const slotOfA = workers.find((w) => w.pid === a!.pid)!.slot;
    const slotOfB = workers.find((w) => w.pid === b!.pid)!.slot;
    dir = mkdtempSync(join(tmpdir(), 'rxmsg-cluster-'));
    const unblock = join(dir, 'unblock');
    await primary.command('to-worker', { slot: slotOfA, message: { fixture: 'block-until', file: unblock } });
    await primary.command('to-worker', { slot: slotOfB, message: { fixture: 'flood', count: 1_000_000 } });
    // A's outbox in the primary is full: what is sent to A now is dropped.
    await primary.wait((m) => m.event?.type === 'ipc-dropped' && m.event.node === a!.node);
    // B dies and comes back as a new node while A does not read.
    await primary.command('kill', { slot: slotOfB, signal: 'SIGKILL' });
    const listening = await primary.wait((m) => m.event?.type === 'worker-listening' && m.event.slot === slotOfB && m.event.node !== b!.node, 120_000);
    const newB = listening.event!.node as number;
    writeFileSync(unblock, '');
    await primary.wait((m) => m.fromWorker?.fixture === 'unblocked' && m.fromWorker.node === a!.node, 60_000);
    const c = (await clientsOnDistinctWorkers(address, 2)).find((x) => x.node === newB)!;
    clients.push(c.client);
    expect((await a!.client.ask({ kind: 'Direct', to: c.id, text: 'to the new B', confirmed: true, timeoutMs: 20_000 }, 'Result', 'Direct')).value).to.equal('delivered');
    await c.client.next((m) => m.kind === 'Line' && m.text === 'to the new B');
    expect((await a!.client.ask({ kind: 'Direct', to: c.id, text: 'plain' }, 'Result', 'Direct')).value).to.equal('forwarded');
  });

  it("forged rxmsg messages from a worker's own code: malformed ones are reported, a snapshot answer for another worker's request is not taken", async () => {
    primary = new ClusterProcess();
    const address = (await primary.ready())[0]!;
    const [a, b] = await clientsOnDistinctWorkers(address, 2);
    clients.push(a!.client, b!.client);
    const workers = await primary.command<{ slot: number; pid: number }[]>('workers');
    const slotOfA = workers.find((w) => w.pid === a!.pid)!.slot;
    const slotOfB = workers.find((w) => w.pid === b!.pid)!.slot;
    const raw = (message: unknown): Promise<unknown> => primary!.command('to-worker', { slot: slotOfA, message: { fixture: 'raw', message } });
    await raw({ rxmsgCluster: 1, t: 'publish' });
    await raw({ rxmsgCluster: 1, t: 'no-such-type', blob: 'x'.repeat(1 << 20) });
    await raw({ rxmsgCluster: 1, t: 'confirmed', id: 0, to: b!.node, result: 'delivered' });
    const errors = await primary.wait(() => primary!.events('worker-error').length >= 2);
    expect(errors).to.not.equal(undefined);
    for (const e of primary.events('worker-error')) expect(e).to.include({ node: a!.node }).and.to.have.nested.property('error.code', 'WORKER_FAILED');
    dir = mkdtempSync(join(tmpdir(), 'rxmsg-cluster-'));
    const unblock = join(dir, 'unblock');
    await primary.command('to-worker', { slot: slotOfB, message: { fixture: 'block-until', file: unblock } });
    // The primary opens the snapshot requests, then A answers every id it can guess.
    const snapshot = primary.command<{ workers: { node: number; snapshot?: { connections: unknown[]; forged?: boolean }; error?: string }[] }>('snapshot', { timeoutMs: 3000 });
    for (let id = 0; id < 16; id++) await raw({ rxmsgCluster: 1, t: 'snapshot', id, snapshot: { listeners: [], connections: [], forged: true } });
    const all = await snapshot;
    writeFileSync(unblock, '');
    expect(all.workers.find((w) => w.node === b!.node)).to.deep.include({ error: 'timeout' });
    const ofA = all.workers.find((w) => w.node === a!.node)!;
    expect(ofA.snapshot!.connections).to.have.length(1);
    await primary.wait((m) => m.fromWorker?.fixture === 'unblocked' && m.fromWorker.node === b!.node, 60_000);
    // Both still serve.
    await b!.client.ask({ kind: 'WhoAmI' }, 'You');
    await a!.client.ask({ kind: 'WhoAmI' }, 'You');
  });

  it('SIGKILL of a worker holding a confirmed send (it does not read): the sender gets node-down at once, not a timeout', async () => {
    primary = new ClusterProcess();
    const address = (await primary.ready())[0]!;
    const [a, b] = await clientsOnDistinctWorkers(address, 2);
    clients.push(a!.client, b!.client);
    const slotOfA = (await primary.command<{ slot: number; pid: number }[]>('workers')).find((w) => w.pid === a!.pid)!.slot;
    dir = mkdtempSync(join(tmpdir(), 'rxmsg-cluster-'));
    await primary.command('to-worker', { slot: slotOfA, message: { fixture: 'block-until', file: join(dir, 'never') } });
    b!.client.send({ kind: 'Direct', to: a!.id, text: 'held', confirmed: true, timeoutMs: 120_000 });
    await b!.client.ask({ kind: 'WhoAmI' }, 'You'); // B handled the Direct before this
    await primary.command('kill', { slot: slotOfA, signal: 'SIGKILL' });
    const answer = await b!.client.next((m) => m.kind === 'Result' && m.of === 'Direct', 60_000);
    expect(answer.value).to.equal('PEER_NOT_FOUND:node-down');
  });

  it('close() during a restart delay cancels the restart; the primary exits holding nothing', async () => {
    primary = new ClusterProcess();
    const address = (await primary.ready())[0]!;
    const [a] = await clientsOnDistinctWorkers(address, 1);
    clients.push(a!.client);
    const slotOfA = (await primary.command<{ slot: number; pid: number }[]>('workers')).find((w) => w.pid === a!.pid)!.slot;
    await primary.command('to-worker', { slot: slotOfA, message: { fixture: 'crash', how: 'throw' } });
    await primary.wait((m) => m.event?.type === 'restart-scheduled');
    const { resources, code } = await primary.close();
    const p = primary;
    primary = undefined;
    expect(code).to.equal(0);
    expect(resources.filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap')).to.deep.equal([]);
    expect(p.events('worker-online').map((e) => e.slot).filter((s) => s === slotOfA)).to.have.length(1);
  });

  it('the primary dies (SIGKILL): its workers drain and exit, leaving no orphan on the port', async () => {
    primary = new ClusterProcess();
    await primary.ready();
    const pids = (await primary.command<{ pid: number }[]>('workers')).map((w) => w.pid);
    expect(pids).to.have.length(2);
    primary.kill();
    await primary.exited;
    primary = undefined;
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 600 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pids.filter(alive)).to.deep.equal([]);
  });
});
