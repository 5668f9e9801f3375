import { expect } from 'chai';
import { Subject, map, switchMap, take, tap } from 'rxjs';
import { z } from 'zod';
import { SERVER_CONFIG_DEFAULTS, defineProtocol } from '@rxmsg/core';
import { serverStage, type ConnectionEvent } from '@rxmsg/runtime';
import { Session } from '@rxmsg/runtime/internal';
import { FakeConnection } from '@rxmsg/test-utils';
import { singleStageRouter } from '../src/session-info';

// Pumps due in the same microtask under the
// default scheduling (one microtask for all), with a subscriber of one connection acting on another
// connection, or on its own, in the middle of a fast-loop batch.

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});

type Act = (n: number) => void;

function session(id: number, trigger: Subject<void>, act: { fn: Act }) {
  const connection = new FakeConnection();
  const events: ConnectionEvent[] = [];
  const got: number[] = [];
  const s = new Session({
    id,
    side: 'server',
    connection,
    listener: 'fake:listener',
    listenerContext: undefined,
    config: { ...SERVER_CONFIG_DEFAULTS },
    state: {},
    // The processor reads its input only once `trigger` fires: every session's pump becomes due at once.
    stages: new Map([
      [
        'echo',
        serverStage(Echo, (in$) =>
          trigger.pipe(
            take(1),
            switchMap(() => in$),
            tap((m) => {
              got.push(m.n);
              act.fn(m.n);
            }),
            map((m) => ({ kind: 'Pong', n: m.n }) as const),
          ),
        ),
      ],
    ]),
    router: singleStageRouter('echo'),
    emit: (e) => events.push(e),
    onClosed: () => {},
  });
  s.start();
  return { s, connection, events, got };
}

const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `{"kind":"Ping","n":${from + i}}\n`).join('');
const microtasks = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('pumps due in one microtask, a subscriber acting mid-batch', () => {
  for (const action of ['destroy-other', 'close-other', 'close-self', 'throw', 'destroy-self'] as const) {
    it(`${action} on message 2 of A: A and B each get exactly what a pump of their own would have delivered`, async () => {
      const trigger = new Subject<void>();
      const actA = { fn: (_n: number) => {} };
      const a = session(1, trigger, actA);
      const b = session(2, trigger, { fn: () => {} });
      a.connection.receive(lines(0, 6));
      b.connection.receive(lines(100, 106));
      expect(a.got).to.deep.equal([]);
      actA.fn = (n) => {
        if (n !== 2) return;
        if (action === 'destroy-other') b.connection.destroy();
        else if (action === 'close-other') b.s.close('local-close');
        else if (action === 'close-self') a.s.close('local-close');
        else if (action === 'destroy-self') a.connection.destroy();
        else throw new Error('processor failed');
      };
      trigger.next();
      // Both pumps are due (the default scheduling: one microtask for both), none ran yet.
      expect([a.got, b.got]).to.deep.equal([[], []]);
      await microtasks();
      const aStops = action !== 'destroy-other' && action !== 'close-other';
      expect(a.got).to.deep.equal(aStops ? [0, 1, 2] : [0, 1, 2, 3, 4, 5]);
      // B is pumped after A in the same microtask: nothing once it was closed or destroyed.
      expect(b.got).to.deep.equal(aStops ? [100, 101, 102, 103, 104, 105] : []);
      if (action === 'throw') expect(a.events.some((e) => e.type === 'processor-error')).to.equal(true);
      a.s.destroy();
      b.s.destroy();
    });
  }
});
