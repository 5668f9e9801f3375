import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import { ConfigError } from '@rxmsg/core';
import { activeResources, eventually, leakedResources, udpFaultProxy, type UdpFaultProxy, type UdpFaultProxyOptions } from '@rxmsg/test-utils';

/** Generous bound for waits on a loaded machine; never a measured time. */
const WAIT_MS = 10_000;

/** A bound UDP socket on loopback that keeps what it receives, with the sender's port. */
interface Endpoint {
  readonly socket: Socket;
  readonly port: number;
  readonly received: { readonly data: Buffer; readonly fromPort: number }[];
  close(): Promise<void>;
}

async function endpoint(echo: boolean): Promise<Endpoint> {
  const socket = createSocket('udp4');
  const received: { data: Buffer; fromPort: number }[] = [];
  socket.on('message', (data, from) => {
    received.push({ data, fromPort: from.port });
    if (echo) socket.send(data, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind({ port: 0, address: '127.0.0.1' }, () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    port: socket.address().port,
    received,
    close: () => {
      socket.close();
      return closed;
    },
  };
}

describe('udpFaultProxy', () => {
  let server: Endpoint;
  let clients: Endpoint[];
  let proxy: UdpFaultProxy | undefined;

  beforeEach(async () => {
    server = await endpoint(true);
    clients = [await endpoint(false)];
    proxy = undefined;
  });

  afterEach(async () => {
    await proxy?.close();
    for (const c of clients) await c.close();
    await server.close();
  });

  async function start(options: Omit<UdpFaultProxyOptions, 'upstream'> = {}): Promise<UdpFaultProxy> {
    proxy = await udpFaultProxy({ upstream: { port: server.port }, seed: 42, ...options });
    return proxy;
  }

  function sendAll(p: UdpFaultProxy, payloads: readonly Buffer[], client = clients[0]!): void {
    for (const b of payloads) client.socket.send(b, p.address.port, p.address.address);
  }

  const numbered = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.from(`m${String(i).padStart(4, '0')}`));
  const texts = (e: Endpoint): string[] => e.received.map((r) => r.data.toString());

  it('without faults echoes every datagram once, in order', async () => {
    const p = await start();
    const sent = numbered(50);
    sendAll(p, sent);
    await eventually(() => clients[0]!.received.length >= 50, WAIT_MS, '50 echoes');
    await eventually(() => p.counters().toClient.forwarded === 50, WAIT_MS, 'counters');
    expect(texts(clients[0]!)).to.deep.equal(sent.map((b) => b.toString()));
    expect(server.received).to.have.length(50);
    const { toUpstream, toClient } = p.counters();
    for (const c of [toUpstream, toClient]) expect(c).to.include({ received: 50, forwarded: 50, dropped: 0, duplicated: 0, reordered: 0, delayed: 0, corrupted: 0 });
  });

  it('with drop rate 1 forwards nothing, and counts the drops', async () => {
    const p = await start({ faults: { drop: 1 } });
    sendAll(p, numbered(20));
    await eventually(() => p.counters().toUpstream.received === 20, WAIT_MS, '20 received');
    // The proxy decides as a datagram arrives: all 20 were dropped before the count above was reached.
    expect(p.counters().toUpstream).to.include({ dropped: 20, forwarded: 0 });
    expect(server.received).to.have.length(0);
  });

  it('with duplicate rate 1 delivers each datagram twice', async () => {
    const p = await start({ toUpstream: { duplicate: 1 } });
    const sent = numbered(20);
    sendAll(p, sent);
    await eventually(() => clients[0]!.received.length >= 40, WAIT_MS, '40 echoes');
    await eventually(() => p.counters().toClient.forwarded === 40, WAIT_MS, 'counters');
    const counts = new Map<string, number>();
    for (const t of texts(clients[0]!)) counts.set(t, (counts.get(t) ?? 0) + 1);
    expect([...counts.keys()].sort()).to.deep.equal(sent.map((b) => b.toString()));
    expect([...counts.values()].every((n) => n === 2)).to.equal(true);
    expect(p.counters().toUpstream).to.include({ received: 20, forwarded: 40, duplicated: 20 });
  });

  it('with reordering changes the order and loses nothing', async () => {
    const p = await start({ toUpstream: { reorder: 0.5, reorderHoldMs: 1_000 } });
    const sent = numbered(30).map((b) => b.toString());
    sendAll(p, numbered(30));
    await eventually(() => clients[0]!.received.length >= 30, WAIT_MS, '30 echoes');
    const got = texts(clients[0]!);
    expect([...got].sort()).to.deep.equal(sent);
    expect(got).to.not.deep.equal(sent);
    expect(p.counters().toUpstream.reordered).to.be.greaterThan(0);
    expect(p.counters().toUpstream.dropped).to.equal(0);
  });

  it('drops and counts datagrams over the MTU', async () => {
    const p = await start({ toUpstream: { mtu: 100 } });
    const sent = Array.from({ length: 20 }, (_, i) => Buffer.alloc(i % 2 === 0 ? 50 : 200, i));
    sendAll(p, sent);
    await eventually(() => p.counters().toUpstream.received === 20, WAIT_MS, '20 received');
    expect(p.counters().toUpstream).to.include({ dropped: 10, oversized: 10, forwarded: 10 });
    await eventually(() => clients[0]!.received.length >= 10, WAIT_MS, '10 echoes');
    expect(clients[0]!.received.map((r) => r.data.length)).to.deep.equal(Array<number>(10).fill(50));
  });

  it('with corrupt rate 1 flips one byte of each datagram; with delay rate 1 delivers them all later', async () => {
    const p = await start({ toUpstream: { corrupt: 1 }, toClient: { delay: 1, delayMs: 1, jitterMs: 5 } });
    const sent = numbered(20);
    sendAll(p, sent);
    await eventually(() => clients[0]!.received.length >= 20, WAIT_MS, '20 echoes');
    const byteDiffs = server.received.map((r, i) => [...r.data].filter((b, j) => b !== sent[i]![j]).length);
    expect(byteDiffs).to.deep.equal(Array<number>(20).fill(1));
    expect(p.counters().toUpstream).to.include({ corrupted: 20, forwarded: 20 });
    expect(p.counters().toClient).to.include({ delayed: 20, forwarded: 20, corrupted: 0 });
  });

  it('applies faults changed with setFaults to the next datagrams', async () => {
    const p = await start();
    sendAll(p, numbered(5));
    await eventually(() => clients[0]!.received.length >= 5, WAIT_MS, '5 echoes');
    p.setFaults({ drop: 1 }, 'toUpstream');
    sendAll(p, numbered(5));
    await eventually(() => p.counters().toUpstream.received === 10, WAIT_MS, '10 received');
    expect(p.counters().toUpstream).to.include({ forwarded: 5, dropped: 5 });
    p.setFaults({});
    sendAll(p, numbered(5));
    await eventually(() => clients[0]!.received.length >= 10, WAIT_MS, '10 echoes');
    expect(p.counters().toUpstream).to.include({ received: 15, forwarded: 10, dropped: 5 });
  });

  it('makes the same decisions for the same seed', async () => {
    const faults = { drop: 0.2, duplicate: 0.2, reorder: 0.2, reorderHoldMs: 5, delay: 0.2, delayMs: 1, jitterMs: 5, corrupt: 0.2 };
    const run = async (seed: number): Promise<string> => {
      const p = await udpFaultProxy({ upstream: { port: server.port }, seed, faults });
      try {
        sendAll(p, numbered(100));
        const settled = (): boolean => {
          const { toUpstream: u, toClient: c } = p.counters();
          return (
            u.received === 100 &&
            u.forwarded + u.dropped === u.received + u.duplicated &&
            c.received === u.forwarded &&
            c.forwarded + c.dropped === c.received + c.duplicated
          );
        };
        await eventually(settled, WAIT_MS, 'every datagram decided and relayed');
        return JSON.stringify(p.decisions());
      } finally {
        await p.close();
      }
    };
    const first = await run(7);
    const again = await run(7);
    const other = await run(8);
    expect(again).to.equal(first);
    expect(other).to.not.equal(first);
    const decided = JSON.parse(first) as { dropped: boolean; duplicated: boolean; reordered: boolean; delayed: boolean; corrupted: boolean }[];
    for (const key of ['dropped', 'duplicated', 'reordered', 'delayed', 'corrupted'] as const) expect(decided.some((d) => d[key]), key).to.equal(true);
  });

  it('rebind: the next datagrams of the client leave from a new port', async () => {
    const p = await start();
    const client = clients[0]!;
    sendAll(p, [Buffer.from('a')]);
    await eventually(() => client.received.length === 1, WAIT_MS, 'first echo');
    expect(p.rebind({ address: '127.0.0.1', port: client.port })).to.equal(true);
    expect(p.rebind({ address: '127.0.0.1', port: 1 })).to.equal(false);
    sendAll(p, [Buffer.from('b')]);
    await eventually(() => client.received.length === 2, WAIT_MS, 'second echo');
    expect(server.received.map((r) => r.data.toString())).to.deep.equal(['a', 'b']);
    expect(server.received[1]!.fromPort).to.not.equal(server.received[0]!.fromPort);
    expect(p.clientCount).to.equal(1);
  });

  it('gives each client its own upstream port, evicts beyond maxClients and expires idle mappings', async () => {
    clients.push(await endpoint(false), await endpoint(false));
    const p = await start({ maxClients: 2, idleMs: 200 });
    for (const c of clients) sendAll(p, [Buffer.from('x')], c);
    await eventually(() => p.counters().toUpstream.received === 3, WAIT_MS, '3 received');
    expect(p.clientCount).to.equal(2);
    await eventually(() => server.received.length >= 2, WAIT_MS, 'datagrams upstream');
    expect(new Set(server.received.map((r) => r.fromPort)).size).to.equal(server.received.length);
    await eventually(() => p.clientCount === 0, WAIT_MS, 'idle mappings expired');
  });

  it('bounds held and delayed datagrams, counting the overflow', async () => {
    const p = await start({ maxHeld: 5, toUpstream: { delay: 1, delayMs: 60_000 } });
    sendAll(p, numbered(10));
    await eventually(() => p.counters().toUpstream.received === 10, WAIT_MS, '10 received');
    expect(p.counters().toUpstream).to.include({ delayed: 5, overflowed: 5, dropped: 5 });
  });

  it('close() closes every socket and clears every timer', async () => {
    const before = await activeResources();
    const p = await udpFaultProxy({ upstream: { port: server.port }, toUpstream: { delay: 1, delayMs: 60_000 } });
    sendAll(p, numbered(3));
    await eventually(() => p.counters().toUpstream.delayed === 3, WAIT_MS, '3 delayed');
    await p.close();
    await p.close();
    expect(await leakedResources(before, ['UDPWrap', 'Timeout'])).to.deep.equal([]);
  });

  it('rejects out-of-range options with a ConfigError', async () => {
    let error: unknown;
    try {
      await udpFaultProxy({ upstream: { port: server.port }, faults: { drop: 2 } });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect(error).to.include({ code: 'CONFIG_INVALID', field: 'faults' });
    const p = await start();
    expect(() => p.setFaults({ mtu: 0 }, 'toClient')).to.throw(ConfigError);
  });
});
