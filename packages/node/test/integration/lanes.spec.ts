import { expect } from 'chai';
import { concatMap, filter, ignoreElements, merge, tap } from 'rxjs';
import { z } from 'zod';
import { createServer, defineProtocol, type ServerEvent } from '@rxmsg/node';
import { activeResources, eventually, leakedResources } from '@rxmsg/test-utils';
import { RawSocket } from '@rxmsg/testing';

/** Requests answered by wide replies, and a watch that streams change notifications in the `notify` lane. */
const Watch = defineProtocol({
  name: 'watch',
  tag: 'kind',
  client: { Get: z.object({ id: z.number() }), Watch: z.object({ changes: z.number() }) },
  server: { Reply: z.object({ id: z.number(), pad: z.string() }), Changed: z.object({ v: z.number() }) },
  lanes: { Changed: 'notify' },
});

const PAD = 'x'.repeat(32_768);
const NOTIFY_LIMIT = 10;
const SEND_QUEUE_LIMIT = 16;
const CHANGES = 500;
/** Requests sent at most while waiting for the socket to fill (32 KiB replies: 64 MiB, past any loopback buffer). */
const MAX_REQUESTS = 2_000;

describe('lanes over TCP', () => {
  it('a client that stops reading: every reply arrives in order once it resumes, and only the newest notifications', async () => {
    const before = await activeResources();
    const events: ServerEvent[] = [];
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Watch,
      config: {
        sendQueueLimit: SEND_QUEUE_LIMIT,
        lanes: { notify: { limit: NOTIFY_LIMIT, policy: 'drop-oldest', priority: 1 } },
      } as const,
      processor: (in$, peer) =>
        merge(
          in$.pipe(
            filter((m) => m.kind === 'Get'),
            concatMap(async (m) => {
              if (await peer.whenWritable()) peer.send({ kind: 'Reply', id: m.id, pad: PAD });
            }),
          ),
          in$.pipe(
            filter((m) => m.kind === 'Watch'),
            tap((m) => {
              for (let v = 1; v <= m.changes; v++) peer.send({ kind: 'Changed', v });
            }),
          ),
        ).pipe(ignoreElements()),
    });
    const sub = server.events$.subscribe((e) => events.push(e));
    const client = await RawSocket.connect(server.addresses()[0]!);
    try {
      client.socket.pause();
      const conn = () => server.snapshot().connections[0];
      // Ask until the replies fill the socket and the default lane holds its limit. After each batch,
      // wait until the server has done all it can with it: every reply written or queued, or the
      // queue full (the processor then waits on whenWritable). Where the socket fills is up to the
      // kernel: it may fill in the middle of a batch and leave fewer than the limit queued, and the
      // next batch tops the queue up (how many requests that takes depends on the socket buffers).
      let requests = 0;
      while (requests < MAX_REQUESTS && conn()?.lanes?.['default']?.queued !== SEND_QUEUE_LIMIT) {
        for (let k = 0; k < 20; k++) await client.write(`{"kind":"Get","id":${++requests}}\n`);
        await eventually(() => conn()?.messagesIn === requests, 10_000, 'requests read');
        await eventually(() => {
          const c = conn();
          const queued = c?.lanes?.['default']?.queued ?? 0;
          return c !== undefined && (queued === SEND_QUEUE_LIMIT || c.messagesOut + queued === requests);
        }, 10_000, 'replies written, queued, or the queue full');
      }
      expect(conn()!.lanes!['default']!.queued).to.equal(SEND_QUEUE_LIMIT);

      await client.write(`{"kind":"Watch","changes":${CHANGES}}\n`);
      await eventually(() => conn()?.lanes?.['notify']?.dropped === CHANGES - NOTIFY_LIMIT, 5000, 'notify drops');
      const blocked = conn()!;
      expect(blocked.lanes!['notify']).to.include({ queued: NOTIFY_LIMIT, sent: 0 });
      expect(blocked.lanes!['default']!.dropped).to.equal(0);
      expect(blocked.messagesOut).to.equal(blocked.lanes!['default']!.sent);
      expect(blocked.messagesOut).to.be.below(requests);
      expect(events.filter((e) => e.type === 'message-dropped' && e.lane === 'notify')).to.have.length(CHANGES - NOTIFY_LIMIT);

      client.socket.resume();
      const lines = await client.lineCount(requests + NOTIFY_LIMIT, 20_000);
      const messages = lines.map((l) => JSON.parse(l) as { kind: string; id?: number; v?: number });
      expect(messages.filter((m) => m.kind === 'Reply').map((m) => m.id)).to.deep.equal(Array.from({ length: requests }, (_, i) => i + 1));
      expect(messages.filter((m) => m.kind === 'Changed').map((m) => m.v)).to.deep.equal(
        Array.from({ length: NOTIFY_LIMIT }, (_, i) => CHANGES - NOTIFY_LIMIT + 1 + i),
      );
      await eventually(() => conn()?.messagesOut === requests + NOTIFY_LIMIT, 5000, 'all written');
      expect(conn()!.lanes).to.deep.equal({
        default: { queued: 0, bytes: 0, sent: requests, dropped: 0 },
        notify: { queued: 0, bytes: 0, sent: NOTIFY_LIMIT, dropped: CHANGES - NOTIFY_LIMIT },
      });
    } finally {
      client.destroy();
      sub.unsubscribe();
      await server.close();
    }
    expect(await leakedResources(before)).to.deep.equal([]);
  });
});
