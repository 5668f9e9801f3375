import { expect } from 'chai';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ClosedError, QUEUE_PORT_MAX_WAITS, createClient, createQueueServer, queueHandle, type NodeQueueServer } from '@rxmsg/node';
import { waitFor } from '@rxmsg/test-utils';
import { QueueProto } from './queue-protocol';

type QS = NodeQueueServer<typeof QueueProto, unknown>;

/** The replies a queue server's port sends, by request id, as they come. */
function replies(port: MessagePort): (id: number) => Promise<{ ok: boolean; value?: unknown; code?: string }> {
  const seen = new Map<number, { ok: boolean; code?: string }>();
  const waiters = new Map<number, (r: { ok: boolean; code?: string }) => void>();
  port.on('message', (r: { id: number; ok: boolean; code?: string }) => {
    const w = waiters.get(r.id);
    waiters.delete(r.id);
    if (w !== undefined) w(r);
    else seen.set(r.id, r);
  });
  return (id) => {
    const r = seen.get(id);
    seen.delete(id);
    return r !== undefined ? Promise.resolve(r) : new Promise((resolve) => waiters.set(id, resolve));
  };
}

/**
 * A queue server's port from the other end: what a worker thread can post there. These tests post
 * from this thread (a port works the same within one thread), which is also how they use the
 * asynchronous calls of `queueHandle`.
 */
describe('queue server ports: what a worker posts is checked, calls always settle', () => {
  let server: QS | undefined;
  const closers: (() => unknown)[] = [];

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
    await server?.stop();
    server = undefined;
  });

  async function start(): Promise<QS> {
    server = (await createQueueServer({ listen: 'tcp://127.0.0.1:0', protocol: QueueProto, gcIntervalMs: 0, config: { handshakeTimeoutMs: 0 } })) as QS;
    return server;
  }

  /** A connected client of `s` and its client id. */
  async function client(s: QS): Promise<{ id: string; send: (i: number) => void }> {
    const connected = waitFor(s.events$, (e) => e.type === 'connected');
    const c = createClient({ connect: s.address(), protocol: QueueProto });
    closers.push(() => c.close());
    await connected;
    return { id: s.clientIds()[0]!, send: (i) => c.send({ kind: 'Msg', i }) };
  }

  it('a synchronous signal of the wrong size is refused as malformed; the port goes on serving', async () => {
    const s = await start();
    const port = s.port();
    closers.push(() => port.close());
    const reply = replies(port);
    for (const bytes of [5, 4, 0]) {
      const { port1, port2 } = new MessageChannel();
      closers.push(() => port1.close());
      port.postMessage({ type: 'attach-sync', port: port2, signal: new SharedArrayBuffer(bytes) }, [port2]);
    }
    expect((await reply(-1)).code).to.equal('MESSAGE_INVALID');
    port.postMessage({ type: 'call', id: 1, op: 'clientIds', sync: true });
    expect(await reply(1)).to.deep.include({ ok: false, code: 'CLOSED' });
    port.postMessage({ type: 'call', id: 2, op: 'clientIds', sync: false });
    expect(await reply(2)).to.deep.equal({ id: 2, ok: true, value: [] });
  });

  it('stop() rejects the asynchronous calls in progress with ClosedError, and the later ones at once', async () => {
    const s = await start();
    const { id } = await client(s);
    const handle = queueHandle<typeof QueueProto>(s.port());
    closers.push(() => handle.close());
    const waiting = handle.waitIncoming(id).catch((e: unknown) => e);
    expect(await handle.isConnected(id)).to.equal(true); // the wait reached the server before this answer
    await s.stop();
    expect(await waiting).to.be.instanceOf(ClosedError);
    expect(await handle.pop(id).catch((e: unknown) => e)).to.be.instanceOf(ClosedError);
  });

  it('a port holds at most QUEUE_PORT_MAX_WAITS waits; one more, or one reusing a waiting id, fails at once; cancel ends one', async () => {
    const s = await start();
    const { id } = await client(s);
    const port = s.port();
    closers.push(() => port.close());
    const reply = replies(port);
    for (let n = 1; n <= QUEUE_PORT_MAX_WAITS + 1; n++) port.postMessage({ type: 'call', id: n, op: 'waitIncoming', clientId: id, sync: false });
    port.postMessage({ type: 'call', id: 1, op: 'waitIncoming', clientId: id, sync: false });
    expect(await reply(QUEUE_PORT_MAX_WAITS + 1)).to.deep.include({ ok: false, code: 'SEND_QUEUE_FULL' });
    expect(await reply(1)).to.deep.include({ ok: false, code: 'MESSAGE_MALFORMED' });
    port.postMessage({ type: 'cancel', id: 2 });
    expect(await reply(2)).to.deep.include({ ok: false, code: 'CLOSED' });
  });

  it('waitIncoming with a timeout past a timer range waits for the message', async () => {
    const s = await start();
    const { id, send } = await client(s);
    const ready = s.waitIncoming(id, { timeoutMs: 3e9 });
    send(1);
    expect(await ready).to.equal(true);
    expect(s.pop(id)).to.deep.equal({ kind: 'Msg', i: 1 });
  });
});
