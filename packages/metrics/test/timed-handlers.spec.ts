import { expect } from 'chai';
import { Observable, Subject, firstValueFrom, lastValueFrom, of, throwError, toArray } from 'rxjs';
import { timeHandlers, type HandlerOutcome, type HandlerTimer } from '@rxmsg/metrics';

/** A timer recording what was observed: `[request, outcome]` once each handler call's clock stops. */
function recorder(): { timer: HandlerTimer; started: string[]; ended: [string, HandlerOutcome][] } {
  const started: string[] = [];
  const ended: [string, HandlerOutcome][] = [];
  return {
    started,
    ended,
    timer: (request) => {
      started.push(request);
      return (outcome) => ended.push([request, outcome]);
    },
  };
}

describe('timeHandlers', () => {
  it('times a plain value on return, keeping the value and the keys', () => {
    const r = recorder();
    const timed = timeHandlers(r.timer, { Get: (m: { key: string }) => ({ kind: 'Value', key: m.key }), Missing: undefined });
    expect(Object.keys(timed)).to.deep.equal(['Get', 'Missing']);
    expect(timed.Missing).to.equal(undefined);
    expect(timed.Get({ key: 'a' })).to.deep.equal({ kind: 'Value', key: 'a' });
    expect(r.ended).to.deep.equal([['Get', 'ok']]);
  });

  it('times a throw as an error and rethrows the same error', () => {
    const r = recorder();
    const boom = new Error('boom');
    const timed = timeHandlers(r.timer, {
      Get: (): never => {
        throw boom;
      },
    });
    expect(() => timed.Get()).to.throw(boom);
    expect(r.ended).to.deep.equal([['Get', 'error']]);
  });

  it('times a Promise when it settles, resolved or rejected', async () => {
    const r = recorder();
    let resolve!: (v: string) => void;
    const timed = timeHandlers(r.timer, {
      Put: () => new Promise<string>((res) => (resolve = res)),
      Bad: () => Promise.reject(new Error('no')),
    });
    const put = timed.Put() as Promise<string>;
    expect(r.ended).to.deep.equal([]);
    resolve('done');
    expect(await put).to.equal('done');
    await (timed.Bad() as Promise<never>).then(
      () => expect.fail('resolved'),
      (e: unknown) => expect((e as Error).message).to.equal('no'),
    );
    expect(r.ended).to.deep.equal([
      ['Put', 'ok'],
      ['Bad', 'error'],
    ]);
  });

  it('times an Observable until its first value (a stream: its first reply), once per call', async () => {
    const r = recorder();
    const source = new Subject<number>();
    const timed = timeHandlers(r.timer, { Watch: () => source.asObservable() });
    const out$ = timed.Watch() as Observable<number>;
    const all = lastValueFrom(out$.pipe(toArray()));
    expect(r.ended).to.deep.equal([]);
    source.next(1);
    expect(r.ended).to.deep.equal([['Watch', 'ok']]);
    source.next(2);
    source.complete();
    expect(await all).to.deep.equal([1, 2]);
    expect(r.ended).to.deep.equal([['Watch', 'ok']]);
    // A second subscription to the same answer is not a second call.
    await firstValueFrom(out$, { defaultValue: undefined });
    expect(r.started).to.deep.equal(['Watch']);
    expect(r.ended).to.have.length(1);
  });

  it('times an Observable error as an error, an empty one as ok, an unsubscribed one as cancelled', async () => {
    const r = recorder();
    const never = new Subject<number>();
    const timed = timeHandlers(r.timer, {
      Bad: () => throwError(() => new Error('x')),
      Empty: () => of(),
      Cancel: () => never.asObservable(),
    });
    await lastValueFrom(timed.Bad() as Observable<unknown>).catch(() => undefined);
    await lastValueFrom(timed.Empty() as Observable<unknown>, { defaultValue: undefined });
    const sub = (timed.Cancel() as Observable<number>).subscribe();
    sub.unsubscribe();
    sub.unsubscribe();
    expect(never.observed).to.equal(false);
    expect(r.ended).to.deep.equal([
      ['Bad', 'error'],
      ['Empty', 'ok'],
      ['Cancel', 'cancelled'],
    ]);
  });
});
