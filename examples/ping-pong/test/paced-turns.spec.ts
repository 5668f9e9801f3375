import { expect } from 'chai';
import { EMPTY, from } from 'rxjs';
import type { ProcessorOutput } from '@rxmsg/core';
import { TestScheduler } from 'rxjs/testing';
import { pacedTurns, type ClientGameProcessor } from '@rxmsg-examples/ping-pong';

/** What the client's game processor sends. */
type Out = ReturnType<ClientGameProcessor> extends ProcessorOutput<infer T> ? T : never;

const turn: Out = { kind: 'Turn', n: 1, player: 'client', draw: 0.5, event: 'service' };
const turn2: Out = { kind: 'Turn', n: 2, player: 'client', draw: 0.5, event: 'service' };
const cancel: Out = { kind: 'Cancel', reason: 'enough' };

describe('pacedTurns', () => {
  it('delays each turn by the pace, in order, and lets other messages follow at once', () => {
    const scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
    scheduler.run(({ cold, expectObservable }) => {
      const honest: ClientGameProcessor = () => cold('a b-c|', { a: turn, b: turn2, c: cancel });
      // This honest processor ignores its input and its peer: an empty object stands for the peer.
      const paced = from(pacedTurns(5, scheduler)(honest)(EMPTY, {} as Parameters<ClientGameProcessor>[1]));
      expectObservable(paced).toBe('-----a----(bc|)', { a: turn, b: turn2, c: cancel });
    });
  });
});
