import { expect } from 'chai';
import { z } from 'zod';
import {
  defineProtocol,
  type ConfigInput,
  type DecodeErrorPolicy,
  type EffectiveConfig,
  type ReplySides,
  type RetryPolicy,
} from '@rxmsg/core';
import { resolveConfig } from '@rxmsg/core/internal';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles, or if an
// Equals<> check is false. Each test also asserts something at run time.

/** `true` exactly when A and B are the same type (not merely mutually assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const client = { Hello: z.object({ name: z.string() }) };
const NoReplies = defineProtocol({ name: 'plain', tag: 'kind', client, server: { World: z.object({ greeting: z.string() }) } });
const ServerReplies = defineProtocol({
  name: 'replies',
  tag: 'kind',
  client,
  server: { World: z.object({ greeting: z.string() }), Oops: z.object({ error: z.string() }) },
  errorReplies: { server: (e) => ({ kind: 'Oops', error: e.code }) },
});
const BothReplies = defineProtocol({
  name: 'both',
  tag: 'kind',
  client: { Hello: z.object({ name: z.string() }), Nack: z.object({ error: z.string() }) },
  server: { Oops: z.object({ error: z.string() }) },
  errorReplies: { server: (e) => ({ kind: 'Oops', error: e.code }), client: (e) => ({ kind: 'Nack', error: e.code }) },
});

describe('config types', () => {
  it('ReplySides lists the sides that define an error reply', () => {
    const none: Equals<ReplySides<typeof NoReplies>, never> = true;
    const server: Equals<ReplySides<typeof ServerReplies>, 'server'> = true;
    const both: Equals<ReplySides<typeof BothReplies>, 'server' | 'client'> = true;
    expect([none, server, both]).to.deep.equal([true, true, true]);
  });

  describe("onDecodeError: 'reply' needs the side's error reply", () => {
    const reply = { onDecodeError: 'reply' } as const;
    const disconnect = { onDecodeError: 'disconnect' } as const;

    it('is rejected when the protocol has no errorReplies.server', () => {
      // @ts-expect-error 'reply' without errorReplies.server
      const rejected: ConfigInput<'server', ReplySides<typeof NoReplies>> = reply;
      const accepted: ConfigInput<'server', ReplySides<typeof NoReplies>> = disconnect;
      expect(() => resolveConfig('server', rejected, [])).to.throw();
      expect(resolveConfig('server', accepted, []).onDecodeError).to.equal('disconnect');
    });

    it('is accepted when it has one', () => {
      const accepted: ConfigInput<'server', ReplySides<typeof ServerReplies>> = reply;
      expect(resolveConfig('server', accepted, ['server']).onDecodeError).to.equal('reply');
    });

    it('is per side: a server-only reply does not allow it on the client', () => {
      // @ts-expect-error errorReplies.client is not defined
      const rejected: ConfigInput<'client', ReplySides<typeof ServerReplies>> = reply;
      const accepted: ConfigInput<'client', ReplySides<typeof BothReplies>> = reply;
      expect(accepted.onDecodeError).to.equal(rejected.onDecodeError);
    });

    it('is rejected by default (no reply sides given)', () => {
      // @ts-expect-error R defaults to never
      const rejected: ConfigInput<'server'> = reply;
      expect(rejected).to.equal(reply);
    });
  });

  describe('connectRetry is a client field', () => {
    const none = { connectRetry: 'none' } as const;
    const policy = { connectRetry: { initialMs: 100, maxMs: 5000, factor: 2, jitter: 1, maxAttempts: 10 } } as const;

    it('is rejected in a server config', () => {
      // @ts-expect-error servers do not connect
      const rejectedNone: ConfigInput<'server'> = none;
      // @ts-expect-error servers do not connect
      const rejectedPolicy: ConfigInput<'server'> = policy;
      // @ts-expect-error not even as undefined (exactOptionalPropertyTypes)
      const rejectedUndefined: ConfigInput<'server'> = { connectRetry: undefined };
      expect(() => resolveConfig('server', rejectedNone)).to.throw();
      expect(() => resolveConfig('server', rejectedPolicy)).to.throw();
      expect(() => resolveConfig('server', rejectedUndefined)).to.throw();
    });

    it('is accepted in a client config', () => {
      const a: ConfigInput<'client'> = none;
      const b: ConfigInput<'client'> = policy;
      expect(resolveConfig('client', a).connectRetry).to.equal('none');
      expect(resolveConfig('client', b).connectRetry).to.deep.equal(policy.connectRetry);
    });

    it('must be a complete policy', () => {
      // @ts-expect-error maxAttempts is missing
      const partial: ConfigInput<'client'> = { connectRetry: { initialMs: 1, maxMs: 2, factor: 2, jitter: 0 } };
      expect(() => resolveConfig('client', partial)).to.throw();
    });
  });

  it('rejects unknown fields and wrong value types', () => {
    // @ts-expect-error unknown field
    const unknown: ConfigInput<'server'> = { maxFrameSize: 1 };
    // @ts-expect-error not a policy
    const policy: ConfigInput<'client'> = { onDecodeError: 'explode' };
    expect(() => resolveConfig('server', unknown)).to.throw();
    expect(() => resolveConfig('client', policy)).to.throw();
  });

  describe('EffectiveConfig keeps the literal types given', () => {
    const config = { maxFrameBytes: 4096 } as const;
    type Server = EffectiveConfig<'server', typeof config>;

    it('maxFrameBytes is the literal 4096, other fields their defaults', () => {
      const literal: Equals<Server['maxFrameBytes'], 4096> = true;
      const direct: Equals<EffectiveConfig<'server', { maxFrameBytes: 4096 }>['maxFrameBytes'], 4096> = true;
      // @ts-expect-error it is not widened to number
      const widened: Equals<Server['maxFrameBytes'], number> = true;
      const queue: Equals<Server['sendQueueLimit'], number> = true;
      const policy: Equals<Server['onDecodeError'], DecodeErrorPolicy> = true;
      const noDelay: Equals<Server['noDelay'], boolean> = true;
      expect([literal, direct, widened, queue, policy, noDelay]).to.deep.equal([true, true, true, true, true, true]);
      const resolved = resolveConfig('server', config);
      expect(resolved.maxFrameBytes).to.equal(4096);
    });

    it('has no client fields on the server side', () => {
      const keys: Equals<
        keyof Server,
        | 'maxFrameBytes'
        | 'sendQueueLimit'
        | 'sendQueueBytes'
        | 'onSendQueueFull'
        | 'receiveQueueLimit'
        | 'onDecodeError'
        | 'validation'
        | 'validateOutbound'
        | 'noDelay'
        | 'flushTimeoutMs'
        | 'heartbeat'
        | 'idleTimeoutMs'
        | 'rateLimit'
        | 'lanes'
        | 'maxRequestsInFlight'
        | 'maxConnections'
        | 'handshakeTimeoutMs'
        | 'maxBufferedBytes'
      > = true;
      const server: Server = { ...resolveConfig('server', config), maxFrameBytes: 4096 };
      // @ts-expect-error servers have no connectRetry
      expect(server.connectRetry).to.equal(undefined);
      expect(keys).to.equal(true);
    });

    it('is read-only', () => {
      const server: Server = { ...resolveConfig('server', config), maxFrameBytes: 4096 };
      // @ts-expect-error read-only
      server.sendQueueLimit = 1;
      expect(server.sendQueueLimit).to.equal(1);
    });

    it('on the client: connectRetry keeps its literal type, defaults to the union', () => {
      const policy = { connectRetry: { initialMs: 100, maxMs: 5000, factor: 2, jitter: 1, maxAttempts: 10 }, noDelay: false } as const;
      type Client = EffectiveConfig<'client', typeof policy>;
      const attempts: Equals<Client['connectRetry']['maxAttempts'], 10> = true;
      const noDelay: Equals<Client['noDelay'], false> = true;
      const defaulted: Equals<EffectiveConfig<'client', {}>['connectRetry'], 'none' | RetryPolicy> = true;
      expect([attempts, noDelay, defaulted]).to.deep.equal([true, true, true]);
    });
  });

  describe('EffectiveConfig of a key the config may leave out includes the default', () => {
    it('an optional key is its literal or the default type, as at run time', () => {
      // Typed with optional keys, as a config built by a function or read from a file is.
      const maybe: { readonly maxFrameBytes?: 4096; readonly onDecodeError?: 'ignore' } = {};
      type Server = EffectiveConfig<'server', typeof maybe>;
      const frame: Equals<Server['maxFrameBytes'], number> = true;
      const policy: Equals<Server['onDecodeError'], DecodeErrorPolicy> = true;
      const resolved: Server = resolveConfig('server', maybe);
      // The default applies: 1 MiB, not 4096; 'disconnect', not 'ignore'.
      expect([frame, policy, resolved.maxFrameBytes, resolved.onDecodeError]).to.deep.equal([true, true, 1_048_576, 'disconnect']);
    });

    it('a key that may be undefined counts as left out too', () => {
      const config: { readonly flushTimeoutMs: 50 | undefined } = { flushTimeoutMs: undefined };
      type Client = EffectiveConfig<'client', typeof config>;
      const flush: Equals<Client['flushTimeoutMs'], number> = true;
      expect([flush, resolveConfig('client', config).flushTimeoutMs]).to.deep.equal([true, 2_000]);
    });

    it('a config typed as ConfigInput gives the effective config types, and no key of the other side', () => {
      const input: ConfigInput<'client'> = { maxFrameBytes: 4096 };
      type Client = EffectiveConfig<'client', typeof input>;
      const frame: Equals<Client['maxFrameBytes'], number> = true;
      const retry: Equals<Client['connectRetry'], 'none' | RetryPolicy> = true;
      const timeout: Equals<Client['connectTimeoutMs'], number> = true;
      const keys: Equals<'maxConnections' | 'handshakeTimeoutMs', Extract<keyof Client, 'maxConnections' | 'handshakeTimeoutMs'>> = false;
      const resolved: Client = resolveConfig('client', input);
      // @ts-expect-error a client config has no maxConnections
      expect(resolved.maxConnections).to.equal(undefined);
      expect([frame, retry, timeout, keys, resolved.maxFrameBytes]).to.deep.equal([true, true, true, false, 4096]);
    });
  });
});
