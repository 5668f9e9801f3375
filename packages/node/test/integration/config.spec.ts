import { expect } from 'chai';
import { createServer as createNetServer } from 'node:net';
import { EMPTY } from 'rxjs';
import { z } from 'zod';
import { AddressError, TransportError, createClient, createServer, defineProtocol } from '@rxmsg/node';
import { activeResources, leakedResources } from '@rxmsg/test-utils';
import { TextEcho, echo } from './echo-protocol';
import { expectConfigError, rejection, thrown } from './config-expectations';

/** A protocol without error replies: `onDecodeError: 'reply'` is not allowed with it. */
const Plain = defineProtocol({
  name: 'plain',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});


describe('config and address errors', () => {
  describe('createServer rejects an invalid config with a ConfigError naming the field, and binds nothing', () => {
    const cases: [string, () => Promise<unknown>][] = [
      ['maxFrameBytes', () => createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo, config: { maxFrameBytes: 1 } })],
      ['sendQueueLimit', () => createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo, config: { sendQueueLimit: 0 } })],
      ['flushTimeoutMs', () => createServer({ listen: 'tcp://127.0.0.1:0', protocol: TextEcho, processor: echo, config: { flushTimeoutMs: 1.5 } })],
      [
        'onDecodeError',
        () =>
          createServer({
            listen: 'tcp://127.0.0.1:0',
            protocol: Plain,
            processor: () => EMPTY,
            // @ts-expect-error Plain defines no errorReplies.server, so 'reply' does not compile.
            config: { onDecodeError: 'reply' },
          }),
      ],
      [
        'connectRetry',
        () =>
          createServer({
            listen: 'tcp://127.0.0.1:0',
            protocol: TextEcho,
            processor: echo,
            // @ts-expect-error connectRetry is a client field.
            config: { connectRetry: 'none' },
          }),
      ],
    ];
    for (const [field, start] of cases) {
      it(field, async () => {
        const before = await activeResources();
        expectConfigError(await rejection(start()), field);
        expect(await leakedResources(before)).to.deep.equal([]);
      });
    }
  });

  describe('createClient throws a ConfigError naming the field, before dialling', () => {
    const base = { connect: 'tcp://127.0.0.1:1', protocol: TextEcho, processor: () => EMPTY } as const;
    const policy = { initialMs: 10, maxMs: 100, factor: 2, jitter: 0, maxAttempts: 3 } as const;
    const cases: [string, () => unknown][] = [
      ['connectRetry.factor', () => createClient({ ...base, config: { connectRetry: { ...policy, factor: 0.5 } } })],
      ['connectRetry.maxAttempts', () => createClient({ ...base, config: { connectRetry: { ...policy, maxAttempts: 0 } } })],
      ['connectRetry.maxMs', () => createClient({ ...base, config: { connectRetry: { ...policy, maxMs: 5 } } })],
      ['maxFrameBytes', () => createClient({ ...base, config: { maxFrameBytes: 0x80000000 } })],
    ];
    for (const [field, start] of cases) {
      it(field, async () => {
        const before = await activeResources();
        expectConfigError(thrown(start), field);
        expect(await leakedResources(before)).to.deep.equal([]);
      });
    }
  });

  describe('addresses', () => {
    for (const listen of ['quic://127.0.0.1:0', 'udp://127.0.0.1:0', '127.0.0.1:0', 'unix:']) {
      it(`createServer rejects ${JSON.stringify(listen)} with an AddressError`, async () => {
        const error = await rejection(createServer({ listen, protocol: TextEcho, processor: echo }));
        expect(error).to.be.instanceOf(AddressError);
        expect(error).to.include({ code: 'ADDRESS_INVALID', address: listen });
      });
    }

    it('createServer checks every address before binding any', async () => {
      const before = await activeResources();
      const error = await rejection(createServer({ listen: ['tcp://127.0.0.1:0', 'quic://127.0.0.1:0'], protocol: TextEcho, processor: echo }));
      expect(error).to.be.instanceOf(AddressError);
      expect(error).to.have.property('address', 'quic://127.0.0.1:0');
      expect(await leakedResources(before)).to.deep.equal([]);
    });

    it('createServer rejects an empty address list with an AddressError', async () => {
      expect(await rejection(createServer({ listen: [], protocol: TextEcho, processor: echo }))).to.be.instanceOf(AddressError);
    });

    it('createServer closes the listeners it bound when a later address cannot be bound', async () => {
      const taken = createNetServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const address = taken.address();
        if (address === null || typeof address === 'string') throw new Error('no TCP port');
        const before = await activeResources();
        const error = await rejection(
          createServer({ listen: ['tcp://127.0.0.1:0', `tcp://127.0.0.1:${address.port}`], protocol: TextEcho, processor: echo }),
        );
        expect(error).to.be.instanceOf(TransportError);
        expect(error).to.have.property('code', 'TRANSPORT_FAILED');
        expect(await leakedResources(before)).to.deep.equal([]);
      } finally {
        await new Promise<void>((resolve) => taken.close(() => resolve()));
      }
    });

    it('createClient throws an AddressError for a scheme no transport handles', () => {
      const error = thrown(() => createClient({ connect: 'quic://127.0.0.1:80', protocol: TextEcho, processor: () => EMPTY }));
      expect(error).to.be.instanceOf(AddressError);
      expect(error).to.include({ code: 'ADDRESS_INVALID', address: 'quic://127.0.0.1:80' });
    });
  });
});
