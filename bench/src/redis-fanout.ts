/**
 * Broadcasts across nodes through Redis against broadcasts on one node: `npm run bench:redis`.
 *
 * One process, two rxmsg servers sharing a private redis-server (started here, on a free port, no
 * persistence): node A has no peers and only sends; node B has PEERS peers on the in-memory
 * transport (no sockets: the cost measured is the adapter's and Redis's), which count the lines
 * they receive. The same PEERS peers receive in both modes:
 * - `local`: `B.broadcast(m)`, the registry's own fan-out;
 * - `redis`: `A.broadcast(m)`, carried through Redis (pub/sub, sharded on Redis 7) to B, which fans
 *   it out to the same peers.
 * Rate: MESSAGES broadcasts, at most WINDOW outstanding (sent and not yet seen by the first peer),
 * timed until every peer has all of them. Latency: SAMPLES broadcasts one at a time, each timed
 * from the send to its arrival at the first peer. ROUNDS rounds alternate the two modes; medians
 * are reported, with the ratios redis/local. Bounded: ROUNDS × 2 × (MESSAGES + SAMPLES) sends,
 * each phase with a deadline; well under 3 minutes.
 *
 * `--quick`: a tiny configuration for the smoke test, and nothing written. Otherwise the table goes
 * into bench/RESULTS.md between `<!-- redis-fanout:start -->` and `<!-- redis-fanout:end -->`.
 */
import { runBenchEntry, type BenchOutcome } from './bench-entry';
import { cpus, loadavg } from 'node:os';
import { ignoreElements } from 'rxjs';
import { z } from 'zod';
import { createRooms, createServer, defineProtocol, memoryTransport } from '@rxmsg/node';
import { redisRoomAdapter, type RedisRoomAdapter } from '@rxmsg/redis';
import { findRedisServer, startRedisServer } from '@rxmsg/test-utils';
import { cpuBusy } from './machine';

const quick = process.argv.includes('--quick');
const PEERS = quick ? 4 : 100;
const MESSAGES = quick ? 200 : 20_000;
const WINDOW = 256;
const SAMPLES = quick ? 20 : 1_000;
const ROUNDS = quick ? 1 : 3;
const PHASE_DEADLINE_MS = 30_000;

const Fanout = defineProtocol({
  name: 'fanout',
  tag: 'kind',
  codec: 'text',
  client: { Hello: z.object({}) },
  server: { Tick: z.object({ seq: z.number(), text: z.string() }) },
});
const TEXT = 'a chat line of a typical length, neither tiny nor large, with some words in it; '.repeat(2);

/** What the peers of node B have received. */
class Receivers {
  readonly counts: number[];
  /** The highest seq the first peer has seen. */
  seen = -1;
  private waiter: (() => void) | undefined;
  private partial = '';

  constructor(peers: number) {
    this.counts = new Array<number>(peers).fill(0);
  }

  onData(peer: number, chunk: Uint8Array): void {
    let lines = 0;
    for (const b of chunk) if (b === 0x0a) lines++;
    this.counts[peer]! += lines;
    if (peer !== 0) return;
    const text = this.partial + Buffer.from(chunk).toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) {
      const m = /"seq":(\d+)/.exec(line);
      if (m !== null) this.seen = Math.max(this.seen, Number(m[1]));
    }
    this.wake();
  }

  /** Resolves at the next arrival at the first peer (or after 50 ms, to re-check the others). */
  next(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => ((this.waiter = undefined), resolve()), 50);
      this.waiter = () => (clearTimeout(timer), resolve());
    });
  }

  reset(): void {
    this.counts.fill(0);
    this.seen = -1;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
}
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

async function main(): Promise<BenchOutcome> {
  if (findRedisServer() === undefined) {
    console.log('redis-server is not installed: nothing measured (apt-get install redis-server)');
    return {};
  }
  const otherLoad = await cpuBusy(1_000);
  const cores = cpus().length;
  const redis = await startRedisServer();
  const memory = memoryTransport({ highWaterMark: 1 << 24 });
  const config = { sendQueueLimit: 100_000, sendQueueBytes: 1 << 28, handshakeTimeoutMs: 0 } as const;
  const adapters: RedisRoomAdapter[] = [];
  const node = async (name: string) => {
    const adapter = redisRoomAdapter({ url: redis.url, namespace: 'bench' });
    adapters.push(adapter);
    return createServer({ listen: `memory://${name}:0`, transports: [memory], protocol: Fanout, processor: (in$) => in$.pipe(ignoreElements()), config, rooms: createRooms({ adapter }) });
  };
  const a = await node('a');
  const b = await node('b');
  const receivers = new Receivers(PEERS);
  const ends = Array.from({ length: PEERS }, (_, i) => {
    const end = memory.dial(b.addresses()[0]!);
    end.start({ onData: (chunk) => receivers.onData(i, chunk), onEnd: () => {}, onDrain: () => {}, onClose: () => {} });
    return end;
  });
  while (b.snapshot().connections.length < PEERS) await new Promise((r) => setTimeout(r, 10));
  // B must know A is alive and A's broadcasts must reach B before timing: one warm-up broadcast through Redis.
  let seq = 0;
  const deadline = (what: string): (() => void) => {
    const until = Date.now() + PHASE_DEADLINE_MS;
    return () => {
      if (Date.now() > until) throw new Error(`${what} did not finish within ${PHASE_DEADLINE_MS} ms`);
    };
  };
  const send = (mode: 'local' | 'redis', n: number): void => {
    (mode === 'local' ? b : a).broadcast({ kind: 'Tick', seq: n, text: TEXT });
  };
  {
    const check = deadline('warm-up');
    while (receivers.seen < 0) {
      send('redis', seq);
      await receivers.next();
      check();
    }
  }

  const rate = async (mode: 'local' | 'redis'): Promise<{ perSecond: number; undelivered: number }> => {
    receivers.reset();
    const before = adapters[0]!.stats().undelivered;
    const first = ++seq;
    seq += MESSAGES;
    receivers.seen = first - 1;
    const check = deadline(`${mode} rate`);
    const t0 = process.hrtime.bigint();
    let sent = 0;
    while (sent < MESSAGES) {
      while (sent < MESSAGES && first + sent - receivers.seen <= WINDOW) send(mode, first + sent++);
      await receivers.next();
      check();
    }
    while (receivers.counts.some((c) => c < MESSAGES)) {
      // What Redis or the in-flight bound dropped never arrives: stop when nothing more comes.
      const total = receivers.counts.reduce((x, y) => x + y, 0);
      await receivers.next();
      if (receivers.counts.reduce((x, y) => x + y, 0) === total && adapters[0]!.stats().inFlight === 0) break;
      check();
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { perSecond: Math.min(...receivers.counts) / seconds, undelivered: adapters[0]!.stats().undelivered - before };
  };

  const latency = async (mode: 'local' | 'redis'): Promise<number[]> => {
    const out: number[] = [];
    const check = deadline(`${mode} latency`);
    for (let i = 0; i < SAMPLES; i++) {
      const n = ++seq;
      const t0 = process.hrtime.bigint();
      send(mode, n);
      while (receivers.seen < n) {
        await receivers.next();
        check();
      }
      out.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    return out;
  };

  const results = { local: { rates: [] as number[], lat: [] as number[] }, redis: { rates: [] as number[], lat: [] as number[] } };
  let undelivered = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? (['local', 'redis'] as const) : (['redis', 'local'] as const)) {
      const measured = await rate(mode);
      undelivered += measured.undelivered;
      results[mode].rates.push(measured.perSecond);
      results[mode].lat.push(...(await latency(mode)));
    }
  }
  for (const end of ends) end.destroy();
  await a.close();
  await b.close();
  await redis.stop();

  const lr = median(results.local.rates);
  const rr = median(results.redis.rates);
  const row = (name: string, rates: number[], lat: number[]): string =>
    `| ${name} | ${Math.round(median(rates)).toLocaleString('en-US')} | ${Math.round(median(rates) * PEERS).toLocaleString('en-US')} | ${median(lat).toFixed(0)} | ${quantile(lat, 0.99).toFixed(0)} |`;
  const share = Math.max(0, 1 - otherLoad);
  const table = [
    `Broadcasts to ${PEERS} peers of one node; ${ROUNDS} rounds of ${MESSAGES.toLocaleString('en-US')} broadcasts (at most ${WINDOW} outstanding) and ${SAMPLES.toLocaleString('en-US')} one-at-a-time latency samples per mode; medians.`,
    `Machine: ${cores} cores, ${(share * 100).toFixed(0)}% of the CPU time free before the run (load average ${loadavg()[0]!.toFixed(2)}); Redis ${adapters[0]!.stats().sharded ? 'sharded' : 'classic'} pub/sub on loopback, both nodes and redis-server on this machine.`,
    '',
    '| mode | broadcasts/s | deliveries/s | latency p50 (µs) | latency p99 (µs) |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('local (`B.broadcast`)', results.local.rates, results.local.lat),
    row('through Redis (`A.broadcast` → B)', results.redis.rates, results.redis.lat),
    '',
    `Ratio redis/local: rate ${(rr / lr).toFixed(2)}×, p50 latency ${(median(results.redis.lat) / median(results.local.lat)).toFixed(1)}× (lower rate, higher latency: the price of crossing Redis). Broadcasts not carried (in-flight bound): ${undelivered}.`,
  ].join('\n');
  console.log(table);
  return quick ? {} : { section: table };
}


runBenchEntry({
  module,
  section: { name: 'redis-fanout', heading: 'Across nodes through Redis (`npm run bench:redis`, `bench/src/redis-fanout.ts`)' },
  main,
});
