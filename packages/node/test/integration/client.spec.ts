import { expect } from 'chai';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { concat, ignoreElements, map, of, take, takeWhile, tap, type Observable } from 'rxjs';
import {
  ConnectError,
  TimeoutError,
  createClient,
  createServer,
  type ClientEvent,
  type ClientStatus,
  type RetryPolicy,
} from '@rxmsg/node';
import { activeResources, eventually, leakedResources, waitFor, within } from '@rxmsg/test-utils';
import { TextEcho, echo, pings, pongs, record, type EchoReply, type Ping } from './echo-protocol';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A client processor that sends nothing and ends when the server ends the connection. */
const listen = (in$: Observable<EchoReply>): Observable<Ping> => in$.pipe(ignoreElements());

/** A port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

async function echoServer(listenOn = 'tcp://127.0.0.1:0') {
  const s = await createServer({ listen: listenOn, protocol: TextEcho, processor: echo, config: { flushTimeoutMs: 500 } });
  cleanup.push(() => s.close());
  return s;
}

function statuses(status$: Observable<ClientStatus>): { readonly seen: ClientStatus[]; readonly completed: () => boolean } {
  const log = record(status$);
  return { seen: log.events, completed: log.completed };
}

function ofType<T extends ClientEvent['type']>(events: readonly ClientEvent[], type: T): Extract<ClientEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
}

const FAST_RETRY: RetryPolicy = { initialMs: 20, maxMs: 40, factor: 2, jitter: 0, maxAttempts: 200 };

describe('client', () => {
  it('goes connecting -> connected -> closed, decodes messages and sends only while connected', async () => {
    const s = await echoServer();
    const address = s.addresses()[0]!;
    const client = createClient({ connect: address, protocol: TextEcho, processor: listen, config: { whileDisconnected: 'drop' } });
    cleanup.push(() => client.close());
    const status = statuses(client.status$);
    const events = record(client.events$);
    const got: EchoReply[] = [];
    let messagesDone = false;
    client.messages$.subscribe({ next: (m) => got.push(m), complete: () => (messagesDone = true) });

    expect(client.send({ kind: 'Ping', n: 0 })).to.equal(false);
    await waitFor(client.status$, (st) => st.state === 'connected', 1000);
    expect(client.send({ kind: 'Ping', n: 1 })).to.equal(true);
    expect(client.send({ kind: 'Ping', n: 2 })).to.equal(true);
    await eventually(() => got.length === 2, 1000, 'two answers');
    expect(got).to.deep.equal(pongs(1, 3));

    await client.close();
    expect(status.seen).to.deep.equal([
      { state: 'connecting', attempt: 1 },
      { state: 'connected', remoteAddress: address },
      { state: 'closed' },
    ]);
    expect(status.completed()).to.equal(true);
    expect(messagesDone).to.equal(true);
    expect(events.completed()).to.equal(true);
    expect(events.events.at(-1)).to.deep.equal({ type: 'closed' });
    expect(client.send({ kind: 'Ping', n: 3 })).to.equal(false);
    // A late subscriber gets the final status, then completion.
    expect(await waitFor(client.status$, () => true, 100)).to.deep.equal({ state: 'closed' });
  });

  it('closes by itself once its processor completes and everything it sent was answered', async () => {
    const s = await echoServer();
    const client = createClient({
      connect: s.addresses()[0]!,
      protocol: TextEcho,
      processor: (in$) => concat(of(...pings(0, 20)), in$.pipe(take(20), ignoreElements())),
    });
    cleanup.push(() => client.close());
    const got: EchoReply[] = [];
    client.messages$.subscribe((m) => got.push(m));
    const status = statuses(client.status$);
    await client.closed;
    expect(got).to.deep.equal(pongs(0, 20));
    expect(status.seen.at(-1)).to.deep.equal({ state: 'closed' });
  });

  it('is closed without error when the server closes', async () => {
    const s = await echoServer();
    const client = createClient({ connect: s.addresses()[0]!, protocol: TextEcho, processor: listen });
    cleanup.push(() => client.close());
    await waitFor(client.status$, (st) => st.state === 'connected', 1000);
    await s.close();
    await client.closed;
    expect(await waitFor(client.status$, () => true, 100)).to.deep.equal({ state: 'closed' });
  });

  it('keeps retrying with backoff until a server appears on the port, then connects', async () => {
    const port = await freePort();
    const address = `tcp://127.0.0.1:${port}`;
    const client = createClient({
      connect: address,
      protocol: TextEcho,
      processor: (in$) => concat(of({ kind: 'Ping', n: 5 } as const), in$.pipe(take(1), ignoreElements())),
      config: { connectRetry: FAST_RETRY, whileDisconnected: 'drop' },
    });
    cleanup.push(() => client.close());
    const events = record(client.events$);
    const status = statuses(client.status$);
    const got: EchoReply[] = [];
    client.messages$.subscribe((m) => got.push(m));

    await eventually(() => ofType(events.events, 'connect-failed').length >= 2, 1000, 'two failed attempts');
    expect(client.send({ kind: 'Ping', n: 0 })).to.equal(false);
    await echoServer(address);
    await client.closed;

    expect(got).to.deep.equal([{ kind: 'Pong', n: 5 }]);
    const failed = ofType(events.events, 'connect-failed');
    expect(failed.map((e) => e.attempt)).to.deep.equal(failed.map((_, i) => i + 1));
    for (const f of failed) {
      expect(f.error).to.be.instanceOf(ConnectError);
      expect(f.error).to.include({ code: 'CONNECT_FAILED', attempts: 1 });
      expect(f.retryInMs).to.be.within(FAST_RETRY.initialMs, FAST_RETRY.maxMs);
    }
    // The first attempt is announced after createClient returns; each failure announces the next one.
    expect(ofType(events.events, 'connecting').map((e) => e.attempt)).to.deep.equal([1, ...failed.map((f) => f.attempt + 1)]);
    expect(status.seen.map((st) => (st.state === 'connecting' ? st.attempt : st.state))).to.deep.equal([
      ...failed.map((f) => f.attempt),
      failed.length + 1,
      'connected',
      'closed',
    ]);
    expect(status.seen.at(-1)).to.deep.equal({ state: 'closed' });
  });

  it("with connectRetry 'none', closes with a ConnectError after one failed attempt", async () => {
    const before = await activeResources();
    const client = createClient({ connect: `tcp://127.0.0.1:${await freePort()}`, protocol: TextEcho, processor: listen });
    cleanup.push(() => client.close());
    const events = record(client.events$);
    const status = statuses(client.status$);
    await client.closed;
    const last = status.seen.at(-1);
    expect(last?.state).to.equal('closed');
    const error = last?.state === 'closed' ? last.error : undefined;
    expect(error).to.be.instanceOf(ConnectError);
    expect(error).to.include({ code: 'CONNECT_FAILED', attempts: 1 });
    // The cause is the refused attempt's own ConnectError: CONNECT_FAILED, not TRANSPORT_FAILED.
    expect(error?.cause).to.be.instanceOf(ConnectError);
    expect(ofType(events.events, 'connect-failed')[0]?.error).to.include({ code: 'CONNECT_FAILED' });
    expect(events.events.map((e) => e.type)).to.deep.equal(['connecting', 'connect-failed', 'closed']);
    expect(ofType(events.events, 'connect-failed')[0]).to.not.have.property('retryInMs');
    expect(status.completed()).to.equal(true);
    expect(client.send({ kind: 'Ping', n: 1 })).to.equal(false);
    expect(await leakedResources(before)).to.deep.equal([]);
  });

  it('connectTimeoutMs: an attempt that gets no TLS handshake fails with a TimeoutError, and the client closes with a ConnectError', async () => {
    // A plain TCP server that accepts and never answers: the TLS handshake waits for ever without the deadline.
    const accepted: Socket[] = [];
    const silent = createNetServer((socket) => accepted.push(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => {
      for (const socket of accepted) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    // Listening on 127.0.0.1, so address() is an AddressInfo.
    const port = (silent.address() as AddressInfo).port;
    const client = createClient({ connect: `tls://127.0.0.1:${port}`, protocol: TextEcho, processor: listen, config: { connectTimeoutMs: 100 } });
    cleanup.push(() => client.close());
    const events = record(client.events$);
    const status = statuses(client.status$);
    await client.closed;
    const failed = ofType(events.events, 'connect-failed');
    expect(failed.map((e) => [e.attempt, e.error.constructor, e.error.code])).to.deep.equal([[1, TimeoutError, 'TIMEOUT']]);
    const last = status.seen.at(-1);
    const error = last?.state === 'closed' ? last.error : undefined;
    expect(error).to.be.instanceOf(ConnectError);
    expect(error?.cause).to.be.instanceOf(TimeoutError);
    expect(client.config.connectTimeoutMs).to.equal(100);
  });

  it('without a processor (send-only): sends what send() queued, shows replies on messages$, stays connected until close(), which flushes', async () => {
    const received: number[] = [];
    const s = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: TextEcho,
      processor: (in$) => in$.pipe(tap((m) => received.push(m.n)), map((m) => ({ kind: 'Pong', n: m.n }) as const)),
    });
    cleanup.push(() => s.close());
    const client = createClient({ connect: s.addresses()[0]!, protocol: TextEcho });
    cleanup.push(() => client.close());
    const events = record(client.events$);
    const got: EchoReply[] = [];
    client.messages$.subscribe((m) => got.push(m));

    // Before the connection is up: kept, then sent.
    expect(client.send({ kind: 'Ping', n: 0 })).to.equal(true);
    await eventually(() => got.length === 1, 2000, 'the reply to the queued message');
    // Still connected once that was answered: a later send() goes out on the same connection.
    expect(client.send({ kind: 'Ping', n: 1 })).to.equal(true);
    await eventually(() => got.length === 2, 2000, 'the reply to the second message');
    // A burst sent just before close() is flushed, not dropped.
    for (const p of pings(2, 102)) expect(client.send(p)).to.equal(true);
    await client.close();
    await eventually(() => received.length === 102, 2000, 'every message at the server');
    expect(received).to.deep.equal(pings(0, 102).map((p) => p.n));
    expect(got.slice(0, 2)).to.deep.equal(pongs(0, 2));
    expect(ofType(events.events, 'connected').length).to.equal(1);
    expect(ofType(events.events, 'disconnected').map((e) => e.reason)).to.deep.equal(['shutdown']);
    expect(ofType(events.events, 'send-dropped')).to.deep.equal([]);
    expect(ofType(events.events, 'processor-error')).to.deep.equal([]);
  });

  it('closes with a ConnectError once the retry policy runs out of attempts', async () => {
    const client = createClient({
      connect: `tcp://127.0.0.1:${await freePort()}`,
      protocol: TextEcho,
      processor: listen,
      config: { connectRetry: { initialMs: 10, maxMs: 100, factor: 2, jitter: 0, maxAttempts: 3 } },
    });
    cleanup.push(() => client.close());
    const events = record(client.events$);
    const status = statuses(client.status$);
    await client.closed;
    const failed = ofType(events.events, 'connect-failed');
    expect(failed.map((e) => [e.attempt, e.retryInMs])).to.deep.equal([
      [1, 10],
      [2, 20],
      [3, undefined],
    ]);
    expect(status.seen.map((st) => (st.state === 'connecting' ? st.attempt : st.state))).to.deep.equal([1, 2, 3, 'closed']);
    const last = status.seen.at(-1);
    const error = last?.state === 'closed' ? last.error : undefined;
    expect(error).to.be.instanceOf(ConnectError);
    expect(error).to.include({ code: 'CONNECT_FAILED', attempts: 3 });
  });

  describe('close() while connecting', () => {
    it('during a backoff wait: stops retrying and leaves no handles', async () => {
      const before = await activeResources();
      const client = createClient({
        connect: `tcp://127.0.0.1:${await freePort()}`,
        protocol: TextEcho,
        processor: listen,
        config: { connectRetry: { initialMs: 60_000, maxMs: 60_000, factor: 1, jitter: 0, maxAttempts: 10 } },
      });
      cleanup.push(() => client.close());
      const events = record(client.events$);
      await eventually(() => ofType(events.events, 'connect-failed').length === 1, 1000, 'first attempt failed');
      // At once, not after the 60 s retry delay (the bound is the test's, far from both).
      await within(client.close(), 10_000, 'close() during the retry wait');
      expect(ofType(events.events, 'connecting').map((e) => e.attempt)).to.deep.equal([1, 2]);
      expect(events.events.at(-1)).to.deep.equal({ type: 'closed' });
      expect(await waitFor(client.status$, () => true, 100)).to.deep.equal({ state: 'closed' });
      expect(await leakedResources(before)).to.deep.equal([]);
    });

    it('while the first dial is in flight: aborts it and leaves no handles', async () => {
      const before = await activeResources();
      const client = createClient({
        connect: `tcp://127.0.0.1:${await freePort()}`,
        protocol: TextEcho,
        processor: listen,
        config: { connectRetry: FAST_RETRY },
      });
      cleanup.push(() => client.close());
      const events = record(client.events$);
      await client.close();
      expect(events.events).to.deep.equal([{ type: 'closed' }]);
      expect(await leakedResources(before)).to.deep.equal([]);
    });
  });

  it('answers typed messages both ways (a processor mapping replies to requests)', async () => {
    const s = await echoServer();
    const client = createClient({
      connect: s.addresses()[0]!,
      protocol: TextEcho,
      // Each answer asks for the next number, until the answer 10.
      processor: (in$) =>
        concat(
          of({ kind: 'Ping', n: 0 } as const),
          in$.pipe(
            takeWhile((m) => m.kind === 'Pong' && m.n < 10),
            map((m) => ({ kind: 'Ping', n: m.kind === 'Pong' ? m.n + 1 : -1 }) as const),
          ),
        ),
    });
    cleanup.push(() => client.close());
    const got: EchoReply[] = [];
    client.messages$.subscribe((m) => got.push(m));
    await client.closed;
    expect(got).to.deep.equal(pongs(0, 11));
  });
});
