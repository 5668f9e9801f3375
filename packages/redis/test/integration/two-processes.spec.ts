import { expect } from 'chai';
import { createClient } from 'redis';
import { encodePacket } from '@rxmsg/redis/internal';
import { RawSocket, eventually, requireRedisServer, startRedisServer, type RedisServer } from '@rxmsg/test-utils';
import { startNodeProcess, type NodeProcess } from '../support/node-process';

/** Generous waits: child processes compiling TypeScript on a loaded 2-core machine. */
const WAIT = 30_000;
const TTL = 2_000;

type Msg = { kind: string; [k: string]: unknown };
const lines = (s: RawSocket): Msg[] => s.lines().map((l) => JSON.parse(l) as Msg);

describe('redis rooms adapter: two server processes and one Redis', function () {
  this.timeout(180_000);
  let redis: RedisServer | undefined;
  let a: NodeProcess | undefined;
  let b: NodeProcess | undefined;
  let sockets: RawSocket[] = [];
  let namespace = 0;

  before(async function () {
    requireRedisServer(this);
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    namespace++;
    const options = { url: redis!.url, namespace: `p${namespace}`, presenceTtlMs: TTL, heartbeatMs: 300, maxReconnectDelayMs: 200 };
    [a, b] = await Promise.all([startNodeProcess(options), startNodeProcess(options)]);
  });
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets = [];
    b?.child.kill('SIGCONT');
    await Promise.all([a?.kill(), b?.kill()]);
  });

  async function client(n: NodeProcess): Promise<{ socket: RawSocket; id: number }> {
    const socket = await RawSocket.connect(n.address);
    sockets.push(socket);
    await socket.until((s) => s.lines().length >= 1, WAIT);
    return { socket, id: Number(lines(socket)[0]!['id']) };
  }
  const send = (c: { socket: RawSocket }, m: Msg): Promise<void> => c.socket.write(`${JSON.stringify(m)}\n`);
  const answer = async (c: { socket: RawSocket }, kind: string, from: number): Promise<Msg> => {
    await c.socket.until((s) => lines(s).slice(from).some((m) => m.kind === kind), WAIT);
    return lines(c.socket).slice(from).find((m) => m.kind === kind)!;
  };

  it("a client on node A joins a room, a client on node B sends to it: A's client receives it; sendTo across nodes", async () => {
    expect(a!.node).to.not.equal(b!.node);
    const onA = await client(a!);
    const onB = await client(b!);
    await send(onA, { kind: 'Join', room: 'lobby' });
    await answer(onA, 'Joined', 1);
    // B may not have heard A yet: keep saying until A's client has it (each Say is at-most-once).
    await eventually(
      () => {
        if (onA.socket.lines().some((l) => l.includes('from B'))) return true;
        void send(onB, { kind: 'Say', room: 'lobby', text: 'from B' });
        return false;
      },
      WAIT,
      "A's client receives B's room send",
    );
    await send(onB, { kind: 'Confirm', to: onA.id, text: 'direct from B' });
    expect(await answer(onB, 'Sent', 1)).to.deep.equal({ kind: 'Sent', result: 'delivered' });
    await onA.socket.until((s) => s.lines().some((l) => l.includes('direct from B')), WAIT);
    const before = onB.socket.lines().length;
    await send(onA, { kind: 'Direct', to: onB.id, text: 'direct from A' });
    expect(await answer(onA, 'Sent', 2)).to.deep.equal({ kind: 'Sent', result: 'forwarded' });
    await onB.socket.until((s) => s.lines().length > before, WAIT);
    expect(lines(onB.socket).at(-1)).to.deep.equal({ kind: 'Line', text: 'direct from A' });
  });

  it('a node killed (SIGKILL): its presence expires in Redis, and sends to its peers fail fast with node-down / not-found', async () => {
    const onA = await client(a!);
    const onB = await client(b!);
    await send(onA, { kind: 'Confirm', to: onB.id, text: 'are you there' });
    expect(await answer(onA, 'Sent', 1)).to.deep.equal({ kind: 'Sent', result: 'delivered' });
    await b!.kill();
    // Its keys expire within the TTL (no goodbye: it was killed).
    let exists = '';
    await eventually(() => (void redis!.command('EXISTS', `rxmsg:p${namespace}:peers:${b!.node}`, `rxmsg:p${namespace}:node:${b!.node}`).then((r) => (exists = r)), exists === ':0'), WAIT, 'presence expired');
    // A's view expires as well (it heard B's last heartbeat a moment after Redis did): then a direct send is not-found at once.
    for (let i = 0; i < 100; i++) {
      const from = onA.socket.lines().length;
      await send(onA, { kind: 'Direct', to: onB.id, text: 'gone?' });
      if ((await answer(onA, 'Sent', from))['result'] === 'not-found') break;
    }
    expect(lines(onA.socket).at(-1)).to.deep.equal({ kind: 'Sent', result: 'not-found' });
    const from = onA.socket.lines().length;
    await send(onA, { kind: 'Confirm', to: onB.id, text: 'gone?' });
    expect(await answer(onA, 'Sent', from)).to.deep.equal({ kind: 'Sent', result: 'PEER_NOT_FOUND node-down' });
  });

  it('a slow node: Redis disconnects a subscriber that does not read (client-output-buffer-limit pubsub); it reconnects, reports it, and receives again', async () => {
    expect(await redis!.command('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 64kb 32kb 1')).to.equal('+OK');
    const flood = createClient({ url: redis!.url });
    flood.on('error', () => undefined);
    await flood.connect();
    try {
      const onA = await client(a!);
      const onB = await client(b!);
      await send(onB, { kind: 'Join', room: 'big' });
      await answer(onB, 'Joined', 1);
      const subscribers = async (): Promise<number> => (await redis!.command('CLIENT', 'LIST')).split('\n').filter((l) => / s?sub=[1-9]/.test(l)).length;
      // A's and B's (the killed processes of earlier tests may still be listed for a moment: wait for Redis to drop them).
      let count = 0;
      await eventually(() => (void subscribers().then((n) => (count = n)), count === 2), WAIT, 'two subscribers');
      // B stops reading (frozen, as a process stuck in a long computation); a third node floods the room.
      b!.child.kill('SIGSTOP');
      const packet = encodePacket({ t: 'pub', from: 999, p: { message: { kind: 'Line', text: 'x'.repeat(16_000) }, rooms: ['big'] } });
      // Redis closes B's subscriber once its output buffer passes 64 kB (after the kernel's socket buffers filled).
      for (let i = 0; i < 400 && (await subscribers()) === 2; i++) {
        await Promise.all(Array.from({ length: 50 }, () => flood.sPublish(`rxmsg:p${namespace}:all`, packet)));
      }
      expect(await subscribers()).to.equal(1);
      b!.child.kill('SIGCONT');
      await eventually(() => b!.lines.some((l) => l['operation'] === 'connection'), WAIT, "B's report of the lost subscriber connection");
      expect(b!.lines.find((l) => l['operation'] === 'connection')).to.include({ code: 'TRANSPORT_FAILED' });
      // At-most-once: what Redis dropped is gone; new sends arrive again once B subscribed again.
      const seen = onB.socket.lines().length;
      await eventually(
        () => {
          if (onB.socket.lines().slice(seen).some((l) => l.includes('after'))) return true;
          void send(onA, { kind: 'Say', room: 'big', text: 'after' });
          return false;
        },
        WAIT,
        'B receives again',
      );
    } finally {
      await flood.close();
      await redis!.command('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    }
  });
});
