import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { decode, encode } from '@msgpack/msgpack';
import type { ChildProcess } from 'node:child_process';
import { ExitCode } from '../../src/exit-codes';
import { assertBuilt, collect, jsonLines, runCli, startCli as start, waitForOutput } from '../support/run-cli';

/** A socket to `address` (tcp://host:port) that collects what it receives. */
const opened: Socket[] = [];
async function dialRaw(address: string): Promise<{ socket: Socket; received: () => Buffer }> {
  const [, host, port] = /^tcp:\/\/(.+):(\d+)$/.exec(address)!;
  const socket = connect({ host: host!, port: Number(port) });
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  await once(socket, 'connect');
  opened.push(socket);
  return { socket, received: () => Buffer.concat(chunks) };
}

/** Wait until `check()` holds, polling on socket data (bounded by the test timeout). */
async function until(socket: Socket, check: () => boolean): Promise<void> {
  while (!check()) await once(socket, 'data');
}

describe('rxmsg listen (spawned bin)', function () {
  this.timeout(90_000); // each spawn starts a Node process: seconds on a loaded machine
  before(assertBuilt);
  const children: ChildProcess[] = [];
  const startCli = (args: string[]) => {
    const child = start(args);
    children.push(child);
    return child;
  };
  afterEach(() => {
    for (const s of opened.splice(0)) s.destroy();
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('prints each message as a JSON line and --echo sends it back; SIGTERM exits 0', async () => {
    const child = startCli(['listen', 'tcp://127.0.0.1:0', '--echo']);
    const [, address] = await waitForOutput(child.stderr!, /listening on (\S+)/);
    const done = collect(child, '', 45_000);
    const { socket, received } = await dialRaw(address!);
    socket.write('{"kind":"Ping","n":1}\n{"kind":"Ping",');
    socket.write('"n":2}\n');
    await until(socket, () => received().toString().split('\n').length > 2);
    expect(jsonLines(received().toString())).to.deep.equal([{ kind: 'Ping', n: 1 }, { kind: 'Ping', n: 2 }]);
    socket.end();
    await once(socket, 'close');
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).to.equal(ExitCode.ok);
    expect(jsonLines(r.stdout)).to.deep.equal([
      { from: 1, message: { kind: 'Ping', n: 1 } },
      { from: 1, message: { kind: 'Ping', n: 2 } },
    ]);
  });

  it('decodes length-prefixed MessagePack with --codec binary and echoes it', async () => {
    const child = startCli(['listen', 'tcp://127.0.0.1:0', '--echo', '--codec', 'binary']);
    const [, address] = await waitForOutput(child.stderr!, /listening on (\S+)/);
    const done = collect(child, '', 45_000);
    const { socket, received } = await dialRaw(address!);
    const body = encode({ kind: 'Data', list: [1, 2, 3] });
    const frame = Buffer.alloc(4 + body.length);
    frame.writeUInt32BE(body.length, 0);
    frame.set(body, 4);
    socket.write(frame);
    await until(socket, () => received().length >= 4 && received().length >= 4 + received().readUInt32BE(0));
    const echoed = received();
    expect(echoed.readUInt32BE(0)).to.equal(echoed.length - 4);
    expect(decode(echoed.subarray(4))).to.deep.equal({ kind: 'Data', list: [1, 2, 3] });
    socket.destroy();
    child.kill('SIGTERM');
    const r = await done;
    expect(jsonLines(r.stdout)).to.deep.equal([{ from: 1, message: { kind: 'Data', list: [1, 2, 3] } }]);
  });

  it('reports a line that is not JSON on stderr and keeps the connection', async () => {
    const child = startCli(['listen', 'tcp://127.0.0.1:0', '--echo']);
    const [, address] = await waitForOutput(child.stderr!, /listening on (\S+)/);
    const bad = waitForOutput(child.stderr!, /MESSAGE_MALFORMED/);
    const done = collect(child, '', 45_000);
    const { socket, received } = await dialRaw(address!);
    socket.write('nope\n{"ok":true}\n');
    await bad;
    await until(socket, () => received().toString().includes('\n'));
    expect(jsonLines(received().toString())).to.deep.equal([{ ok: true }]);
    socket.destroy();
    child.kill('SIGTERM');
    await done;
  });

  it('works as the server of rxmsg connect', async () => {
    const child = startCli(['listen', 'tcp://127.0.0.1:0', '--echo']);
    const [, address] = await waitForOutput(child.stderr!, /listening on (\S+)/);
    const done = collect(child, '', 45_000);
    const r = await runCli(['connect', address!, '--send', '{"x":[1,{"y":null}]}', '--expect', '{"x":[1,{"y":null}]}']);
    expect(r.code, r.stderr).to.equal(ExitCode.ok);
    child.kill('SIGTERM');
    await done;
  });

  it('exits 2 when it cannot bind (the port is taken)', async () => {
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo; // listening on TCP: an AddressInfo
      const r = await runCli(['listen', `tcp://127.0.0.1:${port}`]);
      expect(r.code).to.equal(ExitCode.connectFailed);
      expect(r.stderr).to.match(/cannot listen/);
      expect(r.stderr.match(/cannot listen on/g)).to.have.length(1); // the transport's message is not prefixed twice
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
