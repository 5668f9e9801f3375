import { expect } from 'chai';
import { AggregatorRegistry, Registry, type PrometheusContentType } from 'prom-client';
import { EMPTY, Observable, mergeMap, range } from 'rxjs';
import { z } from 'zod';
import { ConfigError } from '@rxmsg/core';
import { createServer, defineProtocol, memoryTransport, type MemoryConnection, type ServerEvent } from '@rxmsg/node';
import { eventually } from '@rxmsg/test-utils';
import { OTHER_LABEL, serverMetrics } from '@rxmsg/metrics';
import { labelValues, scrape, valueOf } from './support/metrics-reader';

/** `Flood { count }`: the server answers with `count` ticks; `Say`: one `Tick` back. */
const Flood = defineProtocol({
  name: 'flood',
  tag: 'kind',
  codec: 'text',
  client: { Flood: z.object({ count: z.number().int().max(1_000) }), Say: z.object({}) },
  server: { Tick: z.object({ n: z.number() }) },
});
type Tick = { kind: 'Tick'; n: number };

const processor = (in$: Observable<{ kind: 'Flood'; count: number } | { kind: 'Say' }>): Observable<Tick> =>
  in$.pipe(mergeMap((m) => (m.kind === 'Say' ? [{ kind: 'Tick', n: 0 } as const] : m.count === 0 ? EMPTY : range(0, m.count).pipe(mergeMap((n) => [{ kind: 'Tick', n } as const])))));

const noop = (): void => {};
/** A client end that reads and counts lines. */
function reader(conn: MemoryConnection): { lines: () => number } {
  let lines = 0;
  conn.start({ onData: (c) => c.forEach((b) => (lines += b === 0x0a ? 1 : 0)), onEnd: () => conn.end(), onDrain: noop, onClose: noop });
  return { lines: () => lines };
}

describe('serverMetrics', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  /** A server on the in-memory transport; its connections hold at most 256 unread bytes before backpressure. */
  async function setup(
    config: { readonly sendQueueLimit?: number; readonly onSendQueueFull?: 'drop-newest'; readonly onDecodeError?: 'disconnect' | 'ignore' } = {},
    listen: string | string[] = 'memory://m:0',
  ) {
    const memory = memoryTransport({ highWaterMark: 256 });
    const server = await createServer({ listen, transports: [memory], protocol: Flood, processor, config: { handshakeTimeoutMs: 0, ...config } });
    cleanup.push(() => server.close());
    const events: ServerEvent[] = [];
    const sub = server.events$.subscribe((e) => events.push(e));
    cleanup.push(() => sub.unsubscribe());
    return { memory, server, events };
  }

  it('counts live connections at scrape time and keeps the counters of closed ones', async () => {
    const { memory, server, events } = await setup();
    const registry = new Registry();
    const metrics = serverMetrics(server, { registry });
    cleanup.push(() => metrics.stop());
    const listener = server.addresses()[0]!;
    const conn = memory.dial(listener);
    const r = reader(conn);
    conn.write('{"kind":"Flood","count":5}\n');
    await eventually(() => r.lines() >= 5);
    let s = await scrape(registry);
    expect(valueOf(s, 'rxmsg_connections', { listener, protocol: 'flood' })).to.equal(1);
    expect(valueOf(s, 'rxmsg_connections_opened_total', { listener })).to.equal(1);
    expect(valueOf(s, 'rxmsg_messages_received_total', { listener })).to.equal(1);
    expect(valueOf(s, 'rxmsg_messages_sent_total', { listener })).to.equal(5);
    const bytesOut = valueOf(s, 'rxmsg_bytes_sent_total', { listener });
    expect(bytesOut).to.be.greaterThan(5 * 10);

    conn.end();
    await eventually(() => events.some((e) => e.type === 'disconnected'));
    s = await scrape(registry);
    expect(valueOf(s, 'rxmsg_connections', { listener })).to.equal(0);
    expect(valueOf(s, 'rxmsg_messages_sent_total', { listener })).to.equal(5);
    expect(valueOf(s, 'rxmsg_bytes_sent_total', { listener })).to.equal(bytesOut);
    expect(valueOf(s, 'rxmsg_disconnects_total', { reason: 'completed' })).to.equal(1);
  });

  it('counts the connections open before it was attached', async () => {
    const { memory, server } = await setup();
    const conn = memory.dial(server.addresses()[0]!);
    const r = reader(conn);
    conn.write('{"kind":"Flood","count":3}\n');
    await eventually(() => r.lines() >= 3);
    const registry = new Registry();
    const metrics = serverMetrics(server, { registry });
    cleanup.push(() => metrics.stop());
    const s = await scrape(registry);
    expect(valueOf(s, 'rxmsg_connections')).to.equal(1);
    expect(valueOf(s, 'rxmsg_messages_sent_total')).to.equal(3);
    expect(valueOf(s, 'rxmsg_connections_opened_total')).to.equal(0);
  });

  it('shows a peer that never reads: queue depth at its bound, then drops by policy (bounded by sendQueueLimit)', async () => {
    const { memory, server, events } = await setup({ sendQueueLimit: 8, onSendQueueFull: 'drop-newest' });
    const registry = new Registry();
    const metrics = serverMetrics(server, { registry });
    cleanup.push(() => metrics.stop());
    const conn = memory.dial(server.addresses()[0]!); // never started: reads nothing
    cleanup.push(() => conn.destroy());
    conn.write('{"kind":"Flood","count":1000}\n');
    await eventually(() => events.some((e) => e.type === 'message-dropped'), 10_000, 'a drop');
    // Every tick is accounted for (sent, queued or dropped): nothing moves any more.
    const settled = (): boolean => {
      const c = server.snapshot().connections[0];
      return c !== undefined && c.queued === 8 && c.messagesOut + c.queued + c.messagesDropped === 1000;
    };
    await eventually(settled, 10_000, 'the flood to settle');
    const s = await scrape(registry);
    expect(valueOf(s, 'rxmsg_send_queue_messages')).to.equal(8);
    expect(valueOf(s, 'rxmsg_send_queue_max_messages')).to.equal(8);
    const dropped = events.filter((e) => e.type === 'message-dropped').length;
    expect(valueOf(s, 'rxmsg_messages_dropped_total', { direction: 'out', cause: 'drop-newest' })).to.equal(dropped);
    expect(dropped).to.be.greaterThan(0);
  });

  it('counts decode errors by code and action, and disconnect reasons', async () => {
    const { memory, server, events } = await setup({ onDecodeError: 'disconnect' });
    const registry = new Registry();
    const metrics = serverMetrics(server, { registry });
    cleanup.push(() => metrics.stop());
    const conn = memory.dial(server.addresses()[0]!);
    reader(conn);
    conn.write('{"kind":"Nope"}\n');
    await eventually(() => events.some((e) => e.type === 'disconnected'));
    const s = await scrape(registry);
    const error = events.find((e) => e.type === 'decode-error');
    expect(error?.type).to.equal('decode-error');
    const code = error?.type === 'decode-error' ? error.error.code : '';
    expect(valueOf(s, 'rxmsg_decode_errors_total', { protocol: 'flood', code, action: 'disconnect' })).to.equal(1);
    expect(valueOf(s, 'rxmsg_disconnects_total', { reason: 'decode-error' })).to.equal(1);
  });

  it('bounds the listener label: past maxLabelValues, listeners read `other`', async () => {
    const { memory, server } = await setup({}, ['memory://a:0', 'memory://b:0']);
    const registry = new Registry();
    const metrics = serverMetrics(server, { registry, maxLabelValues: 1 });
    cleanup.push(() => metrics.stop());
    const [a, b] = server.addresses() as [string, string];
    for (const address of [a, b]) {
      const conn = memory.dial(address);
      const r = reader(conn);
      conn.write('{"kind":"Say"}\n');
      await eventually(() => r.lines() >= 1);
    }
    const s = await scrape(registry);
    expect(new Set(labelValues(s, 'rxmsg_messages_sent_total', 'listener'))).to.deep.equal(new Set([a, OTHER_LABEL]));
    expect(valueOf(s, 'rxmsg_messages_sent_total')).to.equal(2);
  });

  it('stop() removes its metrics and stops counting; the same prefix can then attach again', async () => {
    const { memory, server } = await setup();
    const registry = new Registry();
    const metrics = serverMetrics(server, { registry });
    expect(metrics.names).to.include('rxmsg_connections');
    expect((await registry.getMetricsAsJSON()).length).to.equal(metrics.names.length);
    metrics.stop();
    metrics.stop();
    expect(await registry.getMetricsAsJSON()).to.deep.equal([]);
    const again = serverMetrics(server, { registry });
    cleanup.push(() => again.stop());
    const conn = memory.dial(server.addresses()[0]!);
    const r = reader(conn);
    conn.write('{"kind":"Say"}\n');
    await eventually(() => r.lines() >= 1);
    expect(valueOf(await scrape(registry), 'rxmsg_connections_opened_total')).to.equal(1);
  });

  it('refuses a name already registered or a bad maxLabelValues with a ConfigError, leaving nothing of its own registered', async () => {
    const { server } = await setup();
    const registry = new Registry();
    const first = serverMetrics(server, { registry });
    cleanup.push(() => first.stop());
    const count = (await registry.getMetricsAsJSON()).length;
    expect(() => serverMetrics(server, { registry })).to.throw(ConfigError).with.property('code', 'CONFIG_INVALID');
    expect((await registry.getMetricsAsJSON()).length).to.equal(count);
    const other = serverMetrics(server, { registry, prefix: 'other_' });
    cleanup.push(() => other.stop());
    expect((await registry.getMetricsAsJSON()).length).to.equal(2 * count);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => serverMetrics(server, { registry: new Registry(), maxLabelValues: bad })).to.throw(ConfigError).with.property('field', 'maxLabelValues');
    }
  });

  it('merges per-worker registries with AggregatorRegistry (cluster mode): counters summed, the longest queue by max', async () => {
    const workers = await Promise.all([setup({ sendQueueLimit: 4, onSendQueueFull: 'drop-newest' }), setup({ sendQueueLimit: 6, onSendQueueFull: 'drop-newest' })]);
    const registries = workers.map(({ server }) => {
      const registry = new Registry();
      const metrics = serverMetrics(server, { registry });
      cleanup.push(() => metrics.stop());
      return registry;
    });
    for (const [i, { memory, server }] of workers.entries()) {
      const conn = memory.dial(server.addresses()[0]!); // never reads
      cleanup.push(() => conn.destroy());
      conn.write('{"kind":"Flood","count":200}\n');
      const limit = i === 0 ? 4 : 6;
      await eventually(() => server.snapshot().connections[0]?.queued === limit, 10_000, 'a full queue');
    }
    const merged = AggregatorRegistry.aggregate<PrometheusContentType>(await Promise.all(registries.map((r) => r.getMetricsAsJSON())));
    const s = await scrape(merged);
    expect(valueOf(s, 'rxmsg_connections_opened_total')).to.equal(2);
    expect(valueOf(s, 'rxmsg_messages_received_total')).to.equal(2);
    expect(valueOf(s, 'rxmsg_send_queue_messages')).to.equal(10);
    expect(valueOf(s, 'rxmsg_send_queue_max_messages')).to.equal(6);
  });
});
