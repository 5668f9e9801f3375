import { expect } from 'chai';
import { z } from 'zod';
import { CLIENT_CONFIG_DEFAULTS, ConfigError, SERVER_CONFIG_DEFAULTS, defineProtocol, validatesOutbound, type Side } from '@rxmsg/core';
import { checkLanes, resolveConfig } from '@rxmsg/core/internal';

const RETRY = { initialMs: 10, maxMs: 1000, factor: 2, jitter: 0.5, maxAttempts: 5 } as const;

describe('resolveConfig', () => {
  describe('defaults', () => {
    it('fills every server field', () => {
      expect(resolveConfig('server', undefined)).to.deep.equal({
        maxFrameBytes: 1_048_576,
        sendQueueLimit: 16_384,
        sendQueueBytes: 8_388_608,
        onSendQueueFull: 'backpressure',
        receiveQueueLimit: 1_024,
        onDecodeError: 'disconnect',
        validation: 'full',
        noDelay: true,
        flushTimeoutMs: 2_000,
        heartbeat: 'none',
        idleTimeoutMs: 0,
        rateLimit: 'none',
        lanes: {},
        validateOutbound: 'never',
        maxRequestsInFlight: 1_024,
        maxConnections: 10_000,
        handshakeTimeoutMs: 10_000,
        maxBufferedBytes: 1_073_741_824,
      });
      expect(resolveConfig('server', {})).to.deep.equal(SERVER_CONFIG_DEFAULTS);
    });

    it('fills every client field', () => {
      const { maxConnections: _m, handshakeTimeoutMs: _h, maxBufferedBytes: _b, ...shared } = SERVER_CONFIG_DEFAULTS;
      expect(resolveConfig('client', {})).to.deep.equal({
        ...shared,
        connectRetry: 'none',
        reconnect: 'none',
        whileDisconnected: 'queue',
        disconnectedQueueLimit: 1_024,
        connectTimeoutMs: 10_000,
      });
      expect(resolveConfig('client', undefined)).to.deep.equal(CLIENT_CONFIG_DEFAULTS);
    });

    it('overlays the given fields', () => {
      expect(resolveConfig('server', { maxFrameBytes: 4096, noDelay: false })).to.deep.equal({
        ...SERVER_CONFIG_DEFAULTS,
        maxFrameBytes: 4096,
        noDelay: false,
      });
      expect(resolveConfig('client', { connectRetry: RETRY, onDecodeError: 'ignore' })).to.deep.equal({
        ...CLIENT_CONFIG_DEFAULTS,
        connectRetry: RETRY,
        onDecodeError: 'ignore',
      });
    });

    it('treats a field given as undefined as absent', () => {
      expect(resolveConfig('server', { sendQueueLimit: undefined })).to.deep.equal(SERVER_CONFIG_DEFAULTS);
    });

    it('accepts the boundaries', () => {
      const config = resolveConfig('client', {
        maxFrameBytes: 16,
        sendQueueLimit: 1,
        flushTimeoutMs: 0,
        connectRetry: { initialMs: 0, maxMs: 0, factor: 1, jitter: 1, maxAttempts: 1 },
      });
      expect(config).to.include({ maxFrameBytes: 16, sendQueueLimit: 1, flushTimeoutMs: 0 });
      expect(resolveConfig('server', { maxFrameBytes: 0x7fffffff }).maxFrameBytes).to.equal(0x7fffffff);
    });
  });

  describe('the result is frozen', () => {
    it('at the top level', () => {
      expect(Object.isFrozen(resolveConfig('server', {}))).to.equal(true);
      expect(Object.isFrozen(resolveConfig('client', { maxFrameBytes: 64 }))).to.equal(true);
    });

    it('including the retry policy, without freezing the input', () => {
      const input = { connectRetry: { ...RETRY } };
      const config = resolveConfig('client', input);
      expect(Object.isFrozen(config.connectRetry)).to.equal(true);
      expect(Object.isFrozen(input.connectRetry)).to.equal(false);
      expect(config.connectRetry).not.to.equal(input.connectRetry);
    });

    it('so its fields cannot be changed', () => {
      const config = resolveConfig('server', {});
      expect(() => Object.assign(config, { maxFrameBytes: 1 })).to.throw(TypeError);
      expect(config.maxFrameBytes).to.equal(SERVER_CONFIG_DEFAULTS.maxFrameBytes);
    });
  });

  describe('no input: resolved once per side', () => {
    it('returns the same frozen defaults each time, per side, equal to those of an empty input', () => {
      const client = resolveConfig('client', undefined);
      expect(resolveConfig('client', undefined)).to.equal(client);
      expect(resolveConfig('client', undefined, ['client', 'server'])).to.equal(client);
      expect(Object.isFrozen(client) && Object.isFrozen(client.lanes)).to.equal(true);
      expect(client).to.deep.equal(resolveConfig('client', {}));
      expect(resolveConfig('client', {})).not.to.equal(client);
      const server = resolveConfig('server', undefined);
      expect(resolveConfig('server', undefined)).to.equal(server);
      expect(server).not.to.equal(client);
      expect(server).to.deep.equal(resolveConfig('server', {}));
      expect(resolveConfig('server', null)).to.deep.equal(server);
    });

    it('still validates every input given', () => {
      resolveConfig('client', undefined);
      expect(() => resolveConfig('client', { maxFrameBytes: -1 })).to.throw(ConfigError);
      expect(resolveConfig('client', { maxFrameBytes: 64 }).maxFrameBytes).to.equal(64);
    });
  });

  describe("onDecodeError 'reply' needs the side's error reply", () => {
    const cases: [Side, readonly Side[], boolean][] = [
      ['server', [], false],
      ['server', ['client'], false],
      ['server', ['server'], true],
      ['client', ['server'], false],
      ['client', ['client'], true],
      ['client', ['server', 'client'], true],
    ];
    for (const [side, replySides, ok] of cases) {
      it(`${side} with replySides [${replySides.join(', ')}]: ${ok ? 'accepted' : 'ConfigError'}`, () => {
        const resolve = (): unknown =>
          side === 'server'
            ? resolveConfig('server', { onDecodeError: 'reply' }, replySides)
            : resolveConfig('client', { onDecodeError: 'reply' }, replySides);
        if (ok) expect(resolve()).to.include({ onDecodeError: 'reply' });
        else expect(resolve).to.throw(ConfigError).with.property('field', 'onDecodeError');
      });
    }
  });

  describe('invalid input: ConfigError naming the field', () => {
    const cases: [string, Side, unknown, string][] = [
      ['an unknown field', 'server', { maxFrameSize: 10 }, 'maxFrameSize'],
      ['connectRetry on a server', 'server', { connectRetry: 'none' }, 'connectRetry'],
      ['maxFrameBytes negative', 'server', { maxFrameBytes: -1 }, 'maxFrameBytes'],
      ['maxFrameBytes not an integer', 'server', { maxFrameBytes: 1024.5 }, 'maxFrameBytes'],
      ['maxFrameBytes under 16', 'client', { maxFrameBytes: 15 }, 'maxFrameBytes'],
      ['maxFrameBytes over 2^31 - 1', 'server', { maxFrameBytes: 0x80000000 }, 'maxFrameBytes'],
      ['maxFrameBytes a string', 'server', { maxFrameBytes: '1024' }, 'maxFrameBytes'],
      ['maxFrameBytes NaN', 'server', { maxFrameBytes: Number.NaN }, 'maxFrameBytes'],
      ['sendQueueLimit 0', 'server', { sendQueueLimit: 0 }, 'sendQueueLimit'],
      ["onDecodeError 'explode'", 'server', { onDecodeError: 'explode' }, 'onDecodeError'],
      ['noDelay not a boolean', 'client', { noDelay: 1 }, 'noDelay'],
      ['flushTimeoutMs negative', 'server', { flushTimeoutMs: -5 }, 'flushTimeoutMs'],
      ['flushTimeoutMs beyond what a Node timer holds', 'server', { flushTimeoutMs: 2 ** 31 }, 'flushTimeoutMs'],
      ['handshakeTimeoutMs beyond what a Node timer holds', 'server', { handshakeTimeoutMs: 2 ** 31 }, 'handshakeTimeoutMs'],
      ["connectRetry 'never'", 'client', { connectRetry: 'never' }, 'connectRetry'],
      ['connectRetry factor 0.5', 'client', { connectRetry: { ...RETRY, factor: 0.5 } }, 'connectRetry.factor'],
      ['connectRetry jitter 2', 'client', { connectRetry: { ...RETRY, jitter: 2 } }, 'connectRetry.jitter'],
      ['connectRetry jitter negative', 'client', { connectRetry: { ...RETRY, jitter: -0.1 } }, 'connectRetry.jitter'],
      ['connectRetry maxAttempts 0', 'client', { connectRetry: { ...RETRY, maxAttempts: 0 } }, 'connectRetry.maxAttempts'],
      ['connectRetry initialMs not an integer', 'client', { connectRetry: { ...RETRY, initialMs: 0.5 } }, 'connectRetry.initialMs'],
      ['connectRetry maxMs < initialMs', 'client', { connectRetry: { ...RETRY, initialMs: 100, maxMs: 50 } }, 'connectRetry.maxMs'],
      [
        'connectRetry missing a field',
        'client',
        { connectRetry: { initialMs: 1, maxMs: 2, factor: 2, jitter: 0 } },
        'connectRetry.maxAttempts',
      ],
      ['an unknown connectRetry field', 'client', { connectRetry: { ...RETRY, backoff: 'linear' } }, 'connectRetry.backoff'],
      ['a lane with no policy', 'server', { lanes: { notify: { limit: 10 } } }, 'lanes.notify.policy'],
      ['a lane limit of 0', 'client', { lanes: { notify: { limit: 0, policy: 'drop-oldest' } } }, 'lanes.notify.limit'],
      ['a lane limit not an integer', 'server', { lanes: { notify: { limit: 1.5, policy: 'drop-oldest' } } }, 'lanes.notify.limit'],
      ['lane bytes 0', 'server', { lanes: { notify: { limit: 10, bytes: 0, policy: 'drop-oldest' } } }, 'lanes.notify.bytes'],
      ["a lane policy 'drop-all'", 'server', { lanes: { notify: { limit: 10, policy: 'drop-all' } } }, 'lanes.notify.policy'],
      ['a lane priority not an integer', 'server', { lanes: { notify: { limit: 10, policy: 'drop-oldest', priority: 0.5 } } }, 'lanes.notify.priority'],
      ['a lane priority out of range', 'server', { lanes: { notify: { limit: 10, policy: 'drop-oldest', priority: 1e6 } } }, 'lanes.notify.priority'],
      ['an unknown lane field', 'server', { lanes: { notify: { limit: 10, policy: 'drop-oldest', weight: 2 } } }, 'lanes.notify.weight'],
      ['a lane name with a space', 'server', { lanes: { 'no tify': { limit: 10, policy: 'drop-oldest' } } }, 'lanes.no tify'],
      ['lanes not an object', 'server', { lanes: ['notify'] }, 'lanes'],
      ['a lane named default', 'server', { lanes: { default: { limit: 10, policy: 'drop-oldest' } } }, 'lanes.default'],
      ['a config that is not an object', 'server', 42, '(config)'],
      ['a config that is an array', 'client', [], '(config)'],
    ];
    for (const [name, side, input, field] of cases) {
      it(`${name} (${side})`, () => {
        expect(() => (side === 'server' ? resolveConfig('server', input) : resolveConfig('client', input)))
          .to.throw(ConfigError)
          .with.property('field', field);
      });
    }

    it('carries code, problems and the zod error as cause', () => {
      let caught: unknown;
      try {
        resolveConfig('server', { maxFrameBytes: -1, sendQueueLimit: 0 });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(ConfigError).and.include({ code: 'CONFIG_INVALID', field: 'maxFrameBytes' });
      const error = caught as ConfigError;
      expect(error.problems).to.have.length(2);
      expect(error.cause).to.be.instanceOf(Error);
    });
  });

  describe('lanes', () => {
    it('are none by default, frozen when given, with their optional fields left out', () => {
      expect(resolveConfig('server', {}).lanes).to.deep.equal({});
      const config = resolveConfig('client', { lanes: { notify: { limit: 100, policy: 'drop-oldest', priority: 1 }, bulk: { limit: 5, bytes: 4096, policy: 'backpressure' } } });
      expect(config.lanes).to.deep.equal({ notify: { limit: 100, policy: 'drop-oldest', priority: 1 }, bulk: { limit: 5, bytes: 4096, policy: 'backpressure' } });
      expect(Object.isFrozen(config.lanes)).to.equal(true);
      expect(Object.isFrozen(config.lanes['notify'])).to.equal(true);
    });

    it('checkLanes: a lane a protocol puts a sent message in must be configured on that side', () => {
      const Watch = defineProtocol({
        name: 'watch',
        tag: 'kind',
        client: { Get: z.object({}) },
        server: { Changed: z.object({}) },
        lanes: { Changed: 'notify' },
      });
      expect(() => checkLanes('server', resolveConfig('server', {}), [Watch]))
        .to.throw(ConfigError)
        .with.property('field', 'lanes.notify');
      expect(() => checkLanes('server', resolveConfig('server', { lanes: { notify: { limit: 1, policy: 'drop-newest' } } }), [Watch])).not.to.throw();
      // The client never sends Changed.
      expect(() => checkLanes('client', resolveConfig('client', {}), [Watch])).not.to.throw();
    });
  });

  describe('validateOutbound', () => {
    /** Run `f` with NODE_ENV set to `value` (unset for undefined), then restore it. */
    function withNodeEnv<T>(value: string | undefined, f: () => T): T {
      const saved = process.env['NODE_ENV'];
      if (value === undefined) delete process.env['NODE_ENV'];
      else process.env['NODE_ENV'] = value;
      try {
        return f();
      } finally {
        if (saved === undefined) delete process.env['NODE_ENV'];
        else process.env['NODE_ENV'] = saved;
      }
    }

    it("is 'never' by default, and 'always' and 'never' mean what they say whatever NODE_ENV is", () => {
      expect(validatesOutbound(resolveConfig('server', {}))).to.equal(false);
      withNodeEnv('production', () => {
        expect(validatesOutbound(resolveConfig('client', { validateOutbound: 'always' }))).to.equal(true);
        expect(validatesOutbound(resolveConfig('client', { validateOutbound: 'never' }))).to.equal(false);
      });
    });

    it("'development' checks unless NODE_ENV was 'production' when the config was resolved", () => {
      const dev = withNodeEnv(undefined, () => resolveConfig('server', { validateOutbound: 'development' }));
      const prod = withNodeEnv('production', () => resolveConfig('server', { validateOutbound: 'development' }));
      expect(dev.validateOutbound).to.equal('development');
      // Read once, at resolution: changing NODE_ENV afterwards changes nothing.
      withNodeEnv('production', () => expect(validatesOutbound(dev)).to.equal(true));
      withNodeEnv('test', () => expect(validatesOutbound(prod)).to.equal(false));
      // A config built by hand (not resolved) reads NODE_ENV when asked.
      withNodeEnv('production', () => expect(validatesOutbound({ validateOutbound: 'development' })).to.equal(false));
    });

    it('refuses anything else with a ConfigError naming the field', () => {
      for (const bad of ['sometimes', true, 1]) {
        expect(() => resolveConfig('client', { validateOutbound: bad })).to.throw(ConfigError).with.property('field', 'validateOutbound');
      }
    });
  });
});
