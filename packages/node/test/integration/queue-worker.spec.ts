import { expect } from 'chai';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ignoreElements, take, toArray } from 'rxjs';
import { createClient, createQueueServer, type NodeQueueServer } from '@rxmsg/node';
import { waitFor } from '@rxmsg/test-utils';
import { QueueProto } from './queue-protocol';

type QS = NodeQueueServer<typeof QueueProto, unknown>;
const WORKER = join(__dirname, '..', 'fixtures', 'queue-worker.ts');

/** The worker fixture (run through ts-node, with the same export conditions as this process) and its replies in order. */
function startWorker(): { worker: Worker; next: () => Promise<unknown> } {
  const worker = new Worker(`require('ts-node/register'); require(${JSON.stringify(WORKER)});`, { eval: true });
  const messages: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  const deliver = (m: unknown): void => {
    const w = waiters.shift();
    if (w !== undefined) w(m);
    else messages.push(m);
  };
  worker.on('message', deliver);
  worker.on('error', (e) => deliver({ failed: String(e) }));
  const next = (): Promise<unknown> => (messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((resolve) => waiters.push(resolve)));
  return { worker, next };
}

describe('queue server from worker threads', function () {
  // One worker for every test: it compiles its sources with ts-node when it starts.
  this.timeout(120_000);
  let server: QS | undefined;
  let w: { worker: Worker; next: () => Promise<unknown> };
  const closers: (() => Promise<unknown>)[] = [];

  before(() => {
    w = startWorker();
  });
  after(() => w.worker.terminate());

  /** Give the worker a job on a new port of `s`. */
  const job = (s: QS, clientId: string, count: number, mode: string): void => {
    const port = s.port();
    w.worker.postMessage({ port, clientId, count, mode }, [port]);
  };

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
    await server?.stop();
    server = undefined;
  });

  async function setup(count: number): Promise<{ s: QS; id: string; acks: Promise<unknown[]> }> {
    const s = (await createQueueServer({ listen: 'tcp://127.0.0.1:0', protocol: QueueProto, gcIntervalMs: 0 })) as QS;
    server = s;
    const connected = waitFor(s.events$, (e) => e.type === 'connected');
    const acks = new Promise<unknown[]>((resolve, reject) => {
      const c = createClient({
        connect: s.address(),
        protocol: QueueProto,
        processor: (in$) => {
          in$.pipe(take(count), toArray()).subscribe({ next: resolve, error: reject });
          return in$.pipe(ignoreElements());
        },
      });
      closers.push(() => c.close());
      for (let i = 0; i < count; i++) c.send({ kind: 'Msg', i });
    });
    await connected;
    return { s, id: s.clientIds()[0]!, acks };
  }

  for (const mode of ['sync', 'async'] as const) {
    it(`a worker answers a client with ${mode} calls over the port: every message acknowledged in order`, async () => {
      const count = 50;
      const { s, id, acks } = await setup(count);
      job(s, id, count, mode);
      expect(await w.next()).to.deep.equal({ result: { acked: count, ids: [id] } });
      const got = await acks;
      expect(got).to.deep.equal(Array.from({ length: count }, (_, i) => ({ kind: 'Ack', i })));
    });
  }

  it('waitIncomingSync returns false once its timeout passes', async () => {
    const { s, id } = await setup(0);
    job(s, id, 0, 'timeout');
    expect(await w.next()).to.deep.equal({ result: { ready: false } });
  });

  it('stop wakes a worker blocked in waitIncomingSync with a CLOSED error', async () => {
    const { s, id } = await setup(0);
    job(s, id, 0, 'block');
    expect(await w.next()).to.deep.equal({ blocking: true });
    await s.stop();
    expect(await w.next()).to.deep.equal({ result: { code: 'CLOSED' } });
  });

  it('a worker whose first call is a blocking one, made after the server stopped, gets a CLOSED error, not a timeout', async () => {
    const { s, id } = await setup(0);
    const go = new SharedArrayBuffer(4);
    const port = s.port();
    w.worker.postMessage({ port, clientId: id, count: 0, mode: 'late', go }, [port]);
    expect(await w.next()).to.deep.equal({ waiting: true });
    await s.stop();
    Atomics.store(new Int32Array(go), 0, 1);
    Atomics.notify(new Int32Array(go), 0);
    expect(await w.next()).to.deep.equal({ result: { code: 'CLOSED' } });
  });
});
