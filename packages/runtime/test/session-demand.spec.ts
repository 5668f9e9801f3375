import { expect } from 'chai';
import { NEVER, Subject, filter, ignoreElements, map, merge, take, takeUntil } from 'rxjs';
import { FlowControlError, MAX_CREDIT, MAX_STREAM_ID, binaryCodec, textCodec, type OutboundStream, type Peer } from '@rxmsg/core';
import { MAX_EARLY_GRANTS, consume, paced, type ConnectionEvent } from '@rxmsg/runtime';
import { demandSession, getLine, row, rowsWritten, settle, until, type Get, type Row } from './support/demand-session';

type AnyPeer = Peer<unknown, unknown, unknown>;

function* rows(n: number): Generator<Row> {
  for (let i = 0; i < n; i++) yield row(i);
}

async function* asyncRows(n: number): AsyncGenerator<Row> {
  for (let i = 0; i < n; i++) {
    if (i % 100 === 0) await Promise.resolve();
    yield row(i);
  }
}

const ofType = <K extends ConnectionEvent['type']>(events: ConnectionEvent[], type: K) =>
  events.filter((e): e is Extract<ConnectionEvent, { type: K }> => e.type === type);

/** The frame bytes of a credit grant, framed, in `codec`. */
function creditBytes(codec: typeof textCodec, stream: number, n: number): string | Uint8Array {
  const frame = codec.creditFrame;
  if (frame === undefined) throw new Error(`codec ${codec.name} has no credit frames`);
  return frame(stream, n, true);
}

/** Assert that `values` is exactly `0..n-1`, naming the first difference (no diff of huge arrays). */
function expectSequence(values: readonly number[], n: number): void {
  let i = 0;
  while (i < values.length && i < n && values[i] === i) i++;
  expect({ length: values.length, firstDifference: i === n && values.length === n ? -1 : i }).to.deep.equal({ length: n, firstDifference: -1 });
}

describe('Session demand', () => {
  describe('pulled processor output over a socket that stops accepting writes', () => {
    const LIMIT = 64;

    for (const [name, source, total] of [
      ['a generator of 100,000 messages', () => rows(100_000), 100_000],
      ['an async generator of 20,000 messages', () => asyncRows(20_000), 20_000],
    ] as const) {
      it(`${name}: never more than sendQueueLimit queued, nothing lost once the socket drains`, async () => {
        const { connection, events, session, drain } = demandSession(() => source(), { config: { sendQueueLimit: LIMIT }, accepting: false });
        let peak = 0;
        let drains = 0;
        await settle();
        // The socket takes one write each time it drains and is full again at once.
        while (!session.closing) {
          peak = Math.max(peak, session.queued);
          drain(true);
          drains++;
          peak = Math.max(peak, session.queued);
          await settle(1);
          if (drains > total) throw new Error('no progress');
        }
        drain();
        await until(() => connection.closed, 'the connection closes once the queue is flushed');
        expect(peak).to.be.at.most(LIMIT);
        expect(peak).to.be.at.least(LIMIT / 2);
        expect(ofType(events, 'send-queue-full')).to.have.length(0);
        expect(ofType(events, 'message-dropped')).to.have.length(0);
        expect(ofType(events, 'disconnected')[0]).to.deep.include({ reason: 'completed' });
        expectSequence(rowsWritten(connection), total);
      });
    }

    it('an async generator that throws: a processor-error event, and the connection closes', async () => {
      const { connection, events } = demandSession(async function* () {
        yield row(1);
        await Promise.resolve();
        throw new RangeError('database gone');
      });
      await until(() => connection.closed, 'the connection closes');
      const failures = ofType(events, 'processor-error');
      expect(failures).to.have.length(1);
      expect(failures[0]!.error).to.have.property('code', 'PROCESSOR_FAILED');
      expect(failures[0]!.error.cause).to.be.instanceOf(RangeError);
      expect(ofType(events, 'disconnected')[0]).to.deep.include({ reason: 'processor-error' });
      expect(rowsWritten(connection)).to.deep.equal([1]);
    });

    it('a sync iterator whose next() returns no object after a wait for room: a processor-error event, and the connection closes', async () => {
      let calls = 0;
      const broken: Iterable<Row> = {
        [Symbol.iterator]: () => ({
          // A hand-written iterator with a bug: after 8 rows it returns undefined instead of { done: true }.
          next: () => (++calls <= 8 ? { done: false, value: row(calls) } : (undefined as unknown as IteratorResult<Row>)),
        }),
      };
      const { connection, events, drain } = demandSession(() => broken, { config: { sendQueueLimit: 4 }, accepting: false });
      await settle();
      drain();
      await until(() => connection.closed, 'the connection closes');
      const failures = ofType(events, 'processor-error');
      expect(failures).to.have.length(1);
      expect(failures[0]!.error.cause).to.be.instanceOf(TypeError);
      expect(ofType(events, 'disconnected')[0]).to.deep.include({ reason: 'processor-error' });
    });

    for (const kind of ['sync', 'async'] as const) {
      it(`a ${kind} generator cut off by the connection's end runs its finally; what that throws is a processor-error`, async () => {
        let finalized = 0;
        function* syncSource(): Generator<Row> {
          try {
            for (let i = 0; ; i++) yield row(i);
          } finally {
            finalized++;
            // eslint-disable-next-line no-unsafe-finally
            throw new RangeError('cleanup failed');
          }
        }
        async function* asyncSource(): AsyncGenerator<Row> {
          try {
            for (let i = 0; ; i++) yield row(i);
          } finally {
            finalized++;
            // eslint-disable-next-line no-unsafe-finally
            throw new RangeError('cleanup failed');
          }
        }
        const { connection, events } = demandSession(() => (kind === 'sync' ? syncSource() : asyncSource()), { config: { sendQueueLimit: 8 }, accepting: false });
        await settle();
        expect(finalized).to.equal(0);
        connection.destroy();
        await until(() => ofType(events, 'processor-error').length > 0, 'the cleanup failure is reported');
        expect(finalized).to.equal(1);
        const failure = ofType(events, 'processor-error')[0]!;
        expect(failure.error.cause).to.be.instanceOf(RangeError);
        expect(ofType(events, 'disconnected')).to.have.length(1);
      });
    }
  });

  describe('credits', () => {
    for (const binary of [false, true]) {
      const codec = binary ? binaryCodec : textCodec;
      it(`${codec.name}: credit frames received reach the stage's stream: paced sends exactly what was granted`, async () => {
        const { connection, session } = demandSession(
          (in$, peer) => merge(in$.pipe(ignoreElements()), paced(peer as AnyPeer, rows(10), { stream: 7 })),
          { binary },
        );
        await settle();
        expect(session.stats().messagesOut).to.equal(0);
        connection.receive(creditBytes(codec, 7, 3));
        await settle();
        expect(session.stats().messagesOut).to.equal(3);
        // Grants for another stream do not count.
        connection.receive(creditBytes(codec, 8, 100));
        await settle();
        expect(session.stats().messagesOut).to.equal(3);
        connection.receive(creditBytes(codec, 7, 100));
        await settle();
        expect(session.stats().messagesOut).to.equal(10);
        if (!binary) expectSequence(rowsWritten(connection), 10);
        connection.destroy();
      });

      it(`${codec.name}: grant() writes the exact credit frame`, async () => {
        let peer: AnyPeer | undefined;
        const { connection } = demandSession(
          (_in$, p) => {
            peer = p as AnyPeer;
            return NEVER;
          },
          { binary },
        );
        expect(peer!.grant(5, 100)).to.equal(true);
        expect(peer!.grant(MAX_STREAM_ID, MAX_CREDIT)).to.equal(true);
        await settle();
        if (binary) {
          const bytes = Buffer.concat(connection.written.map((c) => Buffer.from(c as Uint8Array))).toString('hex');
          expect(bytes).to.equal('0000000a' + 'c103' + '00000005' + '00000064' + '0000000a' + 'c103' + 'ffffffff' + '7fffffff');
        } else expect(connection.text()).to.equal('#credit 5 100\n#credit 4294967295 2147483647\n');
        connection.destroy();
        expect(peer!.grant(5, 1)).to.equal(false);
      });
    }

    it('a processor that only produces under credits reads the grants once it subscribes to its input', async () => {
      const { connection } = demandSession((in$, peer) => merge(paced(peer as AnyPeer, rows(100), { stream: 1 }), in$.pipe(ignoreElements())));
      connection.receive('#credit 1 10\n');
      await until(() => rowsWritten(connection).length === 10, 'ten rows are sent');
      connection.receive('#credit 1 5\n');
      await until(() => rowsWritten(connection).length === 15, 'five more rows are sent');
      await settle();
      expect(rowsWritten(connection)).to.have.length(15);
      connection.destroy();
    });

    it('a consumer that grants before it asks is answered: the early grant counts when the request opens the stream', async () => {
      const { connection, session } = demandSession((in$, peer) =>
        in$.pipe(consume((m: Get) => paced(peer as AnyPeer, rows(5), { stream: m.n }))),
      );
      connection.receive('#credit 1 3\n' + getLine(1));
      await settle();
      expect(session.stats().messagesOut).to.equal(3);
      connection.receive('#credit 1 2\n');
      await settle();
      expect(rowsWritten(connection)).to.deep.equal([0, 1, 2, 3, 4]);
      connection.destroy();
    });

    it('grant() with a stream or n out of range throws FlowControlError and writes nothing', async () => {
      let peer: AnyPeer | undefined;
      const { connection } = demandSession((_in$, p) => {
        peer = p as AnyPeer;
        return NEVER;
      });
      for (const [stream, n] of [
        [-1, 1],
        [1.5, 1],
        [MAX_STREAM_ID + 1, 1],
        [1, 0],
        [1, -1],
        [1, 0.5],
        [1, MAX_CREDIT + 1],
        [Number.NaN, 1],
      ] as const) {
        expect(() => peer!.grant(stream, n), `grant(${stream}, ${n})`).to.throw(FlowControlError);
      }
      await settle();
      expect(connection.written).to.deep.equal([]);
      connection.destroy();
    });

    it('openStream() twice throws FlowControlError; send without a credit is a message-dropped event with cause no-credit', async () => {
      let stream: OutboundStream<unknown> | undefined;
      let peer: AnyPeer | undefined;
      const { connection, events, session } = demandSession((in$, p) => {
        peer = p as AnyPeer;
        stream = peer.openStream(4);
        return in$.pipe(ignoreElements());
      });
      expect(() => peer!.openStream(4)).to.throw(FlowControlError).with.property('code', 'FLOW_CONTROL');
      expect(stream!.send(row(1))).to.equal(false);
      const dropped = ofType(events, 'message-dropped');
      expect(dropped).to.have.length(1);
      expect(dropped[0]).to.deep.include({ direction: 'out', cause: 'no-credit', dropped: 1 });
      connection.receive('#credit 4 1\n');
      await settle();
      expect(stream!.credits).to.equal(1);
      expect(stream!.send(row(2))).to.equal(true);
      expect(stream!.credits).to.equal(0);
      await settle();
      expect(rowsWritten(connection)).to.deep.equal([2]);
      expect(session.stats().messagesDropped).to.equal(1);
      connection.destroy();
    });

    it(`a peer granting credits to 1,000 streams nobody opened makes the stage keep ${MAX_EARLY_GRANTS}`, async () => {
      let peer: AnyPeer | undefined;
      const { connection } = demandSession((in$, p) => {
        peer = p as AnyPeer;
        return in$.pipe(ignoreElements());
      });
      let grants = '';
      for (let s = 0; s < 1000; s++) grants += `#credit ${s} 1\n`;
      connection.receive(grants);
      await settle();
      expect(peer!.openStream(999).credits).to.equal(1);
      expect(peer!.openStream(1000 - MAX_EARLY_GRANTS).credits).to.equal(1);
      expect(peer!.openStream(1000 - MAX_EARLY_GRANTS - 1).credits).to.equal(0);
      expect(peer!.openStream(0).credits).to.equal(0);
      connection.destroy();
    });

    it('credits reset when a stage ends: in a stack the next stage starts with none', async () => {
      const peers: AnyPeer[] = [];
      let first: OutboundStream<unknown> | undefined;
      const { connection } = demandSession(() => NEVER, {
        stack: [
          (in$, p) => {
            peers.push(p as AnyPeer);
            first = p.openStream(7);
            // Ends on Get { n: 0 }.
            return in$.pipe(filter((m: Get) => m.n === 0), take(1), ignoreElements());
          },
          (in$, p) => {
            peers.push(p as AnyPeer);
            return in$.pipe(ignoreElements());
          },
        ],
      });
      connection.receive('#credit 7 5\n');
      connection.receive('#credit 8 5\n');
      await settle();
      expect(first!.credits).to.equal(5);
      const ready = first!.ready();
      expect(await ready).to.equal(true);
      connection.receive(getLine(0));
      await settle();
      expect(peers).to.have.length(2);
      // The first stage's stream is closed: it sends nothing, and waits for nothing.
      expect(await first!.ready()).to.equal(false);
      expect(first!.send(row(1))).to.equal(false);
      expect(() => peers[0]!.openStream(9)).to.throw(FlowControlError);
      expect(peers[1]!.openStream(7).credits).to.equal(0);
      expect(peers[1]!.openStream(8).credits).to.equal(0);
      connection.destroy();
    });

    it('whenWritable() resolves false when the stage ends, and at once afterwards', async () => {
      let peer: AnyPeer | undefined;
      const { connection, socket } = demandSession(
        (in$, p) => {
          peer = p as AnyPeer;
          return in$.pipe(filter((m: Get) => m.n === 0), take(1), ignoreElements());
        },
        { config: { sendQueueLimit: 4 } },
      );
      socket.accepting = false;
      for (let i = 0; i < 12 && peer!.writable; i++) peer!.send(row(i));
      expect(peer!.writable).to.equal(false);
      let settled: boolean | 'pending' = 'pending';
      void peer!.whenWritable().then((ok) => (settled = ok));
      await settle();
      expect(settled).to.equal('pending');
      connection.receive(getLine(0));
      await until(() => settled !== 'pending', 'whenWritable settles');
      expect(settled).to.equal(false);
      expect(await peer!.whenWritable()).to.equal(false);
      expect(peer!.writable).to.equal(false);
      connection.destroy();
    });

    it('whenWritable() resolves true once the queue drained to half its limit', async () => {
      let peer: AnyPeer | undefined;
      const { connection, socket, drain, session } = demandSession(
        (_in$, p) => {
          peer = p as AnyPeer;
          return NEVER;
        },
        { config: { sendQueueLimit: 4 } },
      );
      socket.accepting = false;
      for (let i = 0; i < 12 && peer!.writable; i++) peer!.send(row(i));
      expect(peer!.writable).to.equal(false);
      let settled: boolean | 'pending' = 'pending';
      void peer!.whenWritable().then((ok) => (settled = ok));
      drain();
      await until(() => settled !== 'pending', 'whenWritable settles');
      expect(settled).to.equal(true);
      expect(session.queued).to.be.at.most(2);
      connection.destroy();
    });
  });

  describe('consume', () => {
    it('a projection returning a generator is paced: 10,000 rows through a queue of 16', async () => {
      const LIMIT = 16;
      const { connection, events, session, socket, drain } = demandSession((in$) => in$.pipe(consume((m: Get) => rows(m.n))), {
        config: { sendQueueLimit: LIMIT },
      });
      socket.accepting = false;
      connection.receive(getLine(10_000));
      await settle();
      let peak = session.queued;
      for (let k = 0; k < 20_000 && session.stats().messagesOut < 10_000; k++) {
        drain(true);
        peak = Math.max(peak, session.queued);
        await settle(1);
        peak = Math.max(peak, session.queued);
      }
      drain();
      await settle();
      expect(peak).to.be.at.most(LIMIT);
      expect(ofType(events, 'send-queue-full')).to.have.length(0);
      expectSequence(rowsWritten(connection), 10_000);
      connection.destroy();
    });

    it('unsubscribing consume early releases its unacknowledged messages: input resumes', async () => {
      const stop = new Subject<void>();
      const { connection, session } = demandSession((in$) => merge(in$.pipe(consume(() => NEVER), takeUntil(stop)), NEVER.pipe(map(() => row(0)))), {
        config: { receiveQueueLimit: 2 },
      });
      connection.receive([1, 2, 3, 4, 5].map(getLine).join(''));
      await settle();
      expect(connection.paused).to.equal(true);
      stop.next();
      await settle();
      expect(connection.paused).to.equal(false);
      expect(session.inputPaused).to.equal(false);
      expect(session.closing).to.equal(false);
      connection.destroy();
    });
  });
});
