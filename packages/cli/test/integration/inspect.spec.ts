import { expect } from 'chai';
import { z } from 'zod';
import { filter, firstValueFrom, ignoreElements } from 'rxjs';
import { createClient, createServer, defineProtocol } from '@rxmsg/node';
import { adminEndpoint } from '../../src/admin-endpoint';
import { AdminSnapshotSchema } from '../../src/admin-protocol';
import { ExitCode } from '../../src/exit-codes';
import { assertBuilt, runCli } from '../support/run-cli';

const TOKEN = 'a-token-long-enough-for-tests';
const Chat = defineProtocol({ name: 'chat', tag: 'kind', client: { Say: z.object({ text: z.string() }) }, server: { Said: z.object({ text: z.string() }) } });

describe('rxmsg inspect (spawned bin)', function () {
  this.timeout(90_000); // each spawn starts a Node process: seconds on a loaded machine
  before(assertBuilt);
  const closers: (() => Promise<void>)[] = [];
  let admin: string;
  let app: string;
  beforeEach(async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: Chat, processor: (in$) => in$.pipe(ignoreElements()) });
    closers.push(() => server.close());
    const endpoint = await adminEndpoint(server, { listen: 'tcp://127.0.0.1:0', token: TOKEN });
    closers.push(() => endpoint.close());
    admin = endpoint.addresses()[0]!;
    app = server.addresses()[0]!;
    const client = createClient({ connect: app, protocol: Chat });
    closers.push(() => client.close());
    await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'connected')));
    client.send({ kind: 'Say', text: 'hi' });
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('--once prints the snapshot as JSON and exits 0', async () => {
    const r = await runCli(['inspect', admin, '--once', '--token', TOKEN]);
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
    const snapshot = AdminSnapshotSchema.parse(JSON.parse(r.stdout));
    const node = snapshot.nodes[0]!.snapshot!;
    expect(node.listeners.map((l) => l.address)).to.deep.equal([app]);
    expect(node.connections).to.have.length(1);
    expect(node.connections[0]!.protocol).to.equal('chat');
  });

  it('takes the token from RXMSG_ADMIN_TOKEN', async () => {
    const r = await runCli(['inspect', admin, '--once'], { env: { RXMSG_ADMIN_TOKEN: TOKEN } });
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
  });

  it('exits 5 with a wrong token, printing no snapshot', async () => {
    const r = await runCli(['inspect', admin, '--once', '--token', `${TOKEN}x`]);
    expect(r.code).to.equal(ExitCode.denied);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/refused/);
  });

  it('exits 2 when nothing listens at the address', async () => {
    const r = await runCli(['inspect', app.replace(/:\d+$/, ':1'), '--once', '--token', TOKEN]);
    expect(r.code).to.equal(ExitCode.connectFailed);
  });

  it('without a terminal the live view prints plain blocks (no escape codes), one per refresh', async () => {
    const r = await runCli(['inspect', admin, '--token', TOKEN, '--interval', '50', '--count', '2']);
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
    expect(r.stdout).to.not.match(/\x1b\[/);
    expect(r.stdout.match(/^rxmsg inspect /gm)).to.have.length(2);
    expect(r.stdout).to.match(new RegExp(`listener ${app.replace(/[.]/g, '\\.')}\\s+1 connections`));
    expect(r.stdout).to.match(/in\/s/);
  });
});
