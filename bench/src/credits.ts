/**
 * Does a stalled stream slow its neighbour on the same connection? `npm run bench:credits`.
 *
 * One server and one client in this process, over loopback TCP. The client watches stream 1 and
 * reads it at full speed with `credited()` to its last row; the server answers with
 * `paced(peer, rows, { stream })`. In the `stalled` runs the client also watches stream 2 on the
 * same connection and stops its loop after the first row. After a warm-up run of each, runs
 * alternate `alone` / `stalled` (which goes first alternates too); the medians of the rows per
 * second of stream 1 and their ratio are reported (1.00: the stalled neighbour costs nothing).
 * Bounded: (ROUNDS + 1) x 2 runs of ROWS rows.
 * Arguments: rounds (default 5), rows (200,000), window of stream 1 (1024).
 */
import { concat, filter, from, ignoreElements, mergeMap, of, type Observable } from 'rxjs';
import { z } from 'zod';
import { createClient, createServer, credited, defineProtocol, paced, type ClientProcessor } from '@rxmsg/node';
import { runBenchEntry } from './bench-entry';

const ROUNDS = Number(process.argv[2] ?? 5);
const ROWS = Number(process.argv[3] ?? 200_000);
const WINDOW = Number(process.argv[4] ?? 1024);
/** Rows of the stalled stream 2: read to the end once stream 1 is done. */
const SLOW_ROWS = 1_000;

const Feed = defineProtocol({
  name: 'feed',
  tag: 'kind',
  client: { Watch: z.object({ stream: z.number().int() }) },
  server: { Row: z.object({ stream: z.number().int(), i: z.number().int() }) },
});
type Row = { readonly kind: 'Row'; readonly stream: number; readonly i: number };

function* rows(stream: number, n: number): Generator<Row> {
  for (let i = 0; i < n; i++) yield { kind: 'Row', stream, i };
}

/** One run: rows per second of stream 1, with or without a stalled stream 2 beside it. */
async function run(stalled: boolean): Promise<number> {
  const server = await createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: Feed,
    processor: (incoming$, peer) => incoming$.pipe(mergeMap(({ stream }) => paced(peer, rows(stream, stream === 1 ? ROWS : SLOW_ROWS), { stream }))),
  });
  let loops: { fast: AsyncIterableIterator<Row>; slow: AsyncIterableIterator<Row> } | undefined;
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const processor: ClientProcessor<typeof Feed> = (incoming$, peer) => {
    const streamOf = (stream: number): Observable<Row> => incoming$.pipe(filter((m) => m.stream === stream));
    loops = { fast: credited(peer, 1, streamOf(1), { window: WINDOW }), slow: credited(peer, 2, streamOf(2), { window: 16 }) };
    started();
    const watch = stalled ? of({ kind: 'Watch', stream: 2 } as const, { kind: 'Watch', stream: 1 } as const) : of({ kind: 'Watch', stream: 1 } as const);
    return concat(watch, from(done).pipe(ignoreElements()));
  };
  const client = createClient({ connect: server.addresses()[0]!, protocol: Feed, processor });
  try {
    await ready;
    const { fast, slow } = loops!;
    const start = process.hrtime.bigint();
    if (stalled) await slow.next();
    let got = 0;
    for await (const row of fast) {
      if (row.i !== got) throw new Error(`row ${row.i} arrived as number ${got}`);
      if (++got === ROWS) break;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // Un-stalled, stream 2 runs to its end, so that both sides end without waiting.
    if (stalled) for await (const row of slow) if (row.i === SLOW_ROWS - 1) break;
    return ROWS / seconds;
  } finally {
    finished();
    await client.closed;
    await server.close();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const alone: number[] = [];
  const stalled: number[] = [];
  // One warm-up run of each kind, then rounds that alternate which kind goes first.
  await run(false);
  await run(true);
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      alone.push(await run(false));
      stalled.push(await run(true));
    } else {
      stalled.push(await run(true));
      alone.push(await run(false));
    }
  }
  const a = median(alone);
  const s = median(stalled);
  console.log(`stream 1: ${ROWS} rows over TCP, window ${WINDOW}, median of ${ROUNDS} rounds`);
  console.log(`  alone                 ${Math.round(a).toLocaleString('en-US').padStart(10)} rows/s`);
  console.log(`  stream 2 stalled      ${Math.round(s).toLocaleString('en-US').padStart(10)} rows/s`);
  console.log(`  ratio stalled/alone   ${(s / a).toFixed(2)}`);
  console.log(`  runs (rows/s): alone ${alone.map(Math.round).join(' ')}; stalled ${stalled.map(Math.round).join(' ')}`);
}

runBenchEntry({ module, main, exitWhenDone: false });
