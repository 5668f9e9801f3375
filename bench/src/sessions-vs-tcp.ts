/**
 * Messages per second of small request/response messages through a session host (no socket) and
 * through the plain server over loopback TCP, with the same protocol and processor. Each side sends
 * `n` requests as fast as flow control allows and waits for the `n` replies; a round is timed from
 * the first request to the last reply. Not part of the test suite; run after `npx tsc -b`:
 *
 *     node bench/dist/sessions-vs-tcp.js [n=100000] [rounds=5]
 */
import { concat, ignoreElements, map, of, take } from 'rxjs';
import { z } from 'zod';
import { createClient, createServer, createSessionHost, defineProtocol, type ServerProcessor } from '@rxmsg/node';
import { runBenchEntry } from './bench-entry';

const Echo = defineProtocol({
  name: 'echo',
  tag: 'kind',
  codec: 'text',
  client: { Req: z.object({ n: z.number() }) },
  server: { Res: z.object({ n: z.number() }) },
});
const processor: ServerProcessor<typeof Echo> = (in$) => in$.pipe(map((m) => ({ kind: 'Res', n: m.n }) as const));

async function viaSession(n: number): Promise<number> {
  const host = await createSessionHost({ protocol: Echo, processor });
  let newlines = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const session = host.session((bytes) => {
    for (const b of bytes) if (b === 10) newlines++;
    if (newlines === n) done();
  });
  const encoder = new TextEncoder();
  const start = performance.now();
  for (let i = 0; i < n; i++) await session.handleRequest(encoder.encode(`{"kind":"Req","n":${i}}\n`));
  await finished;
  const ms = performance.now() - start;
  await session.close();
  await host.close();
  return ms;
}

async function viaTcp(n: number): Promise<number> {
  const server = await createServer({ listen: 'tcp://127.0.0.1:0', protocol: Echo, processor });
  const start = performance.now();
  const client = createClient({
    connect: server.addresses()[0]!,
    protocol: Echo,
    processor: (in$) => concat(of(...Array.from({ length: n }, (_, i) => ({ kind: 'Req', n: i }) as const)), in$.pipe(take(n), ignoreElements())),
  });
  await client.closed;
  const ms = performance.now() - start;
  await server.close();
  return ms;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const rounds = Number(process.argv[3] ?? 5);
  for (const [name, run] of [
    ['session', viaSession],
    ['tcp', viaTcp],
  ] as const) {
    const rates: number[] = [];
    for (let r = 0; r < rounds; r++) rates.push(Math.round((n / (await run(n))) * 1000));
    rates.sort((a, b) => a - b);
    console.log(`${name}: median ${rates[Math.floor(rates.length / 2)]} msg/s (rounds: ${rates.join(', ')})`);
  }
}

runBenchEntry({ module, main, exitWhenDone: false });
