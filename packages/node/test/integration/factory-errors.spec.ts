import { expect } from 'chai';
import { EMPTY } from 'rxjs';
import * as runtime from '@rxmsg/runtime';
import {
  AddressError,
  clientStage,
  createClient,
  createCompositeClient,
  createCompositeServer,
  createQueueServer,
  createServer,
  memoryTransport,
  serverStage,
} from '@rxmsg/node';
import { activeResources, leakedResources } from '@rxmsg/test-utils';
import { TextEcho, echo } from './echo-protocol';
import { expectConfigError } from './config-expectations';

// The convention: a factory that returns a promise rejects it and never throws; a synchronous
// factory throws before dialling; neither reports a bad option as an event.

/** What a factory is given: an address and, maybe, an invalid config. */
interface Input {
  readonly address: string;
  readonly config?: { readonly maxFrameBytes: number };
}

interface Factory {
  readonly name: string;
  readonly shape: 'promise' | 'sync';
  /** An address it serves or dials when nothing is wrong with it. */
  readonly valid: string;
  readonly start: (input: Input) => unknown;
}

const route = (_s: unknown, _p: unknown, previous: string | null): 'echo' | null => (previous === null ? 'echo' : null);
const memory = memoryTransport();

const factories: readonly Factory[] = [
  { name: '@rxmsg/node createServer', shape: 'promise', valid: 'tcp://127.0.0.1:0', start: (i) => createServer({ listen: i.address, protocol: TextEcho, processor: echo, ...i }) },
  {
    name: '@rxmsg/node createCompositeServer',
    shape: 'promise',
    valid: 'tcp://127.0.0.1:0',
    start: (i) => createCompositeServer({ listen: i.address, stages: { echo: serverStage(TextEcho, echo) }, initialState: () => ({}), router: route, ...i }),
  },
  { name: '@rxmsg/node createQueueServer', shape: 'promise', valid: 'tcp://127.0.0.1:0', start: (i) => createQueueServer({ listen: i.address, protocol: TextEcho, ...i }) },
  { name: '@rxmsg/node createClient', shape: 'sync', valid: 'tcp://127.0.0.1:1', start: (i) => createClient({ connect: i.address, protocol: TextEcho, processor: () => EMPTY, ...i }) },
  {
    name: '@rxmsg/node createCompositeClient',
    shape: 'sync',
    valid: 'tcp://127.0.0.1:1',
    start: (i) => createCompositeClient({ connect: i.address, stages: { echo: clientStage(TextEcho, () => EMPTY) }, initialState: () => ({}), router: route, ...i }),
  },
  {
    name: '@rxmsg/runtime createServer',
    shape: 'promise',
    valid: 'memory://f:0',
    start: (i) => runtime.createServer({ listen: i.address, transports: [memory], protocol: TextEcho, processor: echo, ...i }),
  },
  {
    name: '@rxmsg/runtime createCompositeServer',
    shape: 'promise',
    valid: 'memory://f:0',
    start: (i) =>
      runtime.createCompositeServer({
        listen: i.address,
        transports: [memory],
        stages: { echo: serverStage(TextEcho, echo) },
        initialState: () => ({}),
        router: route,
        ...i,
      }),
  },
  {
    name: '@rxmsg/runtime createQueueServer',
    shape: 'promise',
    valid: 'memory://f:0',
    start: (i) => runtime.createQueueServer({ listen: i.address, transports: [memory], protocol: TextEcho, ...i }),
  },
  {
    name: '@rxmsg/runtime createClient',
    shape: 'sync',
    valid: 'memory://f:1',
    start: (i) => runtime.createClient({ connect: i.address, transports: [memory], protocol: TextEcho, processor: () => EMPTY, ...i }),
  },
  {
    name: '@rxmsg/runtime createCompositeClient',
    shape: 'sync',
    valid: 'memory://f:1',
    start: (i) =>
      runtime.createCompositeClient({
        connect: i.address,
        transports: [memory],
        stages: { echo: clientStage(TextEcho, () => EMPTY) },
        initialState: () => ({}),
        router: route,
        ...i,
      }),
  },
];

/**
 * What `factory` reports for `input`, checked against the convention: a promise factory returns
 * a promise (no throw) that rejects; a synchronous one throws.
 */
async function reported(factory: Factory, input: Input): Promise<unknown> {
  let result: unknown;
  try {
    result = factory.start(input);
  } catch (error) {
    expect(factory.shape, `${factory.name} threw synchronously`).to.equal('sync');
    return error;
  }
  expect(factory.shape, `${factory.name} did not throw`).to.equal('promise');
  expect(result).to.be.instanceOf(Promise);
  return (result as Promise<unknown>).then(
    () => expect.fail(`${factory.name} resolved`),
    (error: unknown) => error,
  );
}

describe('factory errors: one convention (a promise rejects, a synchronous factory throws)', () => {
  for (const factory of factories) {
    describe(factory.name, () => {
      it('an invalid config: a ConfigError naming the field, nothing bound or dialled', async () => {
        const before = await activeResources();
        expectConfigError(await reported(factory, { address: factory.valid, config: { maxFrameBytes: 1 } }), 'maxFrameBytes');
        expect(await leakedResources(before)).to.deep.equal([]);
      });

      it('an invalid address: an AddressError naming it', async () => {
        const address = factory.valid.replace(/:\d+$/, '');
        const error = await reported(factory, { address });
        expect(error).to.be.instanceOf(AddressError);
        expect(error).to.include({ code: 'ADDRESS_INVALID', address });
      });

      it('an unknown scheme: an AddressError naming the address', async () => {
        const error = await reported(factory, { address: 'quic://127.0.0.1:80' });
        expect(error).to.be.instanceOf(AddressError);
        expect(error).to.include({ code: 'ADDRESS_INVALID', address: 'quic://127.0.0.1:80' });
      });
    });
  }
});

describe("factory errors: an address the scheme's transport refuses (Transport.checkAddress) is reported like a malformed one", () => {
  const serverCases = ['soe://127.0.0.1:0/%ZZ', 'ws://127.0.0.1:0/chat?room=1'];
  for (const address of serverCases) {
    it(`createServer rejects ${address} with an AddressError, binding nothing`, async () => {
      const before = await activeResources();
      const promise = createServer({ listen: ['tcp://127.0.0.1:0', address], protocol: TextEcho, processor: echo });
      const error = await promise.then(
        () => expect.fail('resolved'),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AddressError);
      expect(error).to.have.property('code', 'ADDRESS_INVALID');
      expect(await leakedResources(before)).to.deep.equal([]);
    });
  }

  for (const address of ['soe://127.0.0.1:0', 'soe://127.0.0.1:4000/%ZZ']) {
    it(`createClient throws an AddressError for ${address}, before dialling`, () => {
      expect(() => createClient({ connect: address, protocol: TextEcho })).to.throw(AddressError).with.property('code', 'ADDRESS_INVALID');
      expect(() => createCompositeClient({ connect: address, stages: { echo: clientStage(TextEcho, () => EMPTY) }, initialState: () => ({}), router: route }))
        .to.throw(AddressError);
    });
  }
});
