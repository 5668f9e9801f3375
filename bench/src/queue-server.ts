/**
 * What does the queue server cost against a plain server? `npm run bench:queue`.
 *
 * One server and one client in this process, over loopback TCP, text codec, small messages
 * (`{"kind":"Req","i":…}`). Two servers answer each request with one reply:
 * - `plain`: `createServer` with a `map` processor;
 * - `queue`: `createQueueServer` and an imperative loop (`waitIncoming`, drain with `pop`,
 *   `push` a reply, waiting with `whenWritable` when the send policy refuses it).
 *
 * Two workloads: request/response with one request in flight (the client sends the next request
 * when the reply to the previous one arrives), and pipelined (the client sends every request at
 * once and counts the replies). Messages per second from the client's first send to its last
 * reply; a fresh server and client per run. After a warm-up run of each, rounds alternate which
 * server goes first; the medians and the ratio queue/plain are printed.
 * Bounded: (ROUNDS + 1) x 4 runs.
 * Arguments: rounds (default 5), pipelined messages (100,000: long enough runs that start-up and
 * noise weigh little), request/response messages (5,000).
 */
import { ignoreElements, map, merge, filter, of, from, tap, type Observable } from 'rxjs';
import { z } from 'zod';
import { createClient, createQueueServer, createServer, defineProtocol, type ClientProcessor } from '@rxmsg/node';
import { runBenchEntry } from './bench-entry';

const ROUNDS = Number(process.argv[2] ?? 5);
const PIPELINED = Number(process.argv[3] ?? 100_000);
const ONE_AT_A_TIME = Number(process.argv[4] ?? 5_000);

const Echo = defineProtocol({
  name: 'bench-queue',
  tag: 'kind',
  codec: 'text',
  client: { Req: z.object({ i: z.number().int() }) },
  server: { Res: z.object({ i: z.number().int() }) },
});
type Req = { readonly kind: 'Req'; readonly i: number };
type Res = { readonly kind: 'Res'; readonly i: number };

type Kind = 'plain' | 'queue';
type Workload = 'request-response' | 'pipelined';

/** A running server of either kind, and how to stop it. */
interface Running {
  readonly address: string;
  stop(): Promise<void>;
}

async function startPlain(): Promise<Running> {
  const server = await createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: Echo,
    processor: (incoming$) => incoming$.pipe(map((m): Res => ({ kind: 'Res', i: m.i }))),
  });
  return { address: server.addresses()[0]!, stop: () => server.close() };
}

async function startQueue(): Promise<Running> {
  const server = await createQueueServer({ listen: 'tcp://127.0.0.1:0', protocol: Echo, gcIntervalMs: 0 });
  // The application's loop: one client per run, served until it leaves.
  const serve = async (): Promise<void> => {
    let id: string | undefined;
    while ((id = server.clientIds()[0]) === undefined) await new Promise<void>((resolve) => setImmediate(resolve));
    while (await server.waitIncoming(id)) {
      for (let m = server.pop(id); m !== undefined; m = server.pop(id)) {
        const reply: Res = { kind: 'Res', i: m.i };
        while (!server.push(id, reply)) if (!(await server.whenWritable(id))) return;
      }
    }
  };
  const loop = serve();
  return {
    address: server.address(),
    stop: async () => {
      await server.stop();
      await loop;
    },
  };
}

/** One run: messages per second seen by the client. */
async function run(kind: Kind, workload: Workload): Promise<number> {
  const server = kind === 'plain' ? await startPlain() : await startQueue();
  const n = workload === 'pipelined' ? PIPELINED : ONE_AT_A_TIME;
  let start = 0n;
  let finished!: (seconds: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let replies = 0;
  const counted = (incoming$: Observable<Res>): Observable<Res> =>
    incoming$.pipe(
      tap((r) => {
        if (r.i !== replies) throw new Error(`reply ${r.i} arrived as number ${replies}`);
        if (++replies === n) finished(Number(process.hrtime.bigint() - start) / 1e9);
      }),
    );
  const processor: ClientProcessor<typeof Echo> = (incoming$) => {
    start = process.hrtime.bigint();
    if (workload === 'pipelined') {
      const all: Req[] = [];
      for (let i = 0; i < n; i++) all.push({ kind: 'Req', i });
      return merge(from(all), counted(incoming$).pipe(ignoreElements()));
    }
    const next = counted(incoming$).pipe(
      filter((r) => r.i + 1 < n),
      map((r): Req => ({ kind: 'Req', i: r.i + 1 })),
    );
    return merge(of<Req>({ kind: 'Req', i: 0 }), next);
  };
  // The pipelined client queues every request at once.
  const client = createClient({ connect: server.address, protocol: Echo, processor, config: { sendQueueLimit: Math.max(16_384, n) } });
  try {
    return n / (await done);
  } finally {
    await client.close();
    await server.stop();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const format = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(10);

async function main(): Promise<void> {
  const workloads: readonly Workload[] = ['request-response', 'pipelined'];
  const results = new Map<string, number[]>();
  const record = (kind: Kind, workload: Workload, rate: number): void => {
    const key = `${workload}/${kind}`;
    results.set(key, [...(results.get(key) ?? []), rate]);
  };
  for (const workload of workloads) {
    // Warm-up, not counted.
    await run('plain', workload);
    await run('queue', workload);
    for (let r = 0; r < ROUNDS; r++) {
      const order: readonly Kind[] = r % 2 === 0 ? ['plain', 'queue'] : ['queue', 'plain'];
      for (const kind of order) record(kind, workload, await run(kind, workload));
    }
  }
  console.log(`queue server against createServer + map, loopback TCP, one client, median of ${ROUNDS} rounds`);
  for (const workload of workloads) {
    const plain = results.get(`${workload}/plain`) ?? [];
    const queue = results.get(`${workload}/queue`) ?? [];
    const p = median(plain);
    const q = median(queue);
    const n = workload === 'pipelined' ? PIPELINED : ONE_AT_A_TIME;
    console.log(`${workload} (${n.toLocaleString('en-US')} messages)`);
    console.log(`  plain createServer + map ${format(p)} msg/s`);
    console.log(`  queue server loop        ${format(q)} msg/s`);
    console.log(`  ratio queue/plain        ${(q / p).toFixed(2)}`);
    console.log(`  runs (msg/s): plain ${plain.map(Math.round).join(' ')}; queue ${queue.map(Math.round).join(' ')}`);
  }
}

runBenchEntry({ module, main, exitWhenDone: false });
