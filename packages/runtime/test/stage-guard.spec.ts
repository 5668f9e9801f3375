import { expect } from 'chai';
import { ProcessorError, StageStateError } from '@rxmsg/core';
import { memoryTransport, type ClientEvent, type ServerEvent } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';
import { checkStageState } from '../src/stage-guard';
import { connectKvClient, ofType, startKvServer, type KvState } from './support/kv-stack';

/** The `processor-error` event of a refused stage: a ProcessorError whose cause is a StageStateError. */
function stageStateCause(event: Extract<ServerEvent | ClientEvent, { type: 'processor-error' }> | undefined): StageStateError {
  expect(event?.error).to.be.instanceOf(ProcessorError);
  const cause: unknown = event?.error.cause;
  expect(cause).to.be.instanceOf(StageStateError);
  return cause as StageStateError; // checked just above
}

describe('stage guards (requires)', () => {
  describe('checkStageState', () => {
    it('passes a state the guard accepts, refuses one it does not, and wraps what it throws', () => {
      const guard = { requires: (s: KvState) => s.user !== undefined };
      expect(() => checkStageState('kv', guard, { user: 'ada' })).not.to.throw();
      expect(() => checkStageState('kv', {}, { user: undefined })).not.to.throw();
      const refused = (() => {
        try {
          checkStageState('kv', guard, { user: undefined });
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(refused).to.be.instanceOf(StageStateError).and.include({ code: 'STAGE_STATE', stage: 'kv' });
      const boom = new Error('guard exploded');
      try {
        checkStageState('kv', { requires: () => { throw boom; } }, { user: 'ada' });
        expect.fail('expected a throw');
      } catch (error) {
        expect(error).to.be.instanceOf(StageStateError);
        expect((error as StageStateError).cause).to.equal(boom);
      }
    });

    it('refuses a guard result that is not exactly true (a guard typed loosely at run time)', () => {
      const sloppy = { requires: (() => 'yes') as unknown as (s: KvState) => boolean };
      expect(() => checkStageState('kv', sloppy, { user: 'ada' })).to.throw(StageStateError);
    });
  });

  it('a false guard ends only that connection, with a processor-error carrying a StageStateError; the server serves the others', async () => {
    const memory = memoryTransport();
    const { server, events, received, address } = await startKvServer(memory, { forgetUser: (user) => user === 'mallory' });
    const mallory = connectKvClient(memory, address, { user: 'mallory' });
    const ada = connectKvClient(memory, address, { user: 'ada', kvFirst: [{ op: 'Put', key: 'k', value: 7 }, { op: 'Get', key: 'k' }] });
    try {
      await mallory.client.closed;
      await eventually(() => ofType(events, 'disconnected').length === 1, 5000, 'mallory disconnected');
      const failure = ofType(events, 'processor-error');
      expect(failure).to.have.length(1);
      const cause = stageStateCause(failure[0]);
      expect(cause).to.include({ code: 'STAGE_STATE', stage: 'kv' });
      const gone = ofType(events, 'disconnected')[0]!;
      expect(gone.reason).to.equal('processor-error');
      expect(gone.peerId).to.equal(failure[0]!.peerId);
      // Ada logged in properly and is served.
      await eventually(() => ada.messages.length === 2, 5000, "ada's Value");
      expect(ada.messages[1]).to.deep.equal({ op: 'Value', key: 'k', value: 7 });
      expect(received).to.deep.equal(['ada: Put k', 'ada: Get k']);
    } finally {
      await ada.client.close();
      await server.close();
    }
  });

  it('a guard that throws ends that connection the same way, with what it threw as the cause of the StageStateError', async () => {
    const memory = memoryTransport();
    const boom = new Error('guard exploded');
    const requires = (s: KvState): boolean => {
      if (s.user === 'mallory') throw boom;
      return s.user !== undefined;
    };
    const { server, events, address } = await startKvServer(memory, { requires });
    const mallory = connectKvClient(memory, address, { user: 'mallory' });
    const ada = connectKvClient(memory, address, { user: 'ada', kvFirst: [{ op: 'Get', key: 'k' }] });
    try {
      await mallory.client.closed;
      await eventually(() => ofType(events, 'processor-error').length === 1, 5000, 'the processor-error');
      const cause = stageStateCause(ofType(events, 'processor-error')[0]);
      expect(cause.cause).to.equal(boom);
      await eventually(() => ada.messages.length === 2, 5000, "ada's Value");
      expect(ada.messages[1]).to.deep.equal({ op: 'Value', key: 'k', value: null });
    } finally {
      await ada.client.close();
      await server.close();
    }
  });

  it('a client stage guard that refuses the state closes the client with a processor-error carrying a StageStateError', async () => {
    const memory = memoryTransport();
    const { server, address } = await startKvServer(memory);
    const { client, events } = connectKvClient(memory, address, { requires: (s) => s.verdict?.op === 'Welcome' && s.verdict.user === 'someone else' });
    try {
      await client.closed;
      const cause = stageStateCause(ofType(events, 'processor-error')[0]);
      expect(cause.stage).to.equal('kv');
      expect(ofType(events, 'disconnected')[0]).to.include({ reason: 'processor-error' });
      expect(ofType(events, 'protocol-entered').map((e) => e.protocol)).to.deep.equal(['login']);
    } finally {
      await server.close();
    }
  });
});
