import { expect } from 'chai';
import { concat, concatMap, ignoreElements, merge, range, tap, timer, type Observable } from 'rxjs';
import { z } from 'zod';
import { createClient, createServer, defineProtocol, type ClientEvent, type ServerEvent } from '@rxmsg/node';
import { activeResources, eventually, leakedResources, within } from '@rxmsg/test-utils';
import { seededRandom, tcpFaultProxy } from '@rxmsg/testing';

/** Numbered messages both ways. */
const Numbers = defineProtocol({
  name: 'numbers',
  tag: 'kind',
  codec: 'text',
  client: { C: z.object({ n: z.number().int() }) },
  server: { S: z.object({ n: z.number().int() }) },
});

const COUNT = 10_000;
const BATCH = 100;

/** `kind` messages 0..COUNT-1, in batches of BATCH a timer apart: spread over time, so faults fall during the exchange. */
function numbered<K extends 'C' | 'S'>(kind: K): Observable<{ readonly kind: K; readonly n: number }> {
  return range(0, COUNT / BATCH).pipe(concatMap((b) => concat(timer(1).pipe(ignoreElements()), range(b * BATCH, BATCH))), concatMap((n) => [{ kind, n }] as const));
}

/** Checks that numbers arrive exactly once and in order: the first out-of-order one is kept. */
class Sequence {
  next = 0;
  wrong: string | undefined;
  take(n: number): void {
    if (n !== this.next) this.wrong ??= `expected ${this.next}, got ${n}`;
    this.next = n + 1;
  }
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('session resumption under fault injection (TCP loopback)', function () {
  this.timeout(120_000);

  const cases = (process.env['RESUME_SEEDS'] ?? '1,2').split(',').map((seed) => ({ seed: Number(seed), scheme: 'tcp' }));
  cases.push({ seed: 3, scheme: 'ws' });
  for (const { seed, scheme } of cases) {
    it(`kills the ${scheme} connection at seeded-random points (seed ${seed}) during ${COUNT} messages each way: nothing lost, nothing duplicated, one session`, async () => {
      const before = await activeResources();
      const resume = { bufferBytes: 65_536, windowMs: 20_000 } as const;
      const serverEvents: ServerEvent[] = [];
      const peers = new Set<number>();
      const states = new Set<{ received: number }>();
      const fromClient = new Sequence();
      const server = await createServer({
        listen: `${scheme}://127.0.0.1:0`,
        protocol: Numbers,
        initialState: () => ({ received: 0 }),
        processor: (in$, peer) =>
          merge(
            in$.pipe(
              tap((m) => {
                peers.add(peer.id);
                states.add(peer.state);
                peer.state.received++;
                fromClient.take(m.n);
              }),
              ignoreElements(),
            ),
            numbered('S'),
          ),
        resume,
      });
      cleanup.push(() => server.close());
      server.events$.subscribe((e) => serverEvents.push(e));
      const port = Number(new URL(server.addresses()[0]!.replace(/^\w+:/, 'http:')).port);
      const random = seededRandom(seed);
      const KILLS = 25;
      const proxy = await tcpFaultProxy({ targetPort: port, killAfter: (i) => (i < KILLS ? (i === 0 ? 200 : 1) + Math.floor(random() * 40_000) : undefined) });
      cleanup.push(() => proxy.close());

      const fromServer = new Sequence();
      const clientEvents: ClientEvent[] = [];
      const client = createClient({
        connect: scheme === 'tcp' ? proxy.address : `ws://127.0.0.1:${proxy.address.split(':').at(-1)}/`,
        protocol: Numbers,
        processor: (in$) => merge(in$.pipe(tap((m) => fromServer.take(m.n)), ignoreElements()), numbered('C')),
        resume,
      });
      cleanup.push(() => client.close());
      client.events$.subscribe((e) => clientEvents.push(e));

      await eventually(() => (fromServer.next >= COUNT && fromClient.next >= COUNT) || fromServer.wrong !== undefined || fromClient.wrong !== undefined, 100_000, 'both sides to receive every message');
      expect(fromServer.wrong).to.equal(undefined);
      expect(fromClient.wrong).to.equal(undefined);
      expect(fromServer.next).to.equal(COUNT);
      expect(fromClient.next).to.equal(COUNT);
      // One session all along, on both sides: same peer id, never a second connected event.
      expect([...peers]).to.deep.equal([1]);
      // The same state object all along, which saw every message.
      expect([...states]).to.deep.equal([{ received: COUNT }]);
      expect(serverEvents.filter((e) => e.type === 'connected')).to.have.length(1);
      expect(clientEvents.filter((e) => e.type === 'connected')).to.have.length(1);
      expect(clientEvents.filter((e) => e.type === 'disconnected')).to.have.length(0);
      expect(proxy.kills).to.be.at.least(1);
      // Every kill was resumed from (a kill inside a resume handshake is retried, not resumed twice).
      const resumed = clientEvents.filter((e) => e.type === 'resumed').length;
      expect(resumed).to.be.at.least(1).and.at.most(KILLS);
      expect(clientEvents.filter((e) => e.type === 'link-lost').length).to.be.at.least(resumed).and.at.most(KILLS);
      expect(serverEvents.filter((e) => e.type === 'resumed')).to.have.length(resumed);
      expect(clientEvents.filter((e) => e.type === 'resume-refused')).to.have.length(0);

      await within(client.close(), 10_000, 'client close');
      await within(server.close(), 10_000, 'server close');
      await proxy.close();
      expect(await leakedResources(before, undefined, 3_000)).to.deep.equal([]);
    });
  }
});
