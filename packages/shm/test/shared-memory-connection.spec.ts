import { expect } from 'chai';
import fc from 'fast-check';
import { TransportError, type ConnectionHandlers, type RxmsgError } from '@rxmsg/core';
import { within } from '@rxmsg/test-utils';
import { createSharedMemoryLink } from '../src/create-shared-memory-link';
import { SharedMemoryConnection } from '../src/shared-memory-connection';
import { SharedMemoryPeerError } from '../src/shared-memory-peer-error';

/** What a connection delivered, and promises of its end, close and next drain. */
class Recorder implements ConnectionHandlers {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  ends = 0;
  drains = 0;
  closes: (RxmsgError | undefined)[] = [];
  readonly closed: Promise<RxmsgError | undefined>;
  readonly ended: Promise<void>;
  private onClosed!: (error: RxmsgError | undefined) => void;
  private onEnded!: () => void;
  private waiters: { readonly bytes: number; readonly resolve: () => void }[] = [];
  private drainWaiter: (() => void) | undefined;

  constructor() {
    this.closed = new Promise((resolve) => (this.onClosed = resolve));
    this.ended = new Promise((resolve) => (this.onEnded = resolve));
  }
  onData(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.waiters = this.waiters.filter((w) => (this.bytes >= w.bytes ? (w.resolve(), false) : true));
  }
  onEnd(): void {
    this.ends++;
    this.onEnded();
  }
  onDrain(): void {
    this.drains++;
    this.drainWaiter?.();
    this.drainWaiter = undefined;
  }
  onClose(error: RxmsgError | undefined): void {
    this.closes.push(error);
    this.onClosed(error);
  }
  /** Resolves once `n` bytes arrived in total. */
  received(n: number): Promise<void> {
    return this.bytes >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ bytes: n, resolve }));
  }
  drained(): Promise<void> {
    return new Promise((resolve) => (this.drainWaiter = resolve));
  }
  all(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function pair(bytes = 256, maxPendingBytes?: number): { a: SharedMemoryConnection; b: SharedMemoryConnection; ra: Recorder; rb: Recorder } {
  const [ea, eb] = createSharedMemoryLink({ bytes });
  const options = maxPendingBytes === undefined ? {} : { maxPendingBytes };
  const a = new SharedMemoryConnection(ea, options);
  const b = new SharedMemoryConnection(eb, options);
  const ra = new Recorder();
  const rb = new Recorder();
  a.start(ra);
  b.start(rb);
  return { a, b, ra, rb };
}

function pattern(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

/** Write `data` in `sizes`-sized chunks, each after the previous drained when write() said so. */
async function writeAll(c: SharedMemoryConnection, r: Recorder, data: Uint8Array, sizes: readonly number[]): Promise<void> {
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const n = Math.min(sizes[i++ % sizes.length]!, data.length - at);
    const drained = r.drained();
    if (!c.write(data.subarray(at, at + n))) await drained;
    at += n;
  }
}

describe('SharedMemoryConnection', () => {
  it('carries random chunks, larger and smaller than the ring, intact both ways', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 5000 }), async (sizes, total) => {
        const { a, b, ra, rb } = pair(100);
        const ab = pattern(total, 1);
        const ba = pattern(total, 2);
        await Promise.all([writeAll(a, ra, ab, sizes), writeAll(b, rb, ba, sizes), rb.received(total), ra.received(total)]);
        expect(rb.all()).to.deep.equal(ab);
        expect(ra.all()).to.deep.equal(ba);
        expect(a.bytesWritten).to.equal(total);
        expect(b.bytesRead).to.equal(total);
        a.end();
        b.end();
        expect(await within(ra.closed, 5000, "close")).to.equal(undefined);
      }),
      { numRuns: 25 },
    );
  });

  it('applies backpressure: a paused reader fills the ring, write() returns false, and everything arrives after resume', async () => {
    const { a, b, ra, rb } = pair(256);
    b.pause();
    const data = pattern(10_000);
    const drained = ra.drained();
    // The ring takes 256 bytes; the rest of the chunk waits and write() says so.
    expect(a.write(data)).to.equal(false);
    expect(a.bytesWritten).to.equal(10_000);
    // The reader stays paused across several turns of the event loop: nothing is read.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(rb.bytes).to.equal(0);
    expect(ra.drains).to.equal(0);
    b.resume();
    await within(Promise.all([drained, rb.received(data.length)]), 5000, 'drain and data');
    expect(rb.all()).to.deep.equal(data);
    expect(ra.drains).to.equal(1);
    a.destroy();
    await rb.closed;
  });

  it('half-closes: the side that ended still receives, and both close without error once both ended', async () => {
    const { a, b, ra, rb } = pair();
    a.write('last words\n');
    a.end();
    await within(rb.ended, 5000, 'end');
    expect(new TextDecoder().decode(rb.all())).to.equal('last words\n');
    expect(a.write('more')).to.equal(false);
    expect(b.write('reply\n')).to.equal(true);
    await ra.received(6);
    expect(ra.closes).to.deep.equal([]);
    b.end();
    expect(await within(ra.closed, 5000, 'a closed')).to.equal(undefined);
    expect(await within(rb.closed, 5000, 'b closed')).to.equal(undefined);
    expect(new TextDecoder().decode(ra.all())).to.equal('reply\n');
    expect([ra.ends, rb.ends, ra.closes.length, rb.closes.length]).to.deep.equal([1, 1, 1, 1]);
  });

  it('destroy: closes this side without error, once, and the other side with SharedMemoryPeerError peer-destroyed', async () => {
    const { a, b, ra, rb } = pair();
    b.pause(); // even a side that does not read learns it
    a.destroy();
    a.destroy();
    expect(ra.closes).to.deep.equal([]); // reported a microtask later, never inside destroy()
    expect(await ra.closed).to.equal(undefined);
    const error = await within(rb.closed, 5000, 'peer close');
    expect(error).to.be.instanceOf(SharedMemoryPeerError);
    expect(error).to.be.instanceOf(TransportError);
    expect(error?.code).to.equal('TRANSPORT_FAILED');
    expect((error as SharedMemoryPeerError).reason).to.equal('peer-destroyed');
    b.destroy();
    await Promise.resolve();
    expect([ra.closes.length, rb.closes.length]).to.deep.equal([1, 1]);
    expect(a.write('x')).to.equal(false);
  });

  it('closes with peer-gone when the other end closes without ending', async () => {
    const [ea, eb] = createSharedMemoryLink();
    const a = new SharedMemoryConnection(ea);
    const ra = new Recorder();
    a.start(ra);
    // The other end's port goes away as it does when its thread ends.
    eb.port.close();
    const error = await within(ra.closed, 5000, 'close');
    expect(error).to.be.instanceOf(SharedMemoryPeerError);
    expect((error as SharedMemoryPeerError).reason).to.equal('peer-gone');
  });

  it('refuses an end used twice, and objects that are not ends', () => {
    const [ea, eb] = createSharedMemoryLink();
    const a = new SharedMemoryConnection(ea);
    expect(() => new SharedMemoryConnection(ea)).to.throw(TransportError, /already in use/);
    expect(() => new SharedMemoryConnection({ ...eb, send: new SharedArrayBuffer(8) })).to.throw(TransportError, /send ring/);
    a.destroy();
    new SharedMemoryConnection(eb).destroy();
  });

  it('closes with a TransportError when a writer ignores false and writes past maxPendingBytes', async () => {
    const { a, ra, rb } = pair(64, 1000);
    expect(a.write(pattern(500))).to.equal(false);
    expect(a.write(pattern(900))).to.equal(false);
    expect(a.write(pattern(200))).to.equal(false);
    const error = await within(ra.closed, 5000, 'close');
    expect(error).to.be.instanceOf(TransportError);
    expect(await within(rb.closed, 5000, 'peer close')).to.be.instanceOf(SharedMemoryPeerError);
  });
});
