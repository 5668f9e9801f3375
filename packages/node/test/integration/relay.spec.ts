import { expect } from 'chai';
import { concat, ignoreElements } from 'rxjs';
import { z } from 'zod';
import { createClient, createServer, defineProtocol, paced, pull, type ClientEvent, type Peer, type ServerEvent, type ServerMessage } from '@rxmsg/node';
import { eventually, settledHeapUsed } from '@rxmsg/test-utils';
import { ofType, record } from './echo-protocol';
import { watchHeap } from './heap-watch';
import { readRows } from './row-reader';

/** `Hello` names a connection; a client's `Msg` is relayed to the client named `b`. */
const Relay = defineProtocol({
  name: 'relay',
  tag: 'kind',
  codec: 'text',
  client: { Hello: z.object({ name: z.string() }), Msg: z.object({ i: z.number().int().min(0), pad: z.string() }) },
  server: { Msg: z.object({ i: z.number().int().min(0), pad: z.string() }) },
});
type RelayPeer = Peer<unknown, ServerMessage<typeof Relay>, unknown>;

const MiB = 1024 * 1024;
const COUNT = 300_000;
/** 1 KB messages: 300 MB through the relay, far more than loopback's socket buffers hold. */
const PAD = 'x'.repeat(1000);
/**
 * Messages A may be ahead of B: A's and the relay's send queues (8 MiB each), the relay's
 * receive queue (1,024), and the socket buffers of both hops (up to 36 MB a side on this kernel):
 * about 100 MB, a third of the stream.
 */
const MAX_AHEAD = 100_000;
const HEAP_HEADROOM = 96 * MiB;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('relay: client A → server → slow client B (issue 17)', function () {
  this.timeout(120_000);

  it(`relays ${COUNT.toLocaleString('en')} messages of 1 KB in order at B's pace: A is held back by TCP backpressure, at most ${MAX_AHEAD.toLocaleString('en')} ahead, relay heap under baseline + 96 MiB`, async () => {
    const named = new Map<string, RelayPeer>();
    const server = await createServer({
      listen: 'tcp://127.0.0.1:0',
      protocol: Relay,
      // The documented relay: read A at the pace B takes what is sent to it.
      processor: async function* (incoming$, peer) {
        let name: string | undefined;
        try {
          for await (const m of pull(incoming$)) {
            if (m.kind === 'Hello') {
              name = m.name;
              named.set(name, peer);
              continue;
            }
            const b = named.get('b');
            if (b === undefined || !(await b.whenWritable())) break;
            b.send(m);
          }
        } finally {
          if (name !== undefined && named.get(name) === peer) named.delete(name);
        }
      },
    });
    cleanup.push(() => server.close());
    const log = record<ServerEvent>(server.events$);
    const address = server.addresses()[0]!;
    const baseline = (await settledHeapUsed()).heapUsed;
    const heap = watchHeap(baseline + HEAP_HEADROOM / 2);
    cleanup.push(() => heap.stop());

    let produced = 0;
    let lastProduced = -1;
    let aheadMax = 0;
    let aId: number | undefined;
    let heldBack = 0;
    const b = readRows({
      address,
      request: { kind: 'Hello', name: 'b' },
      count: COUNT,
      stall: {
        every: COUNT / 5,
        // B reads on once A is held back: the relay stopped reading A, and A's generator was not
        // pulled since the previous poll (with demand it would have been, within one turn).
        until: (rows) => {
          aheadMax = Math.max(aheadMax, produced - rows);
          const a = server.snapshot().connections.find((k) => k.id === aId);
          const waiting = a !== undefined && a.inputPaused && produced === lastProduced;
          lastProduced = produced;
          if (waiting) heldBack++;
          return waiting;
        },
      },
    });
    cleanup.push(() => b.close());
    await eventually(() => named.has('b'), 5000, 'B named');

    const aEvents: ClientEvent[] = [];
    function* messages(): Generator<{ kind: 'Hello'; name: string } | { kind: 'Msg'; i: number; pad: string }> {
      yield { kind: 'Hello', name: 'a' };
      for (let i = 0; i < COUNT; i++, produced++) yield { kind: 'Msg', i, pad: PAD };
    }
    const a = createClient({
      connect: address,
      protocol: Relay,
      // A sends at its connection's pace, then listens until closed.
      processor: (incoming$, peer) => concat(paced(peer, messages()), incoming$.pipe(ignoreElements())),
    });
    cleanup.push(() => a.close());
    a.events$.subscribe((e) => aEvents.push(e));
    await eventually(() => named.has('a'), 5000, 'A named');
    aId = named.get('a')?.id;

    const reading = await b.done;
    const report = await heap.stop();
    console.log(`      relay: ${reading.rows} messages, A at most ${aheadMax} ahead of B, held back ${heldBack} times, heap peak ${((report.peak - baseline) / MiB).toFixed(1)} MiB over baseline`);

    expect(reading.rows).to.equal(COUNT);
    expect(reading.stalls).to.equal(4);
    expect(heldBack).to.equal(4);
    // The relay stopped reading A while B was behind: backpressure reached A over TCP.
    expect(ofType(log.events, 'flow').some((e) => e.peerId === aId && e.paused)).to.equal(true);
    expect(aheadMax).to.be.at.most(MAX_AHEAD);
    expect(report.peak - baseline).to.be.below(HEAP_HEADROOM);
    expect(log.events.filter((e) => ['disconnected', 'send-queue-full', 'message-dropped', 'processor-error'].includes(e.type))).to.deep.equal([]);
    expect(aEvents.filter((e) => e.type === 'send-dropped' || e.type === 'closed')).to.deep.equal([]);
  });
});
