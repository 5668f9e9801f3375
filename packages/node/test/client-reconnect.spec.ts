import { expect } from 'chai';
import { NEVER, Observable, VirtualTimeScheduler, concat, firstValueFrom, ignoreElements, merge, of, take } from 'rxjs';
import { z } from 'zod';
import {
  ClosedError,
  ConnectError,
  TransportError,
  clientStage,
  createClient,
  createCompositeClient,
  defineProtocol,
  type ClientEvent,
  type ClientProcessor,
  type ClientStatus,
  type Connection,
  type ConnectionHandlers,
  type ConfigInput,
  type ReconnectPolicy,
  type Transport,
} from '@rxmsg/node';
import { virtualClock } from '@rxmsg/testing';

/**
 * The client's reconnection wiring on virtual time: a scripted transport whose connections are
 * in-memory fakes, the client's scheduler a VirtualTimeScheduler advanced by the test. Microtasks
 * (the first dial, write coalescing) run between steps; no test waits on a real clock.
 */

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});
type Ping = { readonly kind: 'Ping'; readonly n: number };

const RECONNECT: ReconnectPolicy = { initialMs: 10, maxMs: 40, factor: 2, jitter: 0, maxAttempts: 5, stableAfterMs: 100 };

/** An in-memory connection whose remote side the test drives. */
class ScriptedConnection implements Connection {
  readonly framing = 'stream' as const;
  readonly localAddress = 'fake:local';
  readonly written: string[] = [];
  bytesRead = 0;
  bytesWritten = 0;
  closed = false;
  private handlers: ConnectionHandlers | undefined;

  constructor(readonly remoteAddress: string) {}

  start(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false;
    this.written.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
    this.bytesWritten += chunk.length;
    return true;
  }

  /** The messages written, decoded from their JSON lines. */
  sent(): unknown[] {
    return this.written
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l): unknown => JSON.parse(l));
  }

  receive(text: string): void {
    this.bytesRead += text.length;
    this.handlers?.onData(new TextEncoder().encode(text));
  }

  pause(): void {}
  resume(): void {}

  /** Our side is done: the fake server answers by closing its side, so the connection closes. */
  end(): void {
    this.close(undefined);
  }

  destroy(): void {
    this.close(undefined);
  }

  /** The server closes gracefully: its FIN arrives. */
  remoteEnd(): void {
    this.handlers?.onEnd();
  }

  /** The network fails. */
  fail(): void {
    this.close(new TransportError('connection reset'));
  }

  private close(error: TransportError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.onClose(error);
  }
}

/** A transport whose dials succeed or fail as the test says, each at once. */
function scriptedTransport(outcomes: readonly ('ok' | 'refused')[]) {
  const connections: ScriptedConnection[] = [];
  const dialledAt: number[] = [];
  let next = 0;
  let clock = (): number => 0;
  const transport: Transport = {
    schemes: ['fake'],
    listen: () => Promise.reject(new Error('not a server transport')),
    connect: () =>
      new Observable<Connection>((subscriber) => {
        dialledAt.push(clock());
        const outcome = outcomes[next++] ?? 'refused';
        if (outcome === 'refused') {
          subscriber.error(new TransportError('connection refused'));
          return;
        }
        const c = new ScriptedConnection(`fake:server/${connections.length + 1}`);
        connections.push(c);
        subscriber.next(c);
        subscriber.complete();
      }),
  };
  return {
    transport,
    connections,
    dialledAt,
    /** The latest connection. */
    last: (): ScriptedConnection => {
      const c = connections.at(-1);
      if (c === undefined) throw new Error('no connection yet');
      return c;
    },
    useClock: (now: () => number) => (clock = now),
  };
}

/** Let microtasks and the callbacks they queue run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function virtualClient(
  config: ConfigInput<'client'>,
  outcomes: readonly ('ok' | 'refused')[],
  processor: ClientProcessor<typeof Echo, { readonly connection: number }> = (in$) => in$.pipe(ignoreElements()),
) {
  // Virtual time from the testing kit: each timer fires at its own instant, microtasks settled between instants.
  const clock = virtualClock();
  const scheduler = clock.scheduler;
  const fake = scriptedTransport(outcomes);
  fake.useClock(() => scheduler.now());
  const states: number[] = [];
  const client = createClient({
    connect: 'fake://server:1',
    transports: [fake.transport],
    protocol: Echo,
    processor,
    initialState: (peer) => {
      states.push(peer.id);
      return { connection: peer.id };
    },
    config,
    scheduler,
  });
  const statuses: [number, ClientStatus][] = [];
  client.status$.subscribe((s) => statuses.push([scheduler.now(), s]));
  const events: ClientEvent[] = [];
  client.events$.subscribe((e) => events.push(e));
  /** Run virtual time up to `ms` (absolute), with microtasks settled before and after. */
  const advanceTo = (ms: number): Promise<void> => clock.advanceTo(ms);
  const shown = (): [number, string][] =>
    statuses.map(([t, s]): [number, string] => {
      switch (s.state) {
        case 'connecting':
          return [t, `connecting ${s.attempt}`];
        case 'reconnecting':
          return [t, `reconnecting ${s.attempt} in ${s.delayMs}`];
        case 'connected':
          return [t, `connected ${s.remoteAddress}`];
        case 'closed':
          return [t, s.error === undefined ? 'closed' : `closed ${s.error.name}`];
      }
    });
  return { client, fake, clock, states, statuses, events, advanceTo, shown };
}

function ofType<T extends ClientEvent['type']>(events: readonly ClientEvent[], type: T): Extract<ClientEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
}

describe('client reconnection (virtual time)', () => {
  it('a server that ends its side is lost even when the processor outlives its input: remote-closed, then reconnected', async () => {
    const v = virtualClient({ reconnect: RECONNECT }, ['ok', 'ok'], (in$) => merge(NEVER, in$.pipe(ignoreElements())));
    await v.advanceTo(5);
    v.fake.last().receive('{"kind":"Pong","n":1}\n');
    v.fake.last().remoteEnd();
    await v.advanceTo(100);
    // The processor never completes: close() waits out flushTimeoutMs (2000 ms) for it.
    const closing = v.client.close();
    await v.advanceTo(2100);
    await closing;
    expect(v.shown()).to.deep.equal([
      [0, 'connecting 1'],
      [0, 'connected fake:server/1'],
      [5, 'reconnecting 1 in 10'],
      [15, 'connected fake:server/2'],
      [2100, 'closed'],
    ]);
    expect(ofType(v.events, 'disconnected').map((e) => [e.peerId, e.reason])).to.deep.equal([
      [1, 'remote-closed'],
      [2, 'shutdown'],
    ]);
  });

  it('goes connected -> reconnecting (attempt, delay) -> connected, running initialState and the processor anew', async () => {
    let runs = 0;
    const v = virtualClient({ reconnect: RECONNECT }, ['ok', 'refused', 'ok'], (in$, peer) => {
      runs++;
      return concat(of({ kind: 'Ping', n: peer.state.connection } as const), in$.pipe(ignoreElements()));
    });
    await v.advanceTo(0);
    expect(v.fake.connections).to.have.length(1);
    await v.advanceTo(5);
    v.fake.last().remoteEnd();
    await v.advanceTo(100);
    await v.client.close();
    expect(v.shown()).to.deep.equal([
      [0, 'connecting 1'],
      [0, 'connected fake:server/1'],
      [5, 'reconnecting 1 in 10'],
      [15, 'reconnecting 2 in 20'],
      [35, 'connected fake:server/2'],
      [100, 'closed'],
    ]);
    expect(v.fake.dialledAt).to.deep.equal([0, 15, 35]);
    expect(v.states).to.deep.equal([1, 2]);
    expect(runs).to.equal(2);
    expect(v.fake.connections.map((c) => c.sent())).to.deep.equal([[{ kind: 'Ping', n: 1 }], [{ kind: 'Ping', n: 2 }]]);
    expect(ofType(v.events, 'disconnected').map((e) => [e.peerId, e.reason])).to.deep.equal([
      [1, 'completed'],
      [2, 'shutdown'],
    ]);
    expect(ofType(v.events, 'reconnecting')).to.deep.equal([
      { type: 'reconnecting', address: 'fake://server:1', attempt: 1, delayMs: 10 },
      { type: 'reconnecting', address: 'fake://server:1', attempt: 2, delayMs: 20 },
    ]);
    expect(ofType(v.events, 'connect-failed').map((e) => [e.attempt, e.retryInMs, e.error.code])).to.deep.equal([[1, 20, 'TRANSPORT_FAILED']]);
    // A late subscriber still gets the last status.
    const late: ClientStatus[] = [];
    v.client.status$.subscribe((s) => late.push(s));
    expect(late).to.deep.equal([{ state: 'closed' }]);
  });

  it('reconnects after a transport error too, and resets the attempt count after stableAfterMs', async () => {
    const v = virtualClient({ reconnect: RECONNECT }, ['ok', 'ok', 'ok', 'ok']);
    await v.advanceTo(0);
    v.fake.last().fail(); // lived 0 ms
    await v.advanceTo(50);
    v.fake.last().fail(); // up at 10, lived 40 ms: not stable
    await v.advanceTo(300);
    v.fake.last().fail(); // up at 70, lived 230 ms: stable
    await v.advanceTo(400);
    await v.client.close();
    expect(v.shown()).to.deep.equal([
      [0, 'connecting 1'],
      [0, 'connected fake:server/1'],
      [0, 'reconnecting 1 in 10'],
      [10, 'connected fake:server/2'],
      [50, 'reconnecting 2 in 20'],
      [70, 'connected fake:server/3'],
      [300, 'reconnecting 1 in 10'],
      [310, 'connected fake:server/4'],
      [400, 'closed'],
    ]);
    expect(ofType(v.events, 'disconnected').map((e) => e.reason)).to.deep.equal([
      'transport-error',
      'transport-error',
      'transport-error',
      'shutdown',
    ]);
  });

  it('ends the client, without reconnecting, when its stack completes on its own or its processor closes the connection', async () => {
    const completes = virtualClient({ reconnect: RECONNECT }, ['ok', 'ok'], (in$) => in$.pipe(take(1), ignoreElements()));
    await completes.advanceTo(0);
    // The answer completes the stack: the client ends the connection first (the fake server closes in turn).
    completes.fake.last().receive('{"kind":"Pong","n":1}\n');
    await completes.advanceTo(50);
    expect(completes.shown()).to.deep.equal([
      [0, 'connecting 1'],
      [0, 'connected fake:server/1'],
      [0, 'closed'],
    ]);
    expect(completes.fake.dialledAt).to.deep.equal([0]);

    const closes = virtualClient({ reconnect: RECONNECT }, ['ok', 'ok'], (in$, peer) => {
      peer.close();
      return in$.pipe(ignoreElements());
    });
    await closes.advanceTo(0);
    closes.fake.last().remoteEnd();
    await closes.advanceTo(50);
    expect(closes.shown().map(([, s]) => s)).to.deep.equal(['connecting 1', 'connected fake:server/1', 'closed']);
    expect(ofType(closes.events, 'disconnected').map((e) => e.reason)).to.deep.equal(['local-close']);
  });

  it("without a reconnect policy, a lost connection closes the client with the connection's error", async () => {
    const v = virtualClient({}, ['ok', 'ok']);
    await v.advanceTo(0);
    v.fake.last().fail();
    await v.advanceTo(50);
    expect(v.shown().map(([, s]) => s)).to.deep.equal(['connecting 1', 'connected fake:server/1', 'closed TransportError']);
    expect(v.fake.dialledAt).to.deep.equal([0]);
  });

  it('closes with a ConnectError once reconnect attempts run out', async () => {
    const v = virtualClient({ reconnect: { ...RECONNECT, maxAttempts: 2 } }, ['ok']);
    await v.advanceTo(0);
    v.fake.last().fail();
    await v.advanceTo(100);
    expect(v.shown()).to.deep.equal([
      [0, 'connecting 1'],
      [0, 'connected fake:server/1'],
      [0, 'reconnecting 1 in 10'],
      [10, 'reconnecting 2 in 20'],
      [30, 'closed ConnectError'],
    ]);
    const last = v.statuses.at(-1)?.[1];
    const error = last?.state === 'closed' ? last.error : undefined;
    expect(error).to.be.instanceOf(ConnectError);
    expect(error).to.include({ code: 'CONNECT_FAILED', attempts: 2 });
  });

  it('close() during a reconnect wait closes at once and dials no more', async () => {
    const v = virtualClient({ reconnect: RECONNECT }, ['ok', 'ok']);
    await v.advanceTo(0);
    v.fake.last().fail();
    await v.advanceTo(5);
    await v.client.close();
    await v.advanceTo(1000);
    expect(v.shown()).to.deep.equal([
      [0, 'connecting 1'],
      [0, 'connected fake:server/1'],
      [0, 'reconnecting 1 in 10'],
      [5, 'closed'],
    ]);
    expect(v.fake.dialledAt).to.deep.equal([0]);
    // Nothing is left on the scheduler: the wait was cancelled, not ignored.
    expect(v.clock.pending).to.equal(0);
  });

  describe('whileDisconnected', () => {
    it("'queue': keeps messages sent while disconnected and sends them, in order, when the next connection starts; over the limit: false and send-dropped", async () => {
      const v = virtualClient({ reconnect: RECONNECT, disconnectedQueueLimit: 3 }, ['ok', 'ok'], (in$) =>
        concat(of({ kind: 'Ping', n: 0 } as const), in$.pipe(ignoreElements())),
      );
      const ping = (n: number): Ping => ({ kind: 'Ping', n });
      // Before the first connection: queued too.
      expect(v.client.send(ping(1))).to.equal(true);
      await v.advanceTo(0);
      expect(v.client.send(ping(2))).to.equal(true);
      await settle();
      v.fake.last().fail();
      expect(v.client.send(ping(3))).to.equal(true);
      expect(v.client.send(ping(4))).to.equal(true);
      expect(v.client.send(ping(5))).to.equal(true);
      expect(v.client.send(ping(6))).to.equal(false);
      await v.advanceTo(10);
      expect(v.client.send(ping(7))).to.equal(true);
      await v.advanceTo(11);
      const [first, second] = v.fake.connections;
      // The processor's own first message, then what waited, then what was sent while connected.
      expect(first?.sent()).to.deep.equal([ping(0), ping(1), ping(2)]);
      expect(second?.sent()).to.deep.equal([ping(0), ping(3), ping(4), ping(5), ping(7)]);
      expect(ofType(v.events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'queue-full', message: ping(6) }]);
      await v.client.close();
    });

    it("'queue': messages still queued when the client closes are reported dropped", async () => {
      const v = virtualClient({ reconnect: RECONNECT }, ['ok']);
      await v.advanceTo(0);
      v.fake.last().fail();
      expect(v.client.send({ kind: 'Ping', n: 1 })).to.equal(true);
      await v.client.close();
      expect(ofType(v.events, 'send-dropped')).to.deep.equal([{ type: 'send-dropped', cause: 'closed', message: { kind: 'Ping', n: 1 } }]);
      expect(v.events.at(-1)).to.deep.equal({ type: 'closed' });
      expect(v.client.send({ kind: 'Ping', n: 2 })).to.equal(false);
    });

    it("'drop': send() returns false and reports send-dropped while not connected", async () => {
      const v = virtualClient({ reconnect: RECONNECT, whileDisconnected: 'drop' }, ['ok', 'ok']);
      expect(v.client.send({ kind: 'Ping', n: 1 })).to.equal(false);
      await v.advanceTo(0);
      expect(v.client.send({ kind: 'Ping', n: 2 })).to.equal(true);
      await settle();
      v.fake.last().fail();
      expect(v.client.send({ kind: 'Ping', n: 3 })).to.equal(false);
      await v.advanceTo(20);
      expect(v.fake.connections.map((c) => c.sent())).to.deep.equal([[{ kind: 'Ping', n: 2 }], []]);
      expect(ofType(v.events, 'send-dropped').map((e) => [e.cause, e.message])).to.deep.equal([
        ['disconnected', { kind: 'Ping', n: 1 }],
        ['disconnected', { kind: 'Ping', n: 3 }],
      ]);
      await v.client.close();
      expect(v.client.send({ kind: 'Ping', n: 4 })).to.equal(false);
    });

    it("'error': send() throws a ClosedError while not connected and once closed", async () => {
      const v = virtualClient({ reconnect: RECONNECT, whileDisconnected: 'error' }, ['ok', 'ok']);
      expect(() => v.client.send({ kind: 'Ping', n: 1 })).to.throw(ClosedError);
      await v.advanceTo(0);
      expect(v.client.send({ kind: 'Ping', n: 2 })).to.equal(true);
      v.fake.last().fail();
      try {
        v.client.send({ kind: 'Ping', n: 3 });
        expect.fail('send() did not throw');
      } catch (error) {
        expect(error).to.be.instanceOf(ClosedError);
        expect(error).to.include({ code: 'CLOSED' });
      }
      await v.advanceTo(20);
      expect(v.client.send({ kind: 'Ping', n: 4 })).to.equal(true);
      await v.client.close();
      expect(() => v.client.send({ kind: 'Ping', n: 5 })).to.throw(ClosedError);
      expect(ofType(v.events, 'send-dropped')).to.deep.equal([]);
    });
  });

  it('a composite client sends queued messages once the new connection is back at the protocol it was speaking', async () => {
    const Hello = defineProtocol({
      name: 'hello',
      tag: 'kind',
      client: { Hello: z.object({}) },
      server: { Welcome: z.object({}) },
    });
    const Chat = defineProtocol({
      name: 'chat',
      tag: 'kind',
      client: { Say: z.object({ text: z.string() }) },
      server: { Said: z.object({ text: z.string() }) },
    });
    const scheduler = new VirtualTimeScheduler();
    const fake = scriptedTransport(['ok', 'ok']);
    const client = createCompositeClient({
      connect: 'fake://server:1',
      transports: [fake.transport],
      stages: {
        hello: clientStage(Hello, (in$) => concat(of({ kind: 'Hello' } as const), in$.pipe(take(1), ignoreElements()))),
        chat: clientStage(Chat, (in$) => in$.pipe(ignoreElements())),
      },
      initialState: () => ({}),
      router: (_state, _peer, previous) => (previous === null ? 'hello' : previous === 'hello' ? 'chat' : null),
      config: { reconnect: RECONNECT },
      scheduler,
    });
    await settle();
    fake.last().receive('{"kind":"Welcome"}\n');
    await settle();
    expect(client.send({ kind: 'Say', text: 'one' })).to.equal(true);
    await settle();
    fake.last().fail();
    expect(client.send({ kind: 'Say', text: 'two' })).to.equal(true);
    expect(client.send({ kind: 'Say', text: 'three' })).to.equal(true);
    scheduler.flush();
    await settle();
    // Reconnected, in the hello stage: the queued chat messages wait.
    expect(fake.connections).to.have.length(2);
    expect(fake.last().sent()).to.deep.equal([{ kind: 'Hello' }]);
    fake.last().receive('{"kind":"Welcome"}\n');
    await settle();
    expect(fake.connections.map((c) => c.sent())).to.deep.equal([
      [{ kind: 'Hello' }, { kind: 'Say', text: 'one' }],
      [{ kind: 'Hello' }, { kind: 'Say', text: 'two' }, { kind: 'Say', text: 'three' }],
    ]);
    await client.close();
  });

  it('close() while a reconnect dial is in flight aborts the dial', async () => {
    const scheduler = new VirtualTimeScheduler();
    const first = new ScriptedConnection('fake:server/1');
    let dials = 0;
    let aborted = false;
    const transport: Transport = {
      schemes: ['fake'],
      listen: () => Promise.reject(new Error('not a server transport')),
      connect: () =>
        new Observable<Connection>((subscriber) => {
          if (++dials === 1) {
            subscriber.next(first);
            subscriber.complete();
            return undefined;
          }
          // The second dial never completes on its own.
          return () => (aborted = true);
        }),
    };
    const client = createClient({
      connect: 'fake://server:1',
      transports: [transport],
      protocol: Echo,
      processor: (in$) => in$.pipe(ignoreElements()),
      config: { reconnect: RECONNECT },
      scheduler,
    });
    await settle();
    first.fail();
    scheduler.flush();
    expect(dials).to.equal(2);
    expect(aborted).to.equal(false);
    await client.close();
    expect(aborted).to.equal(true);
    expect(await firstValueFrom(client.status$)).to.deep.equal({ state: 'closed' });
  });
});
