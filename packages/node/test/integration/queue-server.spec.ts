import { expect } from 'chai';
import { firstValueFrom, ignoreElements, take, toArray } from 'rxjs';
import { ConfigError, createClient, createQueueServer, type ClientMessage, type NodeQueueServer, type QueueServerEvent } from '@rxmsg/node';
import { eventually, tempSocketPath, waitFor } from '@rxmsg/test-utils';
import { QueueProto } from './queue-protocol';

type Msg = ClientMessage<typeof QueueProto>;
type QS = NodeQueueServer<typeof QueueProto, unknown>;

function msgs(from: number, to: number): Msg[] {
  const out: Msg[] = [];
  for (let i = from; i < to; i++) out.push({ kind: 'Msg', i });
  return out;
}

describe('queue server', () => {
  let server: QS | undefined;
  const closers: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
    await server?.stop();
    server = undefined;
  });

  async function start(options: { inboundLimit?: number; gcIntervalMs?: number; listen?: string; config?: object } = {}): Promise<QS> {
    const s = (await createQueueServer({
      listen: options.listen ?? 'tcp://127.0.0.1:0',
      protocol: QueueProto,
      gcIntervalMs: options.gcIntervalMs ?? 0,
      ...(options.inboundLimit === undefined ? {} : { inboundLimit: options.inboundLimit }),
      config: { handshakeTimeoutMs: 0, ...options.config },
    })) as QS;
    server = s;
    return s;
  }

  /** A send-only client; closed after the test. */
  function sender(s: QS) {
    const c = createClient({ connect: s.address(), protocol: QueueProto });
    closers.push(() => c.close());
    return c;
  }

  const connected = (s: QS): Promise<QueueServerEvent> => waitFor(s.events$, (e) => e.type === 'connected');

  it('queues what each client sends under its "ip:port" id; pop, popAll and isEmpty read it in order', async () => {
    const s = await start();
    const c = sender(s);
    for (const m of msgs(0, 3)) c.send(m);
    const id = await new Promise<string>((resolve) => {
      const look = (): void => {
        const [first] = s.clientIds();
        if (first !== undefined) resolve(first);
        else setImmediate(look);
      };
      look();
    });
    expect(id).to.match(/^127\.0\.0\.1:\d+$/);
    expect(s.isConnected(id)).to.equal(true);
    expect(await s.waitIncoming(id)).to.equal(true);
    expect(s.pop(id)).to.deep.equal({ kind: 'Msg', i: 0 });
    const rest: Msg[] = [];
    while (rest.length < 2 && (await s.waitIncoming(id))) rest.push(...s.popAll(id));
    expect(rest).to.deep.equal(msgs(1, 3));
    expect(s.isEmpty(id)).to.equal(true);
    expect(s.pop(id)).to.equal(undefined);
  });

  it('push sends to the client through its connection; false for an unknown or disconnected client', async () => {
    const s = await start();
    const received = new Promise<unknown[]>((resolve, reject) => {
      const c = createClient({
        connect: s.address(),
        protocol: QueueProto,
        processor: (in$) => {
          in$.pipe(take(2), toArray()).subscribe({ next: resolve, error: reject });
          return in$.pipe(ignoreElements());
        },
      });
      closers.push(() => c.close());
    });
    await connected(s);
    const id = s.clientIds()[0]!;
    expect(s.push(id, { kind: 'Ack', i: 1 })).to.equal(true);
    expect(await s.whenWritable(id)).to.equal(true);
    expect(s.push(id, { kind: 'Ack', i: 2 })).to.equal(true);
    expect(await received).to.deep.equal([
      { kind: 'Ack', i: 1 },
      { kind: 'Ack', i: 2 },
    ]);
    expect(s.push('nobody:1', { kind: 'Ack', i: 3 })).to.equal(false);
    const gone = waitFor(s.events$, (e) => e.type === 'disconnected');
    await closers.splice(0)[0]!();
    await gone;
    expect(s.isConnected(id)).to.equal(false);
    expect(s.push(id, { kind: 'Ack', i: 4 })).to.equal(false);
    expect(await s.whenWritable(id)).to.equal(false);
  });

  it('waitIncoming: false on timeout, false once the client leaves with nothing queued, rejects on abort', async () => {
    const s = await start();
    const c = sender(s);
    await connected(s);
    const id = s.clientIds()[0]!;
    expect(await s.waitIncoming(id, { timeoutMs: 10 })).to.equal(false);
    const abort = new AbortController();
    const aborted = s.waitIncoming(id, { signal: abort.signal });
    abort.abort(new Error('stop waiting'));
    let reason: unknown;
    await aborted.catch((e: unknown) => (reason = e));
    expect(reason).to.be.instanceOf(Error).with.property('message', 'stop waiting');
    const waiting = s.waitIncoming(id);
    await c.close();
    expect(await waiting).to.equal(false);
    expect(await s.waitIncoming('nobody:1')).to.equal(false);
  });

  it('gives Unix-socket clients their peer id', async () => {
    const s = await start({ listen: `unix:${tempSocketPath('queue')}` });
    sender(s);
    const e = await connected(s);
    expect(s.clientIds()).to.deep.equal([String(e.type === 'connected' ? e.peerId : -1)]);
  });

  it('gc removes the queues of disconnected clients, reporting what was left unread; the gc interval does it by itself', async () => {
    const s = await start();
    const c = sender(s);
    for (const m of msgs(0, 3)) c.send(m);
    const e = await connected(s);
    const peerId = e.type === 'connected' ? e.peerId : -1;
    const id = s.clientIds()[0]!;
    await eventually(() => s.queued(id) === 3);
    const gone = waitFor(s.events$, (ev) => ev.type === 'disconnected');
    await c.close();
    await gone;
    expect(s.clientIds()).to.deep.equal([id]);
    const reported = waitFor(s.events$, (ev) => ev.type === 'queue-collected');
    expect(s.gc()).to.deep.equal([{ clientId: id, peerId, unread: 3 }]);
    expect(await reported).to.deep.equal({ type: 'queue-collected', by: 'gc', clientId: id, peerId, unread: 3 });
    expect(s.clientIds()).to.deep.equal([]);
    expect(s.gc()).to.deep.equal([]);

    const t = await start({ gcIntervalMs: 5 });
    await s.stop();
    const d = createClient({ connect: t.address(), protocol: QueueProto });
    await waitFor(t.events$, (ev) => ev.type === 'connected');
    const collected = waitFor(t.events$, (ev) => ev.type === 'queue-collected');
    await d.close();
    expect(await collected).to.include({ by: 'gc', unread: 0 });
  });

  it('a flooding client loses nothing to a slow consumer, and its queue never holds more than inboundLimit', async () => {
    const total = 5000;
    const inboundLimit = 8;
    const s = await start({ inboundLimit, config: { receiveQueueLimit: 8 } });
    const paused = waitFor(s.events$, (e) => e.type === 'flow' && e.cause === 'receive-queue' && e.paused);
    const c = createClient({
      connect: s.address(),
      protocol: QueueProto,
      // Pulled at the socket's pace; completing ends the connection once everything was written.
      processor: () => msgs(0, total),
      config: { flushTimeoutMs: 60_000 },
    });
    closers.push(() => c.close());
    await connected(s);
    const id = s.clientIds()[0]!;
    const got: number[] = [];
    let most = 0;
    while (await s.waitIncoming(id)) {
      most = Math.max(most, s.queued(id));
      const m = s.pop(id)!;
      got.push(m.i);
      // A slow consumer: one message per turn of the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await paused;
    expect(most).to.be.at.most(inboundLimit);
    expect(got.length).to.equal(total);
    expect(got.every((v, i) => v === i)).to.equal(true);
  });

  it('stop closes every connection, clears the gc timer, reports every queue left, and completes events$', async () => {
    const s = await start({ gcIntervalMs: 60_000 });
    const all = firstValueFrom(s.events$.pipe(toArray()));
    const c = sender(s);
    c.send({ kind: 'Msg', i: 1 });
    await connected(s);
    const id = s.clientIds()[0]!;
    expect(await s.waitIncoming(id)).to.equal(true);
    const waiting = s.waitIncoming('nobody');
    await s.stop();
    await s.stop();
    const events = await all;
    expect(events.map((e) => e.type)).to.include.members(['disconnected', 'stopped', 'queue-collected']);
    expect(events.find((e) => e.type === 'queue-collected')).to.include({ by: 'stop', clientId: id, unread: 1 });
    expect(await waiting).to.equal(false);
    expect(() => s.port()).to.throw().with.property('code', 'CLOSED');
  });

  it('refuses an invalid inboundLimit or gcIntervalMs with a ConfigError', async () => {
    for (const bad of [{ inboundLimit: 0 }, { inboundLimit: 1.5 }, { gcIntervalMs: -1 }]) {
      let error: unknown;
      await createQueueServer({ listen: 'tcp://127.0.0.1:0', protocol: QueueProto, ...bad }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(ConfigError);
    }
  });
});

