import { expect } from 'chai';
import { concat, ignoreElements, of, tap } from 'rxjs';
import { createClient, createServer, tcpTransport, tlsTransport, wsTransport, type ClientEvent, type ServerEvent, type Transport } from '@rxmsg/node';
import { settledHeapUsed, testCertificate } from '@rxmsg/test-utils';
import { record } from './echo-protocol';
import { watchHeap } from './heap-watch';
import { readRows } from './row-reader';
import { Rows, pacedRows, pulledRows } from './rows-protocol';

/**
 * Large results end to end: a server answers one `Get { n }` with n rows, written the documented
 * way (an `async function*` over `pull(incoming$)`, or `consume` + `paced` over a generator), to a
 * reader at full speed and to one that stops reading every 2M rows (every fifth of the rows for
 * smaller counts) until the server's producer waits on a full queue. Nothing is lost, nothing disconnects, and the heap stays under baseline + 96 MiB while
 * streaming, where 10M rows queued would take well over 1 GB.
 */

const MiB = 1024 * 1024;
/** Live heap allowed above the settled baseline while streaming. */
const HEAP_HEADROOM = 96 * MiB;
/** A throttled reader stops every 2M rows (at least 4 times in all). */
const stallEvery = (count: number): number => Math.min(2_000_000, count / 5);
/** Events that must not happen while a well-behaved producer streams to a healthy reader. */
const BAD: readonly string[] = ['disconnected', 'send-queue-full', 'message-dropped', 'processor-error'];

type Form = 'pulled' | 'paced';
const FORMS = { pulled: pulledRows, paced: pacedRows } as const;

interface Case {
  readonly transport: 'TCP' | 'TLS' | 'WebSocket';
  readonly form: Form;
  readonly reader: 'full-speed' | 'throttled' | 'rxmsg client';
  readonly count: number;
  /** Characters of padding per row: wide rows, so that a stalled reader's socket buffers (up to tens of MB on loopback) fill long before the end. */
  readonly pad?: number;
}

const M = 1_000_000;
const CASES: readonly Case[] = [
  { transport: 'TCP', form: 'pulled', reader: 'full-speed', count: 10 * M },
  { transport: 'TCP', form: 'pulled', reader: 'throttled', count: 10 * M },
  { transport: 'TCP', form: 'paced', reader: 'full-speed', count: 10 * M },
  { transport: 'TCP', form: 'paced', reader: 'throttled', count: 10 * M },
  { transport: 'TCP', form: 'pulled', reader: 'rxmsg client', count: 2 * M },
  { transport: 'TLS', form: 'pulled', reader: 'full-speed', count: 10 * M },
  { transport: 'TLS', form: 'paced', reader: 'throttled', count: 2 * M },
  // WebSocket sends one message per row, many times slower than the byte streams: fewer, wider rows.
  { transport: 'WebSocket', form: 'pulled', reader: 'throttled', count: 300_000, pad: 800 },
  { transport: 'WebSocket', form: 'paced', reader: 'full-speed', count: 300_000, pad: 800 },
];

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(c: Case): Promise<{ transports: readonly Transport[]; listen: string; ca?: string }> {
  if (c.transport === 'TCP') return { transports: [tcpTransport()], listen: 'tcp://127.0.0.1:0' };
  if (c.transport === 'WebSocket') return { transports: [wsTransport()], listen: 'ws://127.0.0.1:0/rows' };
  const { key, cert } = await testCertificate();
  return { transports: [tcpTransport(), tlsTransport({ server: { key, cert }, client: { ca: cert } })], listen: 'tls://127.0.0.1:0', ca: cert };
}

/** Reads `count` rows with an rxmsg client, checking their order. */
function readWithClient(address: string, transports: readonly Transport[], count: number, events: ClientEvent[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let next = 0;
    const client = createClient({
      connect: address,
      transports,
      protocol: Rows,
      processor: (incoming$) =>
        concat(
          of({ kind: 'Get', n: count } as const),
          incoming$.pipe(
            tap((row) => {
              if (row.i !== next) reject(new Error(`row ${row.i} arrived where row ${next} was expected`));
              if (++next === count) resolve(next);
            }),
            ignoreElements(),
          ),
        ),
    });
    cleanup.push(() => client.close());
    client.events$.subscribe((e) => {
      events.push(e);
      if (e.type === 'closed' && next < count) reject(new Error(`the client closed after ${next} of ${count} rows`));
    });
  });
}

describe('large results: a server streams rows at the reader’s pace (issue 17)', function () {
  // Minutes on a loaded 2-core machine (TLS with 10M rows: 40-70 s there).
  this.timeout(240_000);

  for (const c of CASES) {
    const width = c.pad === undefined ? '' : ` (${c.pad} bytes wide)`;
    const title = `${c.transport}, ${c.form} form: ${c.count.toLocaleString('en')} rows${width} to a ${c.reader} reader, all in order, no disconnect, heap under baseline + 96 MiB`;
    it(title, async () => {
      const { transports, listen, ca } = await setup(c);
      const server = await createServer({ listen, transports, protocol: Rows, processor: FORMS[c.form] });
      cleanup.push(() => server.close());
      const log = record<ServerEvent>(server.events$);
      const address = server.addresses()[0]!;
      const { sendQueueLimit, sendQueueBytes } = server.config;
      let lastOut = -1;

      const baseline = (await settledHeapUsed()).heapUsed;
      const heap = watchHeap(baseline + HEAP_HEADROOM / 2);
      cleanup.push(() => heap.stop());
      let fullQueues = 0;
      const clientEvents: ClientEvent[] = [];
      const started = Date.now();
      let rows: number;
      if (c.reader === 'rxmsg client') rows = await readWithClient(address, transports, c.count, clientEvents);
      else {
        const reader = readRows({
          address,
          request: { kind: 'Get', n: c.count, ...(c.pad === undefined ? {} : { pad: c.pad }) },
          count: c.count,
          ...(ca === undefined ? {} : { ca }),
          ...(c.reader === 'throttled'
            ? {
                stall: {
                  every: stallEvery(c.count),
                  // Read on once the server's producer waits on a full queue: the queue holds at least
                  // half its limits (where a waiting producer resumes), and nothing was added to it
                  // since the previous poll (a producer with demand fills it within one turn).
                  until: () => {
                    const k = server.snapshot().connections[0];
                    // Messages accepted so far: written plus queued (nothing is dropped under backpressure).
                    const out = k === undefined ? -1 : k.messagesOut + k.queued;
                    const waiting = k !== undefined && out === lastOut && (k.queued * 2 >= sendQueueLimit || k.heldBytes * 2 >= sendQueueBytes);
                    lastOut = out;
                    if (waiting) fullQueues++;
                    return waiting;
                  },
                },
              }
            : {}),
        });
        cleanup.push(() => reader.close());
        const reading = await reader.done;
        rows = reading.rows;
        if (c.reader === 'throttled') {
          expect(reading.stalls).to.equal(Math.ceil(c.count / stallEvery(c.count)) - 1);
          expect(fullQueues).to.equal(reading.stalls);
        }
      }
      const ms = Date.now() - started;
      const report = await heap.stop();
      console.log(`      ${c.transport} ${c.form} ${c.reader}: ${rows} rows in ${ms} ms, heap peak ${((report.peak - baseline) / MiB).toFixed(1)} MiB over baseline (${report.samples} samples)`);

      expect(rows).to.equal(c.count);
      expect(log.events.filter((e) => BAD.includes(e.type))).to.deep.equal([]);
      expect(clientEvents.filter((e) => e.type === 'send-dropped' || e.type === 'closed')).to.deep.equal([]);
      expect(report.peak - baseline).to.be.below(HEAP_HEADROOM);
    });
  }
});
