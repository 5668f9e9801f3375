import { expect } from 'chai';
import { EMPTY } from 'rxjs';
import {
  CLIENT_CONFIG_DEFAULTS,
  ConfigError,
  SERVER_CONFIG_DEFAULTS,
  createClient,
  createServer,
  type ConfigInput,
  type EffectiveConfig,
  type HeartbeatPolicy,
  type RateLimitPolicy,
  type ReconnectPolicy,
} from '@rxmsg/node';
import { activeResources, leakedResources } from '@rxmsg/test-utils';
import { TextEcho, echo } from './echo-protocol';
import { expectConfigError, rejection, thrown } from './config-expectations';

// The config fields for flow control, liveness, limits and reconnection: each bad value is refused
// by createServer / createClient with a ConfigError naming the field, before anything is bound or
// dialled; the fields of one side do not type-check on the other (`// @ts-expect-error`, checked by
// `tsc -b`). The policies themselves are tested elsewhere.

/** `true` exactly when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const LISTEN = 'tcp://127.0.0.1:0';
/** Nothing listens there; createClient must throw before dialling anyway. */
const CONNECT = 'tcp://127.0.0.1:1';

const retry = { initialMs: 10, maxMs: 100, factor: 2, jitter: 0.5, maxAttempts: 5 } as const;
const reconnect = { ...retry, stableAfterMs: 1000 } as const;

type ServerInput = ConfigInput<'server', 'server'>;
type ClientInput = ConfigInput<'client'>;


/** Invalid values of the fields both sides have: [field reported, config]. */
const BASE_CASES: readonly (readonly [string, ServerInput & ClientInput])[] = [
  ['sendQueueBytes', { sendQueueBytes: 0 }],
  ['sendQueueBytes', { sendQueueBytes: 1.5 }],
  ['sendQueueBytes', { sendQueueBytes: -1 }],
  // @ts-expect-error a byte count is a number
  ['sendQueueBytes', { sendQueueBytes: '1024' }],
  // @ts-expect-error not one of the four policies
  ['onSendQueueFull', { onSendQueueFull: 'block' }],
  ['receiveQueueLimit', { receiveQueueLimit: 0 }],
  ['receiveQueueLimit', { receiveQueueLimit: 2.5 }],
  ['heartbeat.intervalMs', { heartbeat: { intervalMs: 0, timeoutMs: 100 } }],
  ['heartbeat.intervalMs', { heartbeat: { intervalMs: 1.5, timeoutMs: 100 } }],
  ['heartbeat.timeoutMs', { heartbeat: { intervalMs: 100, timeoutMs: 100 } }],
  ['heartbeat.timeoutMs', { heartbeat: { intervalMs: 100, timeoutMs: 50 } }],
  ['heartbeat.timeoutMs', { heartbeat: { intervalMs: 100, timeoutMs: 0 } }],
  // @ts-expect-error timeoutMs is required
  ['heartbeat.timeoutMs', { heartbeat: { intervalMs: 100 } }],
  // @ts-expect-error 'none' or a policy
  ['heartbeat', { heartbeat: 'always' }],
  // @ts-expect-error no such heartbeat field
  ['heartbeat.jitter', { heartbeat: { intervalMs: 100, timeoutMs: 300, jitter: 1 } }],
  ['idleTimeoutMs', { idleTimeoutMs: -1 }],
  ['idleTimeoutMs', { idleTimeoutMs: 2.5 }],
  ['rateLimit.messagesPerSecond', { rateLimit: { messagesPerSecond: 0, burst: 10, onExceed: 'pause' } }],
  ['rateLimit.messagesPerSecond', { rateLimit: { messagesPerSecond: -5, burst: 10, onExceed: 'pause' } }],
  ['rateLimit.messagesPerSecond', { rateLimit: { messagesPerSecond: Infinity, burst: 10, onExceed: 'pause' } }],
  ['rateLimit.messagesPerSecond', { rateLimit: { messagesPerSecond: NaN, burst: 10, onExceed: 'pause' } }],
  ['rateLimit.burst', { rateLimit: { messagesPerSecond: 100, burst: 0, onExceed: 'drop' } }],
  ['rateLimit.burst', { rateLimit: { messagesPerSecond: 100, burst: 1.5, onExceed: 'drop' } }],
  // @ts-expect-error not one of pause, drop, disconnect
  ['rateLimit.onExceed', { rateLimit: { messagesPerSecond: 100, burst: 10, onExceed: 'block' } }],
  // @ts-expect-error onExceed is required
  ['rateLimit.onExceed', { rateLimit: { messagesPerSecond: 100, burst: 10 } }],
  // @ts-expect-error 'none' or a policy
  ['rateLimit', { rateLimit: 100 }],
  // @ts-expect-error not one of development, always, never
  ['validateOutbound', { validateOutbound: 'sometimes' }],
  // @ts-expect-error a mode, not a boolean
  ['validateOutbound', { validateOutbound: true }],
];

/** Invalid values of the server-only fields. */
const SERVER_CASES: readonly (readonly [string, ServerInput])[] = [
  ['maxConnections', { maxConnections: -1 }],
  ['maxConnections', { maxConnections: 1.5 }],
  ['handshakeTimeoutMs', { handshakeTimeoutMs: -1 }],
  ['handshakeTimeoutMs', { handshakeTimeoutMs: 0.5 }],
  // @ts-expect-error a duration is a number
  ['handshakeTimeoutMs', { handshakeTimeoutMs: '10s' }],
];

/** Invalid values of the client-only fields. */
const CLIENT_CASES: readonly (readonly [string, ClientInput])[] = [
  ['reconnect.stableAfterMs', { reconnect: { ...reconnect, stableAfterMs: -1 } }],
  ['reconnect.stableAfterMs', { reconnect: { ...reconnect, stableAfterMs: 1.5 } }],
  // @ts-expect-error stableAfterMs is required: a RetryPolicy is not a ReconnectPolicy
  ['reconnect.stableAfterMs', { reconnect: retry }],
  ['reconnect.initialMs', { reconnect: { ...reconnect, initialMs: -1 } }],
  ['reconnect.maxMs', { reconnect: { ...reconnect, maxMs: 5 } }],
  ['reconnect.factor', { reconnect: { ...reconnect, factor: 0.5 } }],
  ['reconnect.jitter', { reconnect: { ...reconnect, jitter: 1.5 } }],
  ['reconnect.maxAttempts', { reconnect: { ...reconnect, maxAttempts: 0 } }],
  ['reconnect.maxAttempts', { reconnect: { ...reconnect, maxAttempts: -Infinity } }],
  // @ts-expect-error no such reconnect field
  ['reconnect.forever', { reconnect: { ...reconnect, forever: true } }],
  // @ts-expect-error 'none' or a policy
  ['reconnect', { reconnect: 'always' }],
  // @ts-expect-error not one of queue, drop, error
  ['whileDisconnected', { whileDisconnected: 'buffer' }],
  ['disconnectedQueueLimit', { disconnectedQueueLimit: 0 }],
  ['disconnectedQueueLimit', { disconnectedQueueLimit: 2.5 }],
  ['connectTimeoutMs', { connectTimeoutMs: -1 }],
  ['connectTimeoutMs', { connectTimeoutMs: 1.5 }],
  ['connectTimeoutMs', { connectTimeoutMs: 2 ** 31 }],
  // @ts-expect-error a number of ms
  ['connectTimeoutMs', { connectTimeoutMs: '1s' }],
];

function startServer(config: ServerInput): Promise<unknown> {
  return createServer({ listen: LISTEN, protocol: TextEcho, processor: echo, config });
}

function startClient(config: ClientInput): unknown {
  return createClient({ connect: CONNECT, protocol: TextEcho, processor: () => EMPTY, config });
}

describe('config of flow control, liveness, limits and reconnection', () => {
  describe('createServer rejects a bad value with a ConfigError naming the field, and binds nothing', () => {
    for (const [field, config] of [...BASE_CASES, ...SERVER_CASES]) {
      it(`${field}: ${describeConfig(config)}`, async () => {
        const before = await activeResources();
        expectConfigError(await rejection(startServer(config)), field);
        expect(await leakedResources(before)).to.deep.equal([]);
      });
    }
  });

  describe('createClient throws a ConfigError naming the field, before dialling', () => {
    for (const [field, config] of [...BASE_CASES, ...CLIENT_CASES]) {
      it(`${field}: ${describeConfig(config)}`, async () => {
        const before = await activeResources();
        expectConfigError(thrown(() => startClient(config)), field);
        expect(await leakedResources(before)).to.deep.equal([]);
      });
    }
  });

  describe("one side's fields are refused on the other, at compile time and at run time", () => {
    it('a server config has no reconnect, whileDisconnected, disconnectedQueueLimit, connectRetry or connectTimeoutMs', async () => {
      const cases: [string, () => Promise<unknown>][] = [
        // @ts-expect-error reconnect is a client field
        ['reconnect', () => createServer({ listen: LISTEN, protocol: TextEcho, processor: echo, config: { reconnect } })],
        // @ts-expect-error whileDisconnected is a client field
        ['whileDisconnected', () => createServer({ listen: LISTEN, protocol: TextEcho, processor: echo, config: { whileDisconnected: 'queue' } })],
        [
          'disconnectedQueueLimit',
          // @ts-expect-error disconnectedQueueLimit is a client field
          () => createServer({ listen: LISTEN, protocol: TextEcho, processor: echo, config: { disconnectedQueueLimit: 10 } }),
        ],
        // @ts-expect-error connectRetry is a client field
        ['connectRetry', () => createServer({ listen: LISTEN, protocol: TextEcho, processor: echo, config: { connectRetry: retry } })],
        // @ts-expect-error connectTimeoutMs is a client field
        ['connectTimeoutMs', () => createServer({ listen: LISTEN, protocol: TextEcho, processor: echo, config: { connectTimeoutMs: 100 } })],
      ];
      for (const [field, start] of cases) expectConfigError(await rejection(start()), field);
    });

    it('a client config has no maxConnections or handshakeTimeoutMs', () => {
      const cases: [string, () => unknown][] = [
        // @ts-expect-error maxConnections is a server field
        ['maxConnections', () => createClient({ connect: CONNECT, protocol: TextEcho, processor: () => EMPTY, config: { maxConnections: 10 } })],
        // @ts-expect-error handshakeTimeoutMs is a server field
        ['handshakeTimeoutMs', () => createClient({ connect: CONNECT, protocol: TextEcho, processor: () => EMPTY, config: { handshakeTimeoutMs: 500 } })],
      ];
      for (const [field, start] of cases) expectConfigError(thrown(start), field);
    });

    it('the types say so too: ConfigInput of each side, and EffectiveConfig', () => {
      // @ts-expect-error a client config has no maxConnections
      const c1: ClientInput = { maxConnections: 1 };
      // @ts-expect-error a client config has no handshakeTimeoutMs
      const c2: ClientInput = { handshakeTimeoutMs: 1 };
      // @ts-expect-error a server config has no reconnect
      const s1: ServerInput = { reconnect };
      // @ts-expect-error a server config has no whileDisconnected
      const s2: ServerInput = { whileDisconnected: 'drop' };
      // @ts-expect-error a server config has no disconnectedQueueLimit
      const s3: ServerInput = { disconnectedQueueLimit: 1 };
      const shared: ServerInput & ClientInput = { sendQueueBytes: 1, heartbeat: { intervalMs: 1, timeoutMs: 2 }, rateLimit: 'none' };
      const serverOnly: Equals<Exclude<keyof EffectiveConfig<'server', {}>, keyof EffectiveConfig<'client', {}>>, 'maxConnections' | 'handshakeTimeoutMs' | 'maxBufferedBytes'> = true;
      const clientOnly: Equals<
        Exclude<keyof EffectiveConfig<'client', {}>, keyof EffectiveConfig<'server', {}>>,
        'connectRetry' | 'reconnect' | 'whileDisconnected' | 'disconnectedQueueLimit' | 'connectTimeoutMs'
      > = true;
      const reconnectType: Equals<EffectiveConfig<'client', {}>['reconnect'], 'none' | ReconnectPolicy> = true;
      expect([serverOnly, clientOnly, reconnectType]).to.deep.equal([true, true, true]);
      for (const bad of [c1, c2]) expect(() => startClient(bad)).to.throw(ConfigError);
      expect([s1, s2, s3, shared].every((c) => typeof c === 'object')).to.equal(true);
    });
  });

  describe('valid values', () => {
    it('a server accepts every new field, reports them in its frozen effective config, typed with their literals', async () => {
      const heartbeat = { intervalMs: 5_000, timeoutMs: 15_000 } as const;
      const rateLimit = { messagesPerSecond: 0.5, burst: 1, onExceed: 'drop' } as const;
      const server = await createServer({
        listen: LISTEN,
        protocol: TextEcho,
        processor: echo,
        config: {
          sendQueueBytes: 1,
          onSendQueueFull: 'drop-oldest',
          receiveQueueLimit: 1,
          heartbeat,
          idleTimeoutMs: 0,
          rateLimit,
          maxConnections: 0,
          handshakeTimeoutMs: 0,
        },
      });
      try {
        const mode: 'drop-oldest' = server.config.onSendQueueFull;
        const beat: Equals<typeof server.config.heartbeat, { readonly intervalMs: 5_000; readonly timeoutMs: 15_000 }> = true;
        const rate: Equals<typeof server.config.rateLimit, { readonly messagesPerSecond: 0.5; readonly burst: 1; readonly onExceed: 'drop' }> = true;
        const defaulted: Equals<typeof server.config.flushTimeoutMs, number> = true;
        expect([mode, beat, rate, defaulted]).to.deep.equal(['drop-oldest', true, true, true]);
        expect(server.config).to.deep.include({
          sendQueueBytes: 1,
          onSendQueueFull: 'drop-oldest',
          receiveQueueLimit: 1,
          heartbeat,
          idleTimeoutMs: 0,
          rateLimit,
          maxConnections: 0,
          handshakeTimeoutMs: 0,
          flushTimeoutMs: SERVER_CONFIG_DEFAULTS.flushTimeoutMs,
        });
        expect(Object.isFrozen(server.config)).to.equal(true);
        expect(Object.isFrozen(server.config.heartbeat)).to.equal(true);
        expect(Object.isFrozen(server.config.rateLimit)).to.equal(true);
      } finally {
        await server.close();
      }
    });

    it('a client accepts every new field, reconnect with maxAttempts Infinity included', async () => {
      const forever = { ...reconnect, maxAttempts: Infinity } as const;
      const client = createClient({
        connect: CONNECT,
        protocol: TextEcho,
        processor: () => EMPTY,
        config: { reconnect: forever, whileDisconnected: 'error', disconnectedQueueLimit: 1, heartbeat: { intervalMs: 1, timeoutMs: 2 } },
      });
      try {
        const policy: ReconnectPolicy = client.config.reconnect;
        const heartbeat: HeartbeatPolicy = client.config.heartbeat;
        const rate: 'none' | RateLimitPolicy = client.config.rateLimit;
        expect(policy).to.deep.equal(forever);
        expect(heartbeat).to.deep.equal({ intervalMs: 1, timeoutMs: 2 });
        expect(rate).to.equal(CLIENT_CONFIG_DEFAULTS.rateLimit);
        expect(client.config).to.include({ whileDisconnected: 'error', disconnectedQueueLimit: 1 });
        expect(Object.isFrozen(client.config.reconnect)).to.equal(true);
      } finally {
        await client.close();
      }
    });

    it('the defaults are valid on their own side', async () => {
      const server = await createServer({ listen: LISTEN, protocol: TextEcho, processor: echo, config: SERVER_CONFIG_DEFAULTS });
      await server.close();
      const client = createClient({ connect: CONNECT, protocol: TextEcho, processor: () => EMPTY, config: CLIENT_CONFIG_DEFAULTS });
      await client.close();
      expect(SERVER_CONFIG_DEFAULTS.handshakeTimeoutMs).to.be.above(0);
    });
  });
});

/** A config as a short test title. */
function describeConfig(config: object): string {
  return JSON.stringify(config, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
}
