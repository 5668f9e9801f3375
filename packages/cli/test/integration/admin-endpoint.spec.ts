import { expect } from 'chai';
import { once } from 'node:events';
import { connect } from 'node:net';
import { z } from 'zod';
import { filter, firstValueFrom, ignoreElements } from 'rxjs';
import { ClosedError, ConfigError, createClient, createServer, defineProtocol, tcpTransport, type ClusterSnapshot, type ServerSnapshot } from '@rxmsg/node';
import { waitFor } from '@rxmsg/test-utils';
import { AdminClient } from '../../src/admin-client';
import { adminEndpoint, type AdminEndpoint, type AdminEvent } from '../../src/admin-endpoint';
import { AdminSnapshotSchema } from '../../src/admin-protocol';

const TOKEN = 'correct horse battery staple';
const Chat = defineProtocol({ name: 'chat', tag: 'kind', client: { Say: z.object({ text: z.string() }) }, server: { Said: z.object({ text: z.string() }) } });
const transports = [tcpTransport()];

describe('adminEndpoint', function () {
  this.timeout(20_000);
  const closers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  async function appServer() {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: Chat, processor: (in$) => in$.pipe(ignoreElements()) });
    closers.push(() => server.close());
    return server;
  }
  async function endpoint(source: Parameters<typeof adminEndpoint>[0], extra: Partial<Parameters<typeof adminEndpoint>[1]> = {}): Promise<AdminEndpoint> {
    const admin = await adminEndpoint(source, { listen: 'tcp://127.0.0.1:0', token: TOKEN, ...extra });
    closers.push(() => admin.close());
    return admin;
  }
  async function adminClient(admin: AdminEndpoint): Promise<AdminClient> {
    const client = await AdminClient.connect(transports, admin.addresses()[0]!, 5_000);
    closers.push(() => client.close());
    return client;
  }
  async function openClients(address: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const c = createClient({ connect: address, protocol: Chat });
      closers.push(() => c.close());
      await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'connected')));
    }
  }

  it('answers a request with the right token with the live snapshot: listeners, connections, counters', async () => {
    const server = await appServer();
    await openClients(server.addresses()[0]!, 2);
    const client = await adminClient(await endpoint(server));
    const reply = await client.request(TOKEN, 5_000);
    expect(reply.kind).to.equal('Snapshot');
    if (reply.kind !== 'Snapshot') return;
    expect(AdminSnapshotSchema.safeParse(reply.snapshot).success).to.equal(true);
    const [node] = reply.snapshot.nodes;
    expect(node!.snapshot!.listeners).to.deep.equal([{ address: server.addresses()[0], connections: 2 }]);
    expect(node!.snapshot!.connectionCount).to.equal(2);
    expect(node!.snapshot!.connections.map((c) => c.protocol)).to.deep.equal(['chat', 'chat']);
    // The same connection answers again (one request at a time, as the CLI's live view asks).
    expect((await client.request(TOKEN, 5_000)).kind).to.equal('Snapshot');
  });

  it('refuses a wrong token, closes the connection and reports it', async () => {
    const admin = await endpoint(await appServer());
    const denied = firstValueFrom(admin.events$.pipe(filter((e): e is Extract<AdminEvent, { type: 'denied' }> => e.type === 'denied')));
    const client = await adminClient(admin);
    const reply = await client.request(`${TOKEN}!`, 5_000);
    expect(reply).to.deep.equal({ kind: 'Denied', reason: 'bad-token' });
    expect((await denied).remoteAddress).to.match(/^tcp:\/\/127\.0\.0\.1:/);
    // Closed by the endpoint: the next request fails without an answer.
    const next = await client.request(TOKEN, 5_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(next).to.be.instanceOf(ClosedError);
  });

  it('refuses tokens shorter than 16 characters', async () => {
    const server = await appServer();
    const error = await adminEndpoint(server, { listen: 'tcp://127.0.0.1:0', token: 'short' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).field).to.equal('token');
  });

  it('bounds a request: a line past 2 KiB is refused without being buffered', async () => {
    const admin = await endpoint(await appServer());
    const errors = firstValueFrom(admin.events$.pipe(filter((e) => e.type === 'server' && e.event.type === 'decode-error')));
    const [, host, port] = /^tcp:\/\/(.+):(\d+)$/.exec(admin.addresses()[0]!)!;
    const socket = connect({ host: host!, port: Number(port) });
    closers.push(() => void socket.destroy());
    await once(socket, 'connect');
    socket.write('{"kind":"Snapshot","token":"' + 'x'.repeat(64 * 1024));
    const event = await errors;
    expect(event.type === 'server' && event.event.type === 'decode-error' && event.event.error.code).to.equal('FRAME_TOO_LARGE');
  });

  it('lists at most maxConnectionsListed connections per node, with the exact count', async () => {
    const server = await appServer();
    await openClients(server.addresses()[0]!, 3);
    const client = await adminClient(await endpoint(server, { maxConnectionsListed: 1 }));
    const reply = await client.request(TOKEN, 5_000);
    if (reply.kind !== 'Snapshot') throw new Error(`expected a snapshot, got ${reply.kind}`);
    expect(reply.snapshot.nodes[0]!.snapshot!.connections).to.have.length(1);
    expect(reply.snapshot.nodes[0]!.snapshot!.connectionCount).to.equal(3);
  });

  it('passes every node of snapshotAll() on (cluster and Redis deployments), including nodes that did not answer', async () => {
    const server = await appServer();
    const own = server.snapshot();
    const source = { snapshotAll: async (): Promise<ClusterSnapshot> => ({ nodes: [{ node: 0, snapshot: own }, { node: 1, snapshot: own }, { node: 2, error: 'timeout' }] }) };
    const client = await adminClient(await endpoint(source));
    const reply = await client.request(TOKEN, 5_000);
    if (reply.kind !== 'Snapshot') throw new Error(`expected a snapshot, got ${reply.kind}`);
    expect(reply.snapshot.nodes.map((n) => [n.node, n.snapshot !== undefined, n.error])).to.deep.equal([
      [0, true, undefined],
      [1, true, undefined],
      [2, false, 'timeout'],
    ]);
  });

  it('answers Failed and reports snapshot-failed when snapshotAll() rejects', async () => {
    const source = { snapshotAll: (): Promise<ClusterSnapshot> => Promise.reject(new Error('boom')) };
    const admin = await endpoint(source);
    const failed = waitFor(admin.events$, (e) => e.type === 'snapshot-failed');
    const client = await adminClient(admin);
    const reply = await client.request(TOKEN, 5_000);
    expect(reply.kind).to.equal('Failed');
    const event = await failed;
    expect(event.type === 'snapshot-failed' && event.error.code).to.equal('CONFIG_INVALID');
  });

  it('accepts at most maxClients admin connections', async () => {
    const admin = await endpoint(await appServer(), { maxClients: 1 });
    const refused = waitFor(admin.events$, (e) => e.type === 'server' && e.event.type === 'connection-refused');
    await adminClient(admin);
    const second = await AdminClient.connect(transports, admin.addresses()[0]!, 5_000);
    closers.push(() => second.close());
    await refused;
  });

  it('leaves listener contexts out (they need not be JSON)', async () => {
    const snapshot: ServerSnapshot = (await appServer()).snapshot();
    const withContext = { ...snapshot, listeners: snapshot.listeners.map((l) => ({ ...l, context: { secret: 1n } })) };
    const client = await adminClient(await endpoint({ snapshotAll: async () => ({ nodes: [{ node: 0, snapshot: withContext }] }) }));
    const reply = await client.request(TOKEN, 5_000);
    expect(reply.kind).to.equal('Snapshot');
  });


  it('closes an admin connection that asks nothing for idleTimeoutMs', async () => {
    const admin = await endpoint(await appServer(), { idleTimeoutMs: 200 });
    const closed = waitFor(admin.events$, (e) => e.type === 'server' && e.event.type === 'disconnected');
    const client = await adminClient(admin);
    const event = await closed;
    expect(event.type === 'server' && event.event.type === 'disconnected' && event.event.reason).to.equal('idle-timeout');
    expect(await client.request(TOKEN, 5_000).then(() => undefined, (e: unknown) => e)).to.be.instanceOf(ClosedError);
  });
});
