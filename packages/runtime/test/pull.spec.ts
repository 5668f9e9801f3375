import { expect } from 'chai';
import { EMPTY, Subject, type Subscriber } from 'rxjs';
import { FlowControlError } from '@rxmsg/core';
import { pull } from '@rxmsg/runtime';
import { InboundStream, type Inlet } from '../src/inbound-stream';
import { demandSession, getLine, row, rowsWritten, settle, type Row } from './support/demand-session';

/** An inlet driven by the test, counting what acknowledged subscribers received and acknowledged. */
class FakeInlet implements Inlet<number> {
  readonly subscribers: Subscriber<number>[] = [];
  delivered = 0;
  acks = 0;
  attach(subscriber: Subscriber<number>, acknowledged: boolean): () => void {
    expect(acknowledged).to.equal(true);
    this.subscribers.push(subscriber);
    return () => this.subscribers.splice(this.subscribers.indexOf(subscriber), 1);
  }
  acknowledge(): void {
    this.acks++;
  }
  next(value: number): void {
    for (const s of [...this.subscribers]) {
      this.delivered++;
      s.next(value);
    }
  }
}

/** A barrier the test opens one pass at a time. */
function barrier() {
  const waiting: (() => void)[] = [];
  return {
    wait: (): Promise<void> => new Promise((resolve) => waiting.push(resolve)),
    pass: (): void => waiting.shift()?.(),
    get waiting(): number {
      return waiting.length;
    },
  };
}

describe('pull', () => {
  describe('over an acknowledged inbound stream', () => {
    it('acknowledges a message when the loop asks for the next one, not when it is delivered', async () => {
      const inlet = new FakeInlet();
      const it = pull(new InboundStream(inlet));
      const first = it.next();
      inlet.next(1);
      expect(await first).to.deep.equal({ done: false, value: 1 });
      inlet.next(2);
      inlet.next(3);
      expect(inlet.acks).to.equal(0);
      expect(await it.next()).to.deep.equal({ done: false, value: 2 });
      expect(inlet.acks).to.equal(1);
      expect(await it.next()).to.deep.equal({ done: false, value: 3 });
      expect(inlet.acks).to.equal(2);
      await it.return?.();
      expect(inlet.acks).to.equal(3);
      expect(inlet.subscribers).to.have.length(0);
    });

    it('return() acknowledges every message delivered and not consumed, and unsubscribes', async () => {
      const inlet = new FakeInlet();
      const it = pull(new InboundStream(inlet));
      const first = it.next();
      for (let i = 0; i < 5; i++) inlet.next(i);
      await first;
      await it.return?.();
      expect(inlet.delivered).to.equal(5);
      expect(inlet.acks).to.equal(5);
      expect(inlet.subscribers).to.have.length(0);
      expect(await it.next()).to.deep.equal({ done: true, value: undefined });
    });

    it('is not bounded by the limit: the connection holds input back instead', async () => {
      const inlet = new FakeInlet();
      const it = pull(new InboundStream(inlet), { limit: 2 });
      const first = it.next();
      for (let i = 0; i < 10; i++) inlet.next(i);
      await first;
      for (let i = 1; i < 10; i++) expect((await it.next()).value).to.equal(i);
      await it.return?.();
    });
  });

  describe('over a plain Observable', () => {
    it('throws FlowControlError past `limit` items waiting, after the items it holds, and unsubscribes', async () => {
      const source = new Subject<number>();
      const it = pull(source, { limit: 3 });
      const first = it.next();
      source.next(0);
      expect((await first).value).to.equal(0);
      for (let i = 1; i <= 4; i++) source.next(i);
      expect(source.observed).to.equal(false);
      expect((await it.next()).value).to.equal(1);
      expect((await it.next()).value).to.equal(2);
      expect((await it.next()).value).to.equal(3);
      let error: unknown;
      await it.next().catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(FlowControlError).with.property('code', 'FLOW_CONTROL');
      expect(await it.next()).to.deep.equal({ done: true, value: undefined });
    });

    it('propagates an error of the source to the loop, then ends', async () => {
      const source = new Subject<number>();
      const it = pull(source);
      const first = it.next();
      source.error(new RangeError('boom'));
      let error: unknown;
      await first.catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RangeError);
      expect(await it.next()).to.deep.equal({ done: true, value: undefined });
    });

    it('delivers what came before an error, then the error', async () => {
      const source = new Subject<number>();
      const it = pull(source);
      const first = it.next();
      source.next(1);
      source.next(2);
      source.error(new RangeError('boom'));
      expect((await first).value).to.equal(1);
      expect((await it.next()).value).to.equal(2);
      let error: unknown;
      await it.next().catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RangeError);
    });

    it('ends a for-await loop when the source completes, and an empty source at once', async () => {
      const source = new Subject<number>();
      const seen: number[] = [];
      const loop = (async () => {
        for await (const v of pull(source)) seen.push(v);
      })();
      await settle();
      source.next(1);
      source.next(2);
      source.complete();
      await loop;
      expect(seen).to.deep.equal([1, 2]);
      expect(await pull(EMPTY).next()).to.deep.equal({ done: true, value: undefined });
    });

    it('break (return()) unsubscribes and settles a pending next() as done', async () => {
      const source = new Subject<number>();
      const it = pull(source);
      const pending = it.next();
      expect(source.observed).to.equal(true);
      await it.return?.();
      expect(source.observed).to.equal(false);
      expect(await pending).to.deep.equal({ done: true, value: undefined });
    });

    it('refuses a second next() before the first settled with FlowControlError', async () => {
      const it = pull(new Subject<number>());
      void it.next();
      let error: unknown;
      await it.next().catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(FlowControlError);
      await it.return?.();
    });
  });

  describe('in a session (receiveQueueLimit)', () => {
    it('pauses the connection while the loop does not advance, and resumes as it does', async () => {
      const step = barrier();
      const { connection, events, session } = demandSession(
        async function* (in$): AsyncGenerator<Row> {
          for await (const m of pull(in$)) {
            yield row(m.n);
            await step.wait();
          }
        },
        { config: { receiveQueueLimit: 2 } },
      );
      connection.receive([1, 2, 3, 4, 5].map(getLine).join(''));
      await settle();
      // One message in the loop, one waiting: the limit, so the socket is not read.
      expect(rowsWritten(connection)).to.deep.equal([1]);
      expect(connection.paused).to.equal(true);
      expect(session.inputPaused).to.equal(true);
      step.pass();
      await settle();
      expect(rowsWritten(connection)).to.deep.equal([1, 2]);
      expect(connection.paused).to.equal(true);
      for (let k = 0; k < 3; k++) {
        step.pass();
        await settle();
      }
      expect(rowsWritten(connection)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(connection.paused).to.equal(false);
      const flow = events.filter((e) => e.type === 'flow' && e.cause === 'receive-queue');
      expect(flow.length).to.be.greaterThan(0);
      expect(flow[flow.length - 1]).to.deep.include({ paused: false });
      connection.destroy();
    });

    it('leaving the loop early releases the unconsumed messages: input resumes', async () => {
      const after = barrier();
      const { connection, session } = demandSession(
        async function* (in$): AsyncGenerator<Row> {
          for await (const m of pull(in$)) {
            yield row(m.n);
            break;
          }
          await after.wait();
        },
        { config: { receiveQueueLimit: 2 } },
      );
      connection.receive([1, 2, 3].map(getLine).join(''));
      await settle();
      expect(rowsWritten(connection)).to.deep.equal([1]);
      // The processor lives on, not reading: the connection is read again all the same.
      expect(after.waiting).to.equal(1);
      expect(connection.paused).to.equal(false);
      expect(session.inputPaused).to.equal(false);
      connection.destroy();
      after.pass();
    });
  });
});
