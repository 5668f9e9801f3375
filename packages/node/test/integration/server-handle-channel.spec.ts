import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { ignoreElements } from 'rxjs';
import { ClosedError, MAX_HANDLES, createServer, openHandle, type ServerHandleData } from '@rxmsg/node';
import { delay } from '@rxmsg/test-utils';
import { TextEcho } from './echo-protocol';

/** Everything a channel receives, and the first received message that `accept` takes (received already, or later). */
function listen(channel: BroadcastChannel): { readonly seen: unknown[]; first(accept: (data: unknown) => boolean): Promise<unknown> } {
  const seen: unknown[] = [];
  const waiters = new Set<{ readonly accept: (data: unknown) => boolean; readonly resolve: (data: unknown) => void }>();
  channel.onmessage = (e) => {
    const data: unknown = (e as { data: unknown }).data;
    seen.push(data);
    for (const w of waiters) {
      if (!w.accept(data)) continue;
      waiters.delete(w);
      w.resolve(data);
    }
  };
  return {
    seen,
    first: (accept) => {
      const found = seen.find(accept);
      return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => waiters.add({ accept, resolve }));
    },
  };
}

const opIs =
  (op: string) =>
  (data: unknown): boolean =>
    typeof data === 'object' && data !== null && (data as { op?: unknown }).op === op;

describe('server handle channels: what travels on them is checked', () => {
  it("the server answers a handle channel's malformed requests with MESSAGE_MALFORMED (those with an id) and goes on serving", async () => {
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: (in$) => in$.pipe(ignoreElements()) });
    const data = server.handle();
    const name = `${data.channel}/${randomUUID()}`;
    const mine = new BroadcastChannel(name);
    try {
      const inbox = listen(mine);
      const ready = inbox.first(opIs('ready'));
      const rendezvous = new BroadcastChannel(data.channel);
      rendezvous.postMessage({ op: 'hello', channel: name });
      rendezvous.close();
      await ready;
      const replies = inbox.seen;
      const snapshot = inbox.first((d) => opIs('result')(d) && (d as { id?: unknown }).id === 9);
      for (const garbage of [null, 42, 'send', [], { op: 'send' }, { op: 'send', id: 1, peerId: 'x' }, { op: 'close', id: 2, peerId: 1, reason: {} }, { op: 'nope', id: 3 }]) {
        mine.postMessage(garbage);
      }
      mine.postMessage({ op: 'snapshot', id: 9 });
      expect(((await snapshot) as { value: { connections: unknown[] } }).value.connections).to.deep.equal([]);
      const failed = replies.filter(opIs('failed')).map((r) => [(r as { id: number }).id, (r as { error: { code: string } }).error.code]);
      expect(failed).to.deep.equal([
        [1, 'MESSAGE_MALFORMED'],
        [2, 'MESSAGE_MALFORMED'],
        [3, 'MESSAGE_MALFORMED'],
      ]);
    } finally {
      mine.close();
      await server.close();
    }
  });

  it('a handle ignores malformed replies on its channel: its requests are settled by the real answer', async () => {
    // This test plays the server: it answers the handle's announcement and its request itself.
    const data: ServerHandleData = { rxmsg: 'server-handle', channel: `rxmsg-test:${randomUUID()}` };
    const rendezvous = new BroadcastChannel(data.channel);
    const hello = listen(rendezvous).first(opIs('hello'));
    const handle = openHandle(data, { readyTimeoutMs: 60_000 });
    const name = ((await hello) as { channel: string }).channel;
    rendezvous.close();
    const server = new BroadcastChannel(name);
    try {
      const request = listen(server).first(opIs('snapshot'));
      const result = handle.snapshot();
      server.postMessage({ op: 'ready' });
      const id = ((await request) as { id: number }).id;
      for (const garbage of [null, 7, { op: 'failed', id, error: null }, { op: 'failed', id, error: { code: 5 } }, { op: 'result' }]) {
        server.postMessage(garbage);
      }
      server.postMessage({ op: 'result', id, value: 'the answer' });
      expect(await result).to.equal('the answer');
    } finally {
      handle.dispose();
      server.close();
    }
  });

  it('handles disposed before the server answered them release their server side: new handles are still served', async function () {
    this.timeout(60_000);
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: (in$) => in$.pipe(ignoreElements()) });
    const data = server.handle();
    try {
      for (let i = 0; i < MAX_HANDLES + 16; i++) openHandle(data).dispose();
      // Once the server has seen them go, a new handle is served (before the fix every later one was refused).
      const deadline = Date.now() + 30_000;
      for (;;) {
        const handle = openHandle(data);
        const outcome = await handle.snapshot().catch((e: unknown) => e);
        handle.dispose();
        if (!(outcome instanceof ClosedError)) {
          expect((outcome as { connections: unknown[] }).connections).to.deep.equal([]);
          break;
        }
        if (Date.now() > deadline) throw new Error('new handles are still refused');
        await delay(20);
      }
    } finally {
      await server.close();
    }
  });

  it('a handle past MAX_HANDLES is refused with a ClosedError that says why, while the server runs on', async function () {
    this.timeout(60_000);
    const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: (in$) => in$.pipe(ignoreElements()) });
    const data = server.handle();
    const handles: ReturnType<typeof openHandle>[] = [];
    try {
      for (let i = 0; i < MAX_HANDLES; i++) handles.push(openHandle(data));
      await Promise.all(handles.map((h) => h.snapshot()));
      const extra = openHandle(data);
      handles.push(extra);
      const refused = await extra.snapshot().catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(ClosedError);
      expect((refused as ClosedError).message).to.include('refused').and.to.include('MAX_HANDLES');
      // The handles already open are still served.
      expect((await handles[0]!.snapshot()).connections).to.deep.equal([]);
    } finally {
      for (const h of handles) h.dispose();
      await server.close();
    }
  });

  it('an infinite readyTimeoutMs waits for the server for ever instead of failing at once', async () => {
    // This test plays a slow server: it answers the announcement some time after it came.
    const data: ServerHandleData = { rxmsg: 'server-handle', channel: `rxmsg-test:${randomUUID()}` };
    const rendezvous = new BroadcastChannel(data.channel);
    const hello = listen(rendezvous).first(opIs('hello'));
    const handle = openHandle(data, { readyTimeoutMs: Infinity });
    const name = ((await hello) as { channel: string }).channel;
    rendezvous.close();
    const server = new BroadcastChannel(name);
    try {
      const request = listen(server).first(opIs('snapshot'));
      const result = handle.snapshot();
      await delay(50);
      server.postMessage({ op: 'ready' });
      server.postMessage({ op: 'result', id: ((await request) as { id: number }).id, value: 'late' });
      expect(await result).to.equal('late');
    } finally {
      handle.dispose();
      server.close();
    }
  });
});
