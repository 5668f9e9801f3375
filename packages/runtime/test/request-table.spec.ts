import { expect } from 'chai';
import { firstValueFrom, take, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { CancelledError, ClosedError, RemoteError, RequestLimitError, TimeoutError, type RxmsgError } from '@rxmsg/core';
import { peerRequest$ } from '../src/peer-request';
import { RequestTable, type CallHost, type RequestDropCause } from '../src/request-table';
import { Kv } from './support/kv-protocol';

/** A stage as the table sees it: records what it sends and reports. */
class RecordingHost implements CallHost {
  readonly sent: Record<string, unknown>[] = [];
  readonly dropped: RequestDropCause[] = [];
  readonly failures: string[] = [];
  accept = true;

  send(message: unknown): boolean {
    if (this.accept) this.sent.push(message as Record<string, unknown>);
    return this.accept;
  }

  droppedIn(cause: RequestDropCause): void {
    this.dropped.push(cause);
  }

  handlerFailed(_error: unknown, where: string): void {
    this.failures.push(where);
  }
}

function rig(side: 'client' | 'server' = 'client', limit = 8) {
  const scheduler = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  const host = new RecordingHost();
  const table = new RequestTable(host, Kv.requests!, 'kind', side, limit, scheduler);
  /** Subscribe to a request, collecting what it emits and how it ends. */
  const call = (message: object, options: Parameters<typeof peerRequest$>[2] = {}) => {
    const got: { values: unknown[]; error?: RxmsgError; done: boolean; sub?: Subscription } = { values: [], done: false };
    got.sub = peerRequest$(table, message, options).subscribe({
      next: (v) => got.values.push(v),
      error: (e: RxmsgError) => (got.error = e),
      complete: () => (got.done = true),
    });
    return got;
  };
  return { scheduler, host, table, call };
}

describe('RequestTable and peerRequest$', () => {
  it('sends the request with a fresh correlation id and completes with the matching reply, id removed', () => {
    const { host, table, call } = rig();
    const a = call({ kind: 'Get', key: 'a' });
    const b = call({ kind: 'Get', key: 'b' });
    expect(host.sent).to.deep.equal([
      { kind: 'Get', key: 'a', rid: 1 },
      { kind: 'Get', key: 'b', rid: 2 },
    ]);
    expect(table.intercept({ kind: 'Value', key: 'b', value: null, rid: 2 })).to.equal(true);
    expect(b.values).to.deep.equal([{ kind: 'Value', key: 'b', value: null }]);
    expect(b.done).to.equal(true);
    expect(a.done).to.equal(false);
    expect(table.inFlight).to.equal(1);
  });

  it('leaves uncorrelated replies and other messages to the processor', () => {
    const { table } = rig();
    expect(table.intercept({ kind: 'Value', key: 'x', value: null })).to.equal(false);
    expect(table.intercept({ kind: 'Note', text: 'x' })).to.equal(false);
    // A request of the other side, with its id: the responder's.
    expect(table.intercept({ kind: 'Probe', rid: 4 })).to.equal(false);
  });

  it('drops and reports replies and control messages that match nothing', () => {
    const { host, table, call } = rig();
    call({ kind: 'Get', key: 'a' });
    for (const m of [
      { kind: 'Value', key: 'a', value: null, rid: 9 },
      { kind: 'Changed', key: 'a', value: 'x', rid: 1 },
      { kind: '$end', rid: 9 },
      { kind: '$cancel', rid: 1 },
      { kind: '$error', rid: 'x', code: 'E', message: '' },
    ]) {
      expect(table.intercept(m)).to.equal(true);
    }
    expect(host.dropped).to.deep.equal(['uncorrelated', 'uncorrelated', 'uncorrelated', 'uncorrelated', 'uncorrelated']);
    expect(table.inFlight).to.equal(1);
  });

  it('streams replies until $end, and fails on $error with the remote code', () => {
    const { table, call } = rig();
    const watch = call({ kind: 'Watch', key: 'k' });
    table.intercept({ kind: 'Changed', key: 'k', value: '1', rid: 1 });
    table.intercept({ kind: 'Changed', key: 'k', value: '2', rid: 1 });
    table.intercept({ kind: '$end', rid: 1 });
    expect(watch.values).to.have.length(2);
    expect(watch.done).to.equal(true);
    const get = call({ kind: 'Get', key: 'k' });
    table.intercept({ kind: '$error', rid: 2, code: 'NOT_FOUND', message: 'no such key' });
    expect(get.error).to.be.instanceOf(RemoteError);
    expect((get.error as RemoteError).remoteCode).to.equal('NOT_FOUND');
    expect(table.inFlight).to.equal(0);
  });

  it('fails a single request ended by $end with NO_REPLY', () => {
    const { table, call } = rig();
    const get = call({ kind: 'Get', key: 'k' });
    table.intercept({ kind: '$end', rid: 1 });
    expect((get.error as RemoteError).remoteCode).to.equal('NO_REPLY');
  });

  it('times out in virtual time, sends $cancel, and holds no timer afterwards', () => {
    const { scheduler, host, table, call } = rig();
    scheduler.run(({ flush }) => {
      const get = call({ kind: 'Get', key: 'a' }, { timeoutMs: 500 });
      scheduler.schedule(() => expect(get.error).to.equal(undefined), 499);
      flush();
      expect(get.error).to.be.instanceOf(TimeoutError);
      expect(host.sent.at(-1)).to.deep.equal({ kind: '$cancel', rid: 1 });
      expect(table.inFlight).to.equal(0);
      expect(scheduler.actions).to.have.length(0);
      // The late reply is reported, not delivered.
      expect(table.intercept({ kind: 'Value', key: 'a', value: 'x', rid: 1 })).to.equal(true);
    });
    expect(host.dropped).to.deep.equal(['uncorrelated']);
  });

  it('gives a stream its deadline for the first reply only', () => {
    const { scheduler, table, call } = rig();
    scheduler.run(({ flush }) => {
      const watch = call({ kind: 'Watch', key: 'a' }, { timeoutMs: 100 });
      scheduler.schedule(() => table.intercept({ kind: 'Changed', key: 'a', value: '1', rid: 1 }), 50);
      flush();
      expect(watch.error).to.equal(undefined);
      expect(scheduler.actions).to.have.length(0);
      expect(table.inFlight).to.equal(1);
    });
  });

  it('cancels on abort with a CancelledError and $cancel, and refuses an aborted signal up front', () => {
    const { host, table, call } = rig();
    const controller = new AbortController();
    const get = call({ kind: 'Get', key: 'a' }, { signal: controller.signal, timeoutMs: 0 });
    controller.abort('user');
    expect(get.error).to.be.instanceOf(CancelledError);
    expect((get.error as CancelledError).cause).to.equal('user');
    expect(host.sent.at(-1)).to.deep.equal({ kind: '$cancel', rid: 1 });
    const again = call({ kind: 'Get', key: 'b' }, { signal: controller.signal });
    expect(again.error).to.be.instanceOf(CancelledError);
    expect(host.sent).to.have.length(2);
    expect(table.inFlight).to.equal(0);
  });

  it('sends $cancel when unsubscribed before the end, and nothing after it', () => {
    const { host, table, call } = rig();
    const watch = call({ kind: 'Watch', key: 'a' });
    watch.sub!.unsubscribe();
    expect(host.sent.at(-1)).to.deep.equal({ kind: '$cancel', rid: 1 });
    const get = call({ kind: 'Get', key: 'a' }, { timeoutMs: 0 });
    table.intercept({ kind: 'Value', key: 'a', value: null, rid: 2 });
    get.sub!.unsubscribe();
    expect(host.sent.filter((m) => m['kind'] === '$cancel')).to.have.length(1);
  });

  it('refuses a request past the limit with RequestLimitError, sending nothing', () => {
    const { host, call } = rig('client', 2);
    call({ kind: 'Watch', key: 'a' });
    call({ kind: 'Watch', key: 'b' });
    const third = call({ kind: 'Get', key: 'c' });
    expect(third.error).to.be.instanceOf(RequestLimitError);
    expect(host.sent).to.have.length(2);
  });

  it('fails every outstanding request with ClosedError when closed, and refuses new ones', async () => {
    const { scheduler, table, call } = rig();
    const a = call({ kind: 'Get', key: 'a' });
    const w = call({ kind: 'Watch', key: 'a' });
    table.close();
    expect(a.error).to.be.instanceOf(ClosedError);
    expect(w.error).to.be.instanceOf(ClosedError);
    expect(scheduler.actions).to.have.length(0);
    const late = await firstValueFrom(peerRequest$(table, { kind: 'Get', key: 'a' })).catch((e: unknown) => e);
    expect(late).to.be.instanceOf(ClosedError);
  });

  it('fails with ClosedError when the stage refuses to queue the request', () => {
    const { host, table, call } = rig();
    host.accept = false;
    expect(call({ kind: 'Get', key: 'a' }).error).to.be.instanceOf(ClosedError);
    expect(table.inFlight).to.equal(0);
  });

  it('refuses a message that is not a request of this side', () => {
    const { call } = rig('server');
    expect(call({ kind: 'Get', key: 'a' }).error?.code).to.equal('PROTOCOL_INVALID');
    const { call: clientCall } = rig('client');
    expect(clientCall({ kind: 'Probe' }).error?.code).to.equal('PROTOCOL_INVALID');
  });

  it('routes $cancel to the served request', () => {
    const { table } = rig('server');
    let cancelled = 0;
    table.serve(5, () => cancelled++);
    expect(table.intercept({ kind: '$cancel', rid: 5 })).to.equal(true);
    expect(table.intercept({ kind: '$cancel', rid: 5 })).to.equal(true);
    expect(cancelled).to.equal(1);
    expect(table.served).to.equal(0);
  });

  it('cancels a request-stream whose subscriber left during a reply that came while it was being sent', () => {
    const scheduler = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    /** A peer that answers a Watch at once, inside send(). */
    class EagerHost extends RecordingHost {
      table: RequestTable | undefined;
      override send(message: unknown): boolean {
        super.send(message);
        const m = message as Record<string, unknown>;
        if (m['kind'] === 'Watch') this.table?.intercept({ kind: 'Changed', key: 'k', value: '1', rid: m['rid'] });
        return true;
      }
    }
    const host = new EagerHost();
    const table = (host.table = new RequestTable(host, Kv.requests!, 'kind', 'client', 8, scheduler));
    const got: unknown[] = [];
    let done = false;
    peerRequest$(table, { kind: 'Watch', key: 'k' })
      .pipe(take(1))
      .subscribe({ next: (v) => got.push(v), complete: () => (done = true) });
    expect(got).to.deep.equal([{ kind: 'Changed', key: 'k', value: '1' }]);
    expect(done).to.equal(true);
    expect(host.sent).to.deep.equal([
      { kind: 'Watch', key: 'k', rid: 1 },
      { kind: '$cancel', rid: 1 },
    ]);
    // Nothing is left pending: a later Changed for it is uncorrelated.
    expect(table.intercept({ kind: 'Changed', key: 'k', value: '2', rid: 1 })).to.equal(true);
    expect(host.dropped).to.deep.equal(['uncorrelated']);
  });
});
