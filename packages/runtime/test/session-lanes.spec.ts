import { expect } from 'chai';
import { Subject, concatMap, filter, firstValueFrom, ignoreElements, map, merge, mergeMap, take, tap } from 'rxjs';
import { z } from 'zod';
import { ConfigError, defineProtocol, type ConnectionHandlers } from '@rxmsg/core';
import { createClient, createServer, memoryTransport, type ServerEvent } from '@rxmsg/runtime';
import { eventually } from '@rxmsg/test-utils';

/** Requests answered by replies, and a watch that streams change notifications. */
export const Watch = defineProtocol({
  name: 'watch',
  tag: 'kind',
  client: { Get: z.object({ id: z.number() }), Watch: z.object({ changes: z.number() }) },
  server: { Reply: z.object({ id: z.number() }), Changed: z.object({ v: z.number() }) },
  lanes: { Changed: 'notify' },
});

const NOTIFY_LIMIT = 10;
const SEND_QUEUE_LIMIT = 16;
const REQUESTS = 300;
const CHANGES = 500;

/** A reader of lines that can stop reading (its connection paused) and resume. */
function lineReader(): ConnectionHandlers & { lines: string[] } {
  let partial = '';
  const decoder = new TextDecoder();
  const lines: string[] = [];
  return {
    lines,
    onData(chunk) {
      const parts = (partial + decoder.decode(chunk)).split('\n');
      partial = parts.pop()!;
      for (const p of parts) lines.push(p);
    },
    onEnd() {},
    onDrain() {},
    onClose() {},
  };
}

describe('Session lanes (memory transport)', () => {
  it('a peer that never reads: its notify lane drops the oldest, replies on the default lane wait on whenWritable and all arrive in order', async () => {
    const memory = memoryTransport({ highWaterMark: 512 });
    const events: ServerEvent[] = [];
    let sentWhileBlocked = 0;
    const server = await createServer({
      listen: 'memory://lanes:0',
      transports: [memory],
      protocol: Watch,
      config: {
        sendQueueLimit: SEND_QUEUE_LIMIT,
        onSendQueueFull: 'backpressure',
        lanes: { notify: { limit: NOTIFY_LIMIT, policy: 'drop-oldest', priority: 1 } },
      } as const,
      processor: (in$, peer) =>
        merge(
          // Replies respect demand: each waits until the peer is writable.
          in$.pipe(
            filter((m) => m.kind === 'Get'),
            concatMap(async (m) => {
              if (await peer.whenWritable()) peer.send({ kind: 'Reply', id: m.id });
            }),
          ),
          // Notifications ignore it: a drop lane never blocks, so a synchronous burst is fine.
          in$.pipe(
            filter((m) => m.kind === 'Watch'),
            tap((m) => {
              for (let v = 1; v <= m.changes; v++) {
                if (!peer.writable) sentWhileBlocked++;
                expect(peer.send({ kind: 'Changed', v })).to.equal(true);
              }
            }),
          ),
        ).pipe(ignoreElements()),
    });
    const sub = server.events$.subscribe((e) => events.push(e));
    try {
      const client = memory.dial(server.addresses()[0]!);
      const reader = lineReader();
      client.start(reader);
      client.pause();
      for (let id = 1; id <= REQUESTS; id++) client.write(`{"kind":"Get","id":${id}}\n`);
      // The socket is full and the default lane at its limit: the processor waits on whenWritable.
      await eventually(() => server.snapshot().connections[0]?.lanes?.['default']?.queued === SEND_QUEUE_LIMIT, 5000, 'replies waiting');
      client.write(`{"kind":"Watch","changes":${CHANGES}}\n`);

      // The notify lane keeps the newest NOTIFY_LIMIT; the default lane waits at its limit, losing nothing.
      await eventually(() => (server.snapshot().connections[0]?.lanes?.['notify']?.dropped ?? 0) >= CHANGES - NOTIFY_LIMIT, 5000, 'notify drops');
      const c = server.snapshot().connections[0]!;
      expect(c.lanes!['notify']).to.include({ queued: NOTIFY_LIMIT, dropped: CHANGES - NOTIFY_LIMIT, sent: 0 });
      expect(c.lanes!['default']!.dropped).to.equal(0);
      expect(c.lanes!['default']!.queued).to.be.at.most(SEND_QUEUE_LIMIT);
      expect(c.queued).to.equal(c.lanes!['default']!.queued + NOTIFY_LIMIT);
      // Only what the socket took is out.
      expect(c.messagesOut).to.equal(c.lanes!['default']!.sent);
      expect(c.messagesOut).to.be.below(REQUESTS);
      expect(sentWhileBlocked).to.be.above(0);
      const drops = events.filter((e) => e.type === 'message-dropped');
      expect(drops).to.have.length(CHANGES - NOTIFY_LIMIT);
      expect(drops.every((e) => e.type === 'message-dropped' && e.lane === 'notify' && e.cause === 'drop-oldest')).to.equal(true);

      client.resume();
      await eventually(() => reader.lines.length === REQUESTS + NOTIFY_LIMIT, 5000, 'everything read');
      const messages = reader.lines.map((l) => JSON.parse(l) as { kind: string; id?: number; v?: number });
      expect(messages.filter((m) => m.kind === 'Reply').map((m) => m.id)).to.deep.equal(Array.from({ length: REQUESTS }, (_, i) => i + 1));
      expect(messages.filter((m) => m.kind === 'Changed').map((m) => m.v)).to.deep.equal(
        Array.from({ length: NOTIFY_LIMIT }, (_, i) => CHANGES - NOTIFY_LIMIT + 1 + i),
      );
      const after = server.snapshot().connections[0]!;
      expect(after.messagesOut).to.equal(REQUESTS + NOTIFY_LIMIT);
      expect(after.messagesDropped).to.equal(CHANGES - NOTIFY_LIMIT);
      expect(after.lanes).to.deep.equal({
        default: { queued: 0, bytes: 0, sent: REQUESTS, dropped: 0 },
        notify: { queued: 0, bytes: 0, sent: NOTIFY_LIMIT, dropped: CHANGES - NOTIFY_LIMIT },
      });
      client.destroy();
    } finally {
      sub.unsubscribe();
      await server.close();
    }
  });

  it('the disconnected event counts what was still queued in each lane (sent + dropped + queued = accepted)', async () => {
    const memory = memoryTransport({ highWaterMark: 256 });
    const server = await createServer({
      listen: 'memory://lanes-gone:0',
      transports: [memory],
      protocol: Watch,
      config: { lanes: { notify: { limit: 50, policy: 'drop-oldest', priority: 1 } } } as const,
      processor: (in$, peer) =>
        in$.pipe(
          concatMap(async (m) => {
            if (m.kind !== 'Watch') return;
            // Replies first, written in this turn: the socket's queue then waits for a drain that never
            // comes (the client does not read), so the notify lane keeps what it is given next turn.
            for (let id = 1; id <= 100; id++) peer.send({ kind: 'Reply', id });
            await new Promise((resolve) => setImmediate(resolve));
            for (let v = 1; v <= m.changes; v++) peer.send({ kind: 'Changed', v });
          }),
          ignoreElements(),
        ),
    });
    const gone = firstValueFrom(server.events$.pipe(filter((e) => e.type === 'disconnected')));
    const client = memory.dial(server.addresses()[0]!);
    client.start({ onData: () => undefined, onEnd: () => undefined, onDrain: () => undefined, onClose: () => undefined });
    client.pause();
    client.write('{"kind":"Watch","changes":200}\n');
    await eventually(() => (server.snapshot().connections[0]?.lanes?.['notify']?.dropped ?? 0) > 0, 5000, 'notify drops');
    client.destroy();
    const event = await gone;
    const notify = event.type === 'disconnected' ? event.stats.lanes?.['notify'] : undefined;
    expect(notify).to.not.equal(undefined);
    expect(notify!.queued).to.be.greaterThan(0);
    expect(notify!.sent + notify!.dropped + notify!.queued).to.equal(200);
    await server.close();
  });

  it('a processor that completes right after sending: every lane is flushed before the connection ends', async () => {
    const memory = memoryTransport();
    const server = await createServer({
      listen: 'memory://lanes-close:0',
      transports: [memory],
      protocol: Watch,
      config: { lanes: { notify: { limit: 100, policy: 'drop-oldest', priority: 1 } } } as const,
      processor: (in$) =>
        in$.pipe(
          take(1),
          mergeMap((m) => (m.kind === 'Watch' ? Array.from({ length: m.changes }, (_, i) => ({ kind: 'Changed', v: i + 1 }) as const) : [])),
        ),
    });
    try {
      const received = new Subject<unknown>();
      const got: unknown[] = [];
      received.subscribe((m) => got.push(m));
      const client = createClient({
        connect: server.addresses()[0]!,
        transports: [memory],
        protocol: Watch,
        processor: (in$) => merge([{ kind: 'Watch', changes: 50 } as const], in$.pipe(tap(received), ignoreElements())),
      });
      const gone = firstValueFrom(server.events$.pipe(filter((e) => e.type === 'disconnected')));
      await eventually(() => got.length === 50, 5000, 'all changes');
      expect(await gone).to.include({ reason: 'completed' });
      await client.close();
      expect(got).to.deep.equal(Array.from({ length: 50 }, (_, i) => ({ kind: 'Changed', v: i + 1 })));
    } finally {
      await server.close();
    }
  });

  it('a protocol naming a lane the config does not define fails at creation with a ConfigError naming it', async () => {
    let caught: unknown;
    try {
      await createServer({ listen: 'memory://x:0', transports: [memoryTransport()], protocol: Watch, processor: (in$) => in$.pipe(ignoreElements()) });
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(ConfigError).with.property('field', 'lanes.notify');
    // The client sends no message in that lane: nothing to configure there.
    const client = createClient({ connect: 'memory://x:1', transports: [memoryTransport()], protocol: Watch, config: { connectRetry: 'none' } as const });
    await client.close();
  });

  it('a client sending a message in a lane needs that lane configured too', async () => {
    const Upload = defineProtocol({
      name: 'upload',
      tag: 'kind',
      client: { Chunk: z.object({ i: z.number() }) },
      server: { Ack: z.object({ i: z.number() }) },
      lanes: { Chunk: 'bulk' },
    });
    expect(() => createClient({ connect: 'memory://x:1', transports: [memoryTransport()], protocol: Upload }))
      .to.throw(ConfigError)
      .with.property('field', 'lanes.bulk');
    const memory = memoryTransport();
    const server = await createServer({ listen: 'memory://up:0', transports: [memory], protocol: Upload, processor: (in$) => in$.pipe(map((m) => ({ kind: 'Ack', i: m.i }) as const)) });
    try {
      const client = createClient({
        connect: server.addresses()[0]!,
        transports: [memory],
        protocol: Upload,
        // A synchronous burst of 100 is within BACKPRESSURE_CAP × 16: queued past the limit, input held meanwhile.
        config: { lanes: { bulk: { limit: 16, policy: 'backpressure', priority: 1 } } } as const,
        processor: (in$) => merge(Array.from({ length: 100 }, (_, i) => ({ kind: 'Chunk', i }) as const), in$.pipe(take(100), ignoreElements())),
      });
      const acks: number[] = [];
      client.messages$.subscribe((m) => acks.push(m.i));
      await client.closed;
      expect(acks).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    } finally {
      await server.close();
    }
  });
});
