import { z } from 'zod';
import { defineProtocol } from '@rxmsg/node';

/** What `shm.ts` hands a bench worker. */
export interface ShmBenchJob {
  readonly kind: 'raw-shm' | 'raw-port' | 'raw-unix' | 'rx-shm' | 'rx-unix';
  readonly mode: 'one-way' | 'ping-pong';
  /** Messages (one-way) or round trips (ping-pong). */
  readonly n: number;
  readonly end?: unknown;
  readonly port?: unknown;
  readonly path?: string;
}

/** Ping/Pong as JSON lines; a Ping is 32 bytes on the wire for n < 10^6. */
export const BenchEcho = defineProtocol({
  name: 'bench-echo',
  tag: 'kind',
  codec: 'text',
  client: { Ping: z.object({ n: z.number().int(), p: z.string() }) },
  server: { Pong: z.object({ n: z.number().int() }) },
});

/** The raw benchmarks' message: 32 bytes of JSON line (`{"kind":"Ping","n":…,"p":"x…"}\n`), `n` taken modulo 10⁴. */
export function benchLine(n: number): string {
  const head = `{"kind":"Ping","n":${n % 10_000},"p":"`;
  return `${head}${'x'.repeat(Math.max(0, 32 - head.length - 3))}"}\n`;
}
