import { expect } from 'chai';
import fc from 'fast-check';
import { OutboundQueue } from '@rxmsg/runtime/internal';
import { FakeConnection } from '@rxmsg/test-utils';

const encoder = new TextEncoder();
const utf8 = (s: string): number => encoder.encode(s).length;

/** A queue whose end-of-tick flush runs only when the test calls `tick()`. */
function manual(
  connection: FakeConnection,
  limits: { messages: number; bytes: number; coalesce?: boolean },
  onRelief?: () => void,
): { q: OutboundQueue; tick: () => void } {
  let pending: (() => void) | undefined;
  const q = new OutboundQueue(connection, limits, onRelief, (work) => (pending = work));
  return {
    q,
    tick: () => {
      const work = pending;
      pending = undefined;
      work?.();
    },
  };
}

describe('OutboundQueue', () => {
  it('coalesces chunks queued in one tick into one write per type run', async () => {
    const c = new FakeConnection();
    const q = new OutboundQueue(c, { messages: 100, bytes: 1 << 20 });
    q.push('a\n');
    q.push('b\n');
    q.push(Uint8Array.of(1, 2));
    q.push(Uint8Array.of(3));
    q.push('c\n');
    expect(c.written).to.deep.equal([]);
    await Promise.resolve();
    expect(c.written).to.deep.equal(['a\nb\n', Uint8Array.of(1, 2, 3), 'c\n']);
  });

  it('writes each chunk alone when not coalescing (message transports)', () => {
    const c = new FakeConnection();
    const { q, tick } = manual(c, { messages: 100, bytes: 1 << 20, coalesce: false });
    q.push('a');
    q.push('b');
    tick();
    expect(c.written).to.deep.equal(['a', 'b']);
  });

  it('is full at its limit in messages, refuses more unless forced', () => {
    const c = new FakeConnection(() => false);
    const { q, tick } = manual(c, { messages: 3, bytes: 1 << 20 });
    q.push('z');
    tick(); // written; the connection now pushes back, so the queue keeps what follows
    expect(q.push('a')).to.equal(true);
    expect(q.push('b')).to.equal(true);
    expect(q.full).to.equal(false);
    expect(q.push('c')).to.equal(true);
    expect(q.full).to.equal(true);
    expect(q.push('d')).to.equal(false);
    expect(q.push('d', true)).to.equal(true);
    expect(q.length).to.equal(4);
  });

  it('counts text chunks in UTF-8 bytes, so multi-byte text meets the byte limit', () => {
    const c = new FakeConnection(() => false);
    const { q, tick } = manual(c, { messages: 100, bytes: 12 });
    q.push('z');
    tick(); // written; the connection now pushes back, so the queue keeps what follows
    q.push('é');
    q.push('世');
    q.push('😀');
    q.push(Uint8Array.of(1, 2));
    expect(q.bytes).to.equal(2 + 3 + 4 + 2);
    expect(q.full).to.equal(false);
    expect(q.push('世')).to.equal(true);
    // 14 bytes but only 7 UTF-16 units: full in bytes.
    expect(q.full).to.equal(true);
    expect(q.push('a')).to.equal(false);
  });

  it('counts any text, lone surrogates included, as the bytes TextEncoder writes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { maxLength: 20 }), (texts) => {
        const q = new OutboundQueue(new FakeConnection(() => false), { messages: 1000, bytes: 1 << 30 }, undefined, () => {});
        for (const t of texts) q.push(t);
        expect(q.bytes).to.equal(texts.reduce((n, t) => n + utf8(t), 0));
      }),
    );
  });

  it('flushes at once when BATCH (256) chunks wait, instead of at the end of the tick', () => {
    const c = new FakeConnection();
    const { q } = manual(c, { messages: 10_000, bytes: 1 << 30 });
    for (let i = 0; i < 255; i++) q.push('x');
    expect(c.written).to.have.length(0);
    q.push('x');
    expect(c.written).to.deep.equal(['x'.repeat(256)]);
    expect(q.length).to.equal(0);
  });

  it('splits coalesced writes at MAX_WRITE (256 KiB), counted in bytes', () => {
    const c = new FakeConnection();
    const { q, tick } = manual(c, { messages: 100, bytes: 1 << 30 });
    for (let i = 0; i < 5; i++) q.push(new Uint8Array(100_000));
    // 50,000 three-byte characters: 150,000 bytes each though only 50,000 units.
    for (let i = 0; i < 3; i++) q.push('世'.repeat(50_000));
    tick();
    expect(c.written.map((w) => (typeof w === 'string' ? utf8(w) : w.length))).to.deep.equal([300_000, 200_000, 300_000, 150_000]);
  });

  it('holds writes while the connection pushes back, resumes on drain, and reports idle then', () => {
    let ok = false;
    const c = new FakeConnection(() => ok);
    const { q, tick } = manual(c, { messages: 10, bytes: 1 << 20 });
    q.push('a');
    tick();
    expect(c.written).to.deep.equal(['a']);
    expect(q.idle).to.equal(false);
    q.push('b');
    q.push('c');
    tick();
    expect(c.written).to.deep.equal(['a']);
    let idle = 0;
    q.whenIdle(() => idle++);
    expect(idle).to.equal(0);
    ok = true;
    q.drained();
    expect(c.written).to.deep.equal(['a', 'bc']);
    expect(idle).to.equal(1);
    q.whenIdle(() => idle++);
    expect(idle).to.equal(2);
  });

  it('calls onRelief once, when a queue that was full has drained to half its limits', () => {
    const c = new FakeConnection(() => false);
    let relief = 0;
    const { q, tick } = manual(c, { messages: 4, bytes: 1 << 20, coalesce: false }, () => relief++);
    q.push('a');
    tick(); // 'a' written, connection blocked
    for (const s of ['b', 'c', 'd', 'e']) q.push(s);
    expect(q.push('f')).to.equal(false);
    q.drained(); // writes one chunk (the connection pushes back again): 3 left
    expect(relief).to.equal(0);
    q.drained(); // 2 left: half
    expect(relief).to.equal(1);
    q.drained();
    q.drained();
    expect(relief).to.equal(1);
  });

  it('hold() defers the flush until the last release()', () => {
    const c = new FakeConnection();
    const { q, tick } = manual(c, { messages: 100, bytes: 1 << 20 });
    q.hold();
    q.hold();
    q.push('a');
    q.push('b');
    tick();
    q.release();
    expect(c.written).to.deep.equal([]);
    q.release();
    expect(c.written).to.deep.equal(['ab']);
  });

  it('clear() drops what waits and returns how many chunks were unsent', () => {
    const c = new FakeConnection(() => false);
    const { q, tick } = manual(c, { messages: 100, bytes: 1 << 20 });
    q.push('a');
    tick();
    q.push('b');
    q.push('c');
    expect(q.clear()).to.equal(2);
    expect(q.length).to.equal(0);
    expect(q.bytes).to.equal(0);
    expect(q.clear()).to.equal(0);
  });

  it('pushed and settled tell when a chunk has left the queue (written, dropped or cleared)', () => {
    const c = new FakeConnection(() => false);
    const { q, tick } = manual(c, { messages: 100, bytes: 1 << 20 });
    q.push('a');
    const a = q.pushed;
    expect(q.settled < a).to.equal(true);
    tick();
    expect(q.settled >= a).to.equal(true);
    q.push('b');
    q.push('c');
    const c3 = q.pushed;
    expect([q.pushed, q.settled]).to.deep.equal([3, 1]);
    q.dropOldest();
    expect([q.pushed, q.settled]).to.deep.equal([3, 2]);
    expect(q.settled >= c3).to.equal(false);
    q.clear();
    expect(q.settled >= c3).to.equal(true);
    expect(q.push('d')).to.equal(true);
    expect(q.push('x'.repeat(10), true)).to.equal(true);
    expect(q.pushed).to.equal(5);
  });

  it('drops the oldest in O(1): 100,000 drops from a queue of 200,000 chunks', () => {
    let ok = false;
    const c = new FakeConnection(() => ok);
    const { q, tick } = manual(c, { messages: 200_000, bytes: 1 << 30 });
    q.push('first\n');
    tick(); // written; the connection now pushes back
    const n = 200_000;
    for (let i = 0; i < n - 1; i++) q.push(`${i}\n`);
    // A queue that shifts an array moves all its chunks on each drop: ~10^10 moves here.
    for (let i = n - 1; i < n - 1 + 100_000; i++) {
      expect(q.dropOldest()).to.equal(true);
      q.push(`${i}\n`, true);
    }
    expect(q.length).to.equal(n - 1);
    ok = true;
    q.drained();
    const rest = c.written.slice(1).join('');
    expect(rest.startsWith('100000\n100001\n')).to.equal(true);
    expect(rest.endsWith(`${n - 1 + 100_000 - 1}\n`)).to.equal(true);
    expect(rest.split('\n').length - 1).to.equal(n - 1);
    expect(q.dropOldest()).to.equal(false);
  });

  it('behaves as a FIFO array (property over push, drop-oldest, clear, flush and backpressure)', () => {
    type Op =
      | { op: 'push'; chunk: string | Uint8Array; force: boolean }
      | { op: 'drop' }
      | { op: 'clear' }
      | { op: 'tick' }
      | { op: 'accept'; ok: boolean }
      | { op: 'drained' };
    const chunk = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 6 }));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 8, arbitrary: fc.record({ op: fc.constant('push' as const), chunk, force: fc.boolean() }) },
      { weight: 2, arbitrary: fc.constant({ op: 'drop' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
      { weight: 2, arbitrary: fc.constant({ op: 'tick' as const }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('accept' as const), ok: fc.boolean() }) },
      { weight: 2, arbitrary: fc.constant({ op: 'drained' as const }) },
    );
    const size = (x: string | Uint8Array): number => (typeof x === 'string' ? utf8(x) : x.length);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.array(op, { maxLength: 300 }), (messages, coalesce, ops) => {
        let ok = true;
        const model: (string | Uint8Array)[] = [];
        let accepted = 0;
        const c = new FakeConnection(() => ok);
        const { q, tick } = manual(c, { messages, bytes: 1 << 20, coalesce });
        let seen = 0;
        /** Each write is the model's leading chunks of one type, joined. */
        const checkWrites = (): void => {
          for (; seen < c.written.length; seen++) {
            const w = c.written[seen]!;
            let taken = 0;
            let n = 0;
            while (taken < size(w)) {
              const head = model.shift();
              expect(head, 'write beyond the queue').to.not.equal(undefined);
              expect(typeof head).to.equal(typeof w);
              taken += size(head!);
              n++;
            }
            expect(taken).to.equal(size(w));
            if (!coalesce) expect(n).to.equal(1);
          }
        };
        for (const o of ops) {
          if (o.op === 'push') {
            const full = model.length >= messages;
            const r = q.push(o.chunk, o.force);
            expect(r).to.equal(!full || o.force);
            if (r) {
              model.push(o.chunk);
              accepted++;
            }
          } else if (o.op === 'drop') {
            checkWrites();
            expect(q.dropOldest()).to.equal(model.shift() !== undefined);
          } else if (o.op === 'clear') {
            checkWrites();
            expect(q.clear()).to.equal(model.length);
            model.length = 0;
          } else if (o.op === 'tick') tick();
          else if (o.op === 'accept') ok = o.ok;
          else q.drained();
          checkWrites();
          expect(q.length).to.equal(model.length);
          expect(q.bytes).to.equal(model.reduce((s, x) => s + size(x), 0));
          expect(q.full).to.equal(model.length >= messages);
          expect(q.pushed).to.equal(accepted);
          expect(q.settled).to.equal(accepted - model.length);
        }
        // Whatever waits goes out, in order, once the connection accepts.
        ok = true;
        q.drained();
        checkWrites();
        expect(model).to.deep.equal([]);
        expect(q.idle).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });
});
