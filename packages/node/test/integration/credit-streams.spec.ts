import { expect } from 'chai';
import { concat, filter, from, ignoreElements, mergeMap, of, tap, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  createClient,
  createServer,
  credited,
  defineProtocol,
  paced,
  type ClientEvent,
  type ClientProcessor,
  type Peer,
  type ServerEvent,
  type ServerProcessor,
} from '@rxmsg/node';
import { eventually, within } from '@rxmsg/test-utils';
import { TRANSPORT_CASES } from './transport-cases';

/** Two streams on one connection: the client watches a stream, the server answers with its rows. */
const Feed = defineProtocol({
  name: 'feed',
  tag: 'kind',
  client: { Watch: z.object({ stream: z.number().int() }) },
  server: { Row: z.object({ stream: z.number().int(), i: z.number().int() }) },
});
type Row = { readonly kind: 'Row'; readonly stream: number; readonly i: number };

/** The fast stream, read at full speed to its end. */
const FAST = 1;
/** The stalled stream: its loop takes one row, then waits. */
const SLOW = 2;
/** Rows of the fast stream: 200k in the main case (paced, over TCP), fewer in the others. */
const FAST_ROWS = 200_000;
const FAST_ROWS_OTHERS = 50_000;
const SLOW_ROWS = 2_000;
/** The stalled stream's credit window. */
const SLOW_WINDOW = 16;
/** The fast stream's credit window: wide enough that grants do not throttle it. */
const FAST_WINDOW = 1024;

/** What the server counts: how many rows each stream's producer was asked for. */
class Pulls {
  private readonly counts = new Map<number, number>();
  count(stream: number): void {
    this.counts.set(stream, this.of(stream) + 1);
  }
  of(stream: number): number {
    return this.counts.get(stream) ?? 0;
  }
}

/** The rows of `stream` (`n` of them), counting each pull. */
function* rows(stream: number, n: number, pulls: Pulls): Generator<Row> {
  for (let i = 0; i < n; i++) {
    pulls.count(stream);
    yield { kind: 'Row', stream, i };
  }
}

/** A server producer: answers each `Watch` with its stream's rows, under that stream's credits. */
type Producer = (pulls: Pulls, rowsOf: (stream: number) => number) => ServerProcessor<typeof Feed>;

/** Rows pulled by `paced(peer, rows, { stream })`; the streams run side by side (mergeMap). */
const pacedProducer: Producer = (pulls, rowsOf) => (incoming$, peer) =>
  incoming$.pipe(mergeMap(({ stream }) => paced(peer, rows(stream, rowsOf(stream), pulls), { stream })));

/** Rows sent with `peer.openStream(stream)`: while it has credits and the peer is writable, else wait. */
const openStreamProducer: Producer = (pulls, rowsOf) => (incoming$, peer) =>
  incoming$.pipe(
    mergeMap(({ stream }) => from(sendRows(peer, stream, rows(stream, rowsOf(stream), pulls)))),
    ignoreElements(),
  );

async function sendRows(peer: Peer<unknown, Row, unknown>, stream: number, source: Iterator<Row>): Promise<void> {
  const out = peer.openStream(stream);
  try {
    while (await out.ready()) {
      while (out.credits > 0 && peer.writable) {
        const r = source.next();
        if (r.done === true) return;
        out.send(r.value);
      }
    }
  } finally {
    out.close();
  }
}

/** A promise with its resolve function. */
function gate(): { readonly opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Whether `got` is 0, 1, 2, ... in order. */
function inOrder(got: readonly number[]): boolean {
  return got.every((i, k) => i === k);
}

/** Events that mean a stream met a safety net instead of its credits. */
const BAD_EVENTS: ReadonlySet<string> = new Set(['send-queue-full', 'message-dropped', 'disconnected', 'processor-error', 'decode-error', 'closed']);

const producers: readonly { readonly name: string; readonly make: Producer }[] = [
  { name: 'paced(peer, rows, { stream })', make: pacedProducer },
  { name: 'peer.openStream(stream)', make: openStreamProducer },
];

for (const transport of TRANSPORT_CASES.filter((t) => t.name === 'TCP' || t.name === 'WebSocket')) {
  describe(`credit streams over ${transport.name}`, () => {
    for (const producer of producers) {
      const fastRows = transport.name === 'TCP' && producer.make === pacedProducer ? FAST_ROWS : FAST_ROWS_OTHERS;
      it(`${producer.name}: a stalled stream holds its window only, and its neighbour on the connection reads its ${fastRows} rows to the end`, async function () {
        // Large transfers, on a loaded machine: room beyond the default timeout.
        this.timeout(60_000);
        const { transports } = await transport.setup();
        const pulls = new Pulls();
        const rowsOf = (stream: number): number => (stream === FAST ? fastRows : SLOW_ROWS);
        const server = await createServer({ listen: transport.listenAddress(), transports, protocol: Feed, processor: producer.make(pulls, rowsOf) });
        const serverEvents: ServerEvent[] = [];
        const serverSub = server.events$.subscribe((e) => serverEvents.push(e));
        const received = new Map<number, number>([
          [FAST, 0],
          [SLOW, 0],
        ]);
        let fastLoop!: AsyncIterableIterator<Row>;
        let slowLoop!: AsyncIterableIterator<Row>;
        const started = gate();
        const finished = gate();
        const processor: ClientProcessor<typeof Feed> = (incoming$, peer) => {
          const streamOf = (stream: number): Observable<Row> =>
            incoming$.pipe(
              filter((m) => m.stream === stream),
              tap(() => received.set(stream, (received.get(stream) ?? 0) + 1)),
            );
          fastLoop = credited(peer, FAST, streamOf(FAST), { window: FAST_WINDOW });
          slowLoop = credited(peer, SLOW, streamOf(SLOW), { window: SLOW_WINDOW });
          started.open();
          // The client's side ends (and with it the connection) once the test has read both streams.
          const watch = of({ kind: 'Watch', stream: SLOW } as const, { kind: 'Watch', stream: FAST } as const);
          return concat(watch, from(finished.opened).pipe(ignoreElements()));
        };
        const client = createClient({ connect: server.addresses()[0]!, transports, protocol: Feed, processor });
        const clientEvents: ClientEvent[] = [];
        const clientSub = client.events$.subscribe((e) => clientEvents.push(e));
        try {
          await within(started.opened, 5000, 'the client processor');
          const slow: number[] = [];
          const first = await within(slowLoop.next(), 5000, 'the first row of the stalled stream');
          if (first.done !== true) slow.push(first.value.i);
          // The stalled stream's loop now waits; the fast one reads everything.
          const fast: number[] = [];
          for await (const row of fastLoop) {
            fast.push(row.i);
            if (fast.length === fastRows) break;
          }
          expect(fast.length).to.equal(fastRows);
          expect(inOrder(fast), 'fast stream in order').to.equal(true);
          // The stalled stream got its window (its credits), and its producer was asked for no more.
          await eventually(() => received.get(SLOW) === SLOW_WINDOW, 5000, 'the stalled stream to fill its window');
          expect(received.get(SLOW)).to.equal(SLOW_WINDOW);
          expect(pulls.of(SLOW)).to.be.within(SLOW_WINDOW, SLOW_WINDOW + 1);
          expect(pulls.of(FAST)).to.equal(fastRows);
          // Un-stalled, it runs to its end.
          for await (const row of slowLoop) {
            slow.push(row.i);
            if (slow.length === SLOW_ROWS) break;
          }
          expect(slow.length).to.equal(SLOW_ROWS);
          expect(inOrder(slow), 'stalled stream in order').to.equal(true);
          expect(received.get(SLOW)).to.equal(SLOW_ROWS);
          expect(serverEvents.filter((e) => BAD_EVENTS.has(e.type))).to.deep.equal([]);
          expect(clientEvents.filter((e) => BAD_EVENTS.has(e.type))).to.deep.equal([]);
        } finally {
          finished.open();
          await client.closed;
          clientSub.unsubscribe();
          serverSub.unsubscribe();
          await client.close();
          await server.close();
        }
      });
    }
  });
}
