import { expect } from 'chai';
import { build } from 'esbuild';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  SharedMemoryPeerError,
  createServer,
  createSharedMemoryLink,
  sharedMemoryTransport,
  type ConnectionHandlers,
  type RxmsgError,
  type ServerEvent,
  type SharedMemoryEnd,
} from '@rxmsg/node';
import { SharedMemoryConnection } from '@rxmsg/node/internal';
import { eventually, waitFor, within } from '@rxmsg/test-utils';
import { TextEcho, echo } from './echo-protocol';

const FIXTURE = join(__dirname, 'fixtures', 'shm-worker.ts');

/**
 * The fixture bundled once into plain JavaScript (from the sources, as the tests use them): a
 * worker then starts in milliseconds rather than compiling TypeScript for seconds.
 */
async function bundleFixture(dir: string): Promise<string> {
  const outfile = join(dir, 'shm-worker.js');
  await build({ entryPoints: [FIXTURE], bundle: true, platform: 'node', format: 'cjs', conditions: ['@rxmsg/source'], outfile, logLevel: 'silent' });
  return outfile;
}

let workerScript = '';

function startWorker(mode: string, end: SharedMemoryEnd, count?: number): Worker {
  return new Worker(workerScript, { workerData: { mode, end, count }, transferList: [end.port] });
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      worker.off('error', onError);
      resolve(m);
    };
    const onError = (e: unknown): void => {
      worker.off('message', onMessage);
      reject(e);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once('exit', resolve));
}

/** Handlers that keep what the main thread's side of a raw link saw. */
function recorder(): { handlers: ConnectionHandlers; text: () => string; closed: Promise<RxmsgError | undefined>; closes: () => number } {
  let text = '';
  let closes = 0;
  let done!: (e: RxmsgError | undefined) => void;
  const closed = new Promise<RxmsgError | undefined>((resolve) => (done = resolve));
  const decoder = new TextDecoder();
  return {
    handlers: {
      onData: (b) => (text += decoder.decode(b)),
      onEnd: () => {},
      onDrain: () => {},
      onClose: (e) => {
        closes++;
        done(e);
      },
    },
    text: () => text,
    closed,
    closes: () => closes,
  };
}

describe('shared-memory transport between threads', function () {
  this.timeout(30_000);
  const workers: Worker[] = [];
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxmsg-shm-'));
    workerScript = await bundleFixture(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  it('serves an rxmsg client in a worker thread from a server on the main thread', async () => {
    const shm = sharedMemoryTransport();
    const server = await createServer({ listen: 'shm://main:0', transports: [shm], protocol: TextEcho, processor: echo });
    try {
      expect(server.addresses()).to.deep.equal(['shm://main:0']);
      const [mine, theirs] = createSharedMemoryLink({ bytes: 4096 });
      const disconnected = waitFor(server.events$, (e: ServerEvent) => e.type === 'disconnected', 20_000);
      shm.offer(mine);
      const worker = startWorker('client', theirs, 500);
      workers.push(worker);
      const result = (await within(nextMessage(worker), 20_000, 'the worker client')) as { type: string; replies: { n: number }[] };
      expect(result.type).to.equal('done');
      expect(result.replies.map((r) => r.n)).to.deep.equal(Array.from({ length: 500 }, (_, i) => i));
      const gone = await disconnected;
      expect(gone.type === 'disconnected' && gone.error).to.equal(undefined);
      // The worker has nothing left open: it ends by itself.
      expect(await within(exited(worker), 10_000, 'worker exit')).to.equal(0);
    } finally {
      await server.close();
    }
  });

  for (const how of ['terminate', 'process.exit'] as const) {
    it(`closes the main thread's side with SharedMemoryPeerError peer-gone when the worker thread ends (${how})`, async () => {
      const [mine, theirs] = createSharedMemoryLink();
      const connection = new SharedMemoryConnection(mine);
      const seen = recorder();
      connection.start(seen.handlers);
      const worker = startWorker('raw', theirs);
      workers.push(worker);
      expect(await within(nextMessage(worker), 20_000, 'worker ready')).to.deep.equal({ type: 'ready' });
      await eventually(() => seen.text() === 'hello\n', 10_000, 'the worker\'s bytes');
      if (how === 'terminate') await worker.terminate();
      else worker.postMessage('exit');
      const error = await within(seen.closed, 10_000, 'close');
      expect(error).to.be.instanceOf(SharedMemoryPeerError);
      expect(error?.code).to.equal('TRANSPORT_FAILED');
      expect((error as SharedMemoryPeerError).reason).to.equal('peer-gone');
      expect(seen.closes()).to.equal(1);
    });
  }

  it('carries random chunks both ways between two threads, with random pauses on both sides, intact and without a stall', async () => {
    // One worker echoes every run's link (starting a worker costs seconds on a loaded machine), and
    // each run moves at most MAX_LAPS ringfuls: every ringful is a hand-over between the threads,
    // whose cost is the scheduler's latency, so an unbounded ratio of bytes to ring made the run
    // time depend on the machine's load (150,000 bytes through a 64-byte ring: 2,300 hand-overs).
    const MAX_LAPS = 64;
    const worker = new Worker(workerScript, { workerData: { mode: 'echo-series' } });
    workers.push(worker);
    const sizes = fc.integer({ min: 64, max: 4096 }).chain((ring) => fc.tuple(fc.constant(ring), fc.integer({ min: 1, max: Math.min(150_000, ring * MAX_LAPS) })));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 0x7fffffff }), sizes, async (seed, [ringBytes, total]) => {
        let s = seed;
        const random = (): number => {
          s ^= s << 13;
          s ^= s >>> 17;
          s ^= s << 5;
          return (s >>> 0) / 0x100000000;
        };
        const sent = new Uint8Array(total);
        for (let i = 0; i < total; i++) sent[i] = (i * 31 + seed) & 0xff;
        const [mine, theirs] = createSharedMemoryLink({ bytes: ringBytes });
        const connection = new SharedMemoryConnection(mine);
        const received = new Uint8Array(total);
        let got = 0;
        let overflow = false;
        let closes = 0;
        let drained: (() => void) | undefined;
        let napping = false;
        let closedWith!: (e: RxmsgError | undefined) => void;
        const closed = new Promise<RxmsgError | undefined>((resolve) => (closedWith = resolve));
        connection.start({
          onData: (b) => {
            if (got + b.length > total) overflow = true;
            else received.set(b, got);
            got += b.length;
            if (!napping && random() < 0.2) {
              napping = true;
              connection.pause();
              setTimeout(() => {
                napping = false;
                connection.resume();
              }, Math.floor(random() * 3));
            }
          },
          onEnd: () => {},
          onDrain: () => drained?.(),
          onClose: (e) => {
            closes++;
            closedWith(e);
          },
        });
        const workerClosed = nextMessage(worker);
        worker.postMessage({ end: theirs, seed }, [theirs.port]);
        for (let at = 0; at < total; ) {
          const n = Math.min(total - at, 1 + Math.floor(random() * ringBytes * 3));
          const accepted = connection.write(sent.subarray(at, at + n));
          at += n;
          if (!accepted) await within(new Promise<void>((resolve) => (drained = resolve)), 20_000, `drain after ${at} of ${total} bytes`);
          else if (random() < 0.1) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        connection.end();
        const error = await within(closed, 20_000, `close (${got} of ${total} bytes back)`);
        expect(error).to.equal(undefined);
        expect(closes).to.equal(1);
        expect(overflow).to.equal(false);
        expect(got).to.equal(total);
        expect(Buffer.compare(received, sent)).to.equal(0);
        expect(await within(workerClosed, 20_000, 'the worker side closes')).to.deep.equal({ type: 'closed', seed, error: undefined });
      }),
      { numRuns: 8 },
    );
    // The worker's connections, all closed, hold nothing open: once it stops listening it ends by itself.
    const exit = exited(worker);
    worker.postMessage('done');
    expect(await within(exit, 20_000, 'worker exit')).to.equal(0);
  });
});
