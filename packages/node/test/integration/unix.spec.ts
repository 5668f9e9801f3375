import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { concat, ignoreElements, of, take } from 'rxjs';
import { FrameTooLargeError, createClient, createServer } from '@rxmsg/node';
import { activeResources, eventually, leakedResources, tempSocketPath, waitFor } from '@rxmsg/test-utils';
import { BinaryEcho, TextEcho, echo, ofType, pings, pongs, record, type EchoReply } from './echo-protocol';
import { WirePeer } from './wire-peer';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function peer(address: string, codec = TextEcho.codec): Promise<WirePeer> {
  const p = await WirePeer.connect(address, codec);
  cleanup.push(() => p.destroy());
  return p;
}

describe('Unix domain sockets', () => {
  it('a server listening on TCP and a Unix socket at once serves both alike', async () => {
    const path = tempSocketPath();
    const s = await createServer({ listen: ['tcp://127.0.0.1:0', `unix:${path}`], protocol: TextEcho, processor: echo });
    cleanup.push(() => s.close());
    const [tcp, unix, ...more] = s.addresses();
    expect(more).to.deep.equal([]);
    expect(tcp).to.match(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(unix).to.equal(`unix:${path}`);
    const log = record(s.events$);

    const overTcp = await peer(tcp!);
    const overUnix = await peer(unix!);
    // Interleaved, each gets its own answers in order.
    for (let i = 0; i < 100; i += 10) {
      await overTcp.send(...pings(i, i + 10));
      await overUnix.send(...pings(1000 + i, 1000 + i + 10));
    }
    expect(await overTcp.receive(100)).to.deep.equal(pongs(0, 100));
    expect(await overUnix.receive(100)).to.deep.equal(pongs(1000, 1100));

    const snap = s.snapshot();
    expect(snap.listeners).to.deep.equal([
      { address: tcp, connections: 1, context: undefined },
      { address: unix, connections: 1, context: undefined },
    ]);
    const byListener = new Map(snap.connections.map((c) => [c.listener, c]));
    expect(byListener.get(tcp!)).to.include({ remoteAddress: `tcp://127.0.0.1:${overTcp.raw.socket.localPort}`, messagesIn: 100, messagesOut: 100 });
    expect(byListener.get(unix!)).to.include({ remoteAddress: unix, messagesIn: 100, messagesOut: 100 });
    expect(byListener.get(unix!)?.bytesOut).to.equal(overUnix.raw.received().length);
    expect(ofType(log.events, 'connected').map((e) => e.listener)).to.deep.equal([tcp, unix]);
  });

  it('a client connects over a Unix socket', async () => {
    const path = tempSocketPath();
    const s = await createServer({ listen: `unix:${path}`, protocol: BinaryEcho, processor: echo });
    cleanup.push(() => s.close());
    const client = createClient({
      connect: `unix:${path}`,
      protocol: BinaryEcho,
      processor: (in$) => concat(of(...pings(0, 5)), in$.pipe(take(5), ignoreElements())),
    });
    cleanup.push(() => client.close());
    const got: EchoReply[] = [];
    client.messages$.subscribe((m) => got.push(m));
    expect(await waitFor(client.status$, (st) => st.state === 'connected', 1000)).to.deep.equal({
      state: 'connected',
      remoteAddress: `unix:${path}`,
    });
    await client.closed;
    expect(got).to.deep.equal(pongs(0, 5));
  });

  it('a client retries until a server starts listening on the socket path', async () => {
    const path = tempSocketPath();
    const client = createClient({
      connect: `unix:${path}`,
      protocol: TextEcho,
      processor: (in$) => concat(of({ kind: 'Ping', n: 9 } as const), in$.pipe(take(1), ignoreElements())),
      config: { connectRetry: { initialMs: 10, maxMs: 30, factor: 2, jitter: 0.5, maxAttempts: 200 } },
    });
    cleanup.push(() => client.close());
    const events = record(client.events$);
    const got: EchoReply[] = [];
    client.messages$.subscribe((m) => got.push(m));
    await eventually(() => events.events.filter((e) => e.type === 'connect-failed').length >= 2, 1000, 'two failed attempts');
    const s = await createServer({ listen: `unix:${path}`, protocol: TextEcho, processor: echo });
    cleanup.push(() => s.close());
    await client.closed;
    expect(got).to.deep.equal([{ kind: 'Pong', n: 9 }]);
  });

  it('reports bad input on a Unix socket like on TCP', async () => {
    const path = tempSocketPath();
    const s = await createServer({
      listen: `unix:${path}`,
      protocol: TextEcho,
      processor: echo,
      config: { maxFrameBytes: 64, onDecodeError: 'reply' },
    });
    cleanup.push(() => s.close());
    const log = record(s.events$);
    const p = await peer(`unix:${path}`);
    await p.write(`{"kind":"Ping","n":1,"pad":"${'x'.repeat(200)}`);
    await eventually(() => ofType(log.events, 'decode-error').length === 1, 1000, 'decode-error');
    expect(ofType(log.events, 'decode-error')[0]!.error).to.be.instanceOf(FrameTooLargeError);
    await p.write(`${'x'.repeat(200)}"}\n`);
    await p.send({ kind: 'Ping', n: 2 });
    expect(await p.receive(2)).to.deep.equal([
      { kind: 'Oops', code: 'FRAME_TOO_LARGE' },
      { kind: 'Pong', n: 2 },
    ]);
  });

  it('close() removes the socket file, leaves no handles, and the path can be listened on again', async () => {
    const before = await activeResources();
    const path = tempSocketPath();
    const first = await createServer({ listen: `unix:${path}`, protocol: TextEcho, processor: echo });
    cleanup.push(() => first.close());
    const p = await peer(`unix:${path}`);
    await p.send({ kind: 'Ping', n: 1 });
    await p.receive(1);
    expect(existsSync(path)).to.equal(true);
    await first.close();
    await p.ended;
    expect(existsSync(path)).to.equal(false);
    expect(await leakedResources(before)).to.deep.equal([]);

    const second = await createServer({ listen: `unix:${path}`, protocol: TextEcho, processor: echo });
    cleanup.push(() => second.close());
    const q = await peer(`unix:${path}`);
    await q.send({ kind: 'Ping', n: 2 });
    expect(await q.receive(1)).to.deep.equal([{ kind: 'Pong', n: 2 }]);
  });
});
