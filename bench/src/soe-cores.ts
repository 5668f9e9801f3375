/**
 * `npm run bench:soe-cores`: does a second SOE server process add throughput? One-way small
 * messages (binary bench protocol, `Ping { n }`) from many rxmsg clients over `soe://` into
 * rxmsg sink servers, with 1 server process and with 2 server processes, each its own
 * `createServer` with the built-in SOE transport on its own UDP port (Node 20 has no `reusePort`;
 * see docs/soe.md, "Scaling across cores"). The load comes from separate child processes
 * (`--loaders`, default 1), client `i` connecting to port `i mod servers`. Each sender is the
 * documented pulled output (a generator the engine pulls while the outbound queue has room), so
 * it goes at the pace the SOE send window allows.
 *
 * Measured: messages counted by the servers in a window after a warm-up, per second ("received");
 * messages the clients' generators produced into rxmsg's outbound queues in the window
 * ("offered": the queues hold up to 16,384 per client, so it may differ); each process's CPU time
 * in that window, and from it the CPU µs per message on each side, which waiting for a core on a
 * busy machine does not skew. Each round runs both configurations (1 server first in odd
 * rounds, 2 servers first in even ones) and prints the ratio 2/1 of that round.
 *
 * Options: `--quick` (short windows, checks the harness), `--repeat N` (rounds, default 3),
 * `--clients N` (default 32), `--loaders N` (load processes, default 1), `--seconds S` (window,
 * default 4), `--work N` (the server runs N xorshift steps per message, as application work
 * would; default 0, a bare sink; the header prints what N costs on an idle core). Before each
 * configuration it waits up to 5 s for the other work on the machine to fall to 50% of all cores,
 * and prints the share it saw. Progress on stderr, the table on stdout. A run that counted nothing prints
 * "no sample" instead of a rate.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { Subscription } from 'rxjs';
import { loadRxmsg } from './adapters/bench-protocols';
import { abnormal } from './adapters/rxmsg-common';
import { work, workMicros } from './app-work';
import { fmt, median, pct } from './figures';
import { cpuBusy, waitForQuiet } from './machine';
import { runBenchEntry } from './bench-entry';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const quick = argv.includes('--quick');

/** Messages between the parent and its children. */
type ToChild = { readonly type: 'sample'; readonly id: number } | { readonly type: 'stop' };
type FromChild =
  | { readonly type: 'ready'; readonly address?: string; readonly clients?: number }
  | { readonly type: 'sample'; readonly id: number; readonly count: number; readonly cpuMs: number; readonly at: number; readonly droppedWhilePaused?: number; readonly datagrams?: number }
  | { readonly type: 'problem'; readonly text: string };

const send = (m: FromChild): void => {
  process.send?.(m);
};

function cpuMsNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}



/** Child: one sink server on its own UDP port; counts the pings it receives. */
async function serverRole(workIterations: number): Promise<void> {
  const { node, rxjs, protocols } = loadRxmsg();
  let count = 0;
  let sink = 0;
  let problems = 0;
  // Its own instance, so the socket's counters can be read.
  const soe = node.soeTransport();
  const server = await node.createServer({
    listen: 'soe://127.0.0.1:0/bench',
    transports: [soe],
    protocol: protocols.binary,
    processor: (in$) =>
      in$.pipe(
        rxjs.tap((m) => {
          if (workIterations > 0) sink ^= work(m.n, workIterations);
          count += 1;
        }),
        rxjs.ignoreElements(),
      ),
  });
  const events = server.events$.subscribe((e) => {
    const text = abnormal('server', e);
    if (text !== undefined && problems++ < 5) send({ type: 'problem', text });
  });
  process.on('message', (m: ToChild) => {
    if (m.type === 'sample') {
      const port = Number(new URL(server.addresses()[0]!).port);
      const stats = soe.endpointStats('127.0.0.1', port);
      send({
        type: 'sample',
        id: m.id,
        count: count + (sink & 0),
        cpuMs: cpuMsNow(),
        at: performance.now(),
        droppedWhilePaused: stats?.droppedWhilePaused ?? 0,
        datagrams: stats?.datagramsReceived ?? 0,
      });
    }
    else void stop();
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const hard = setTimeout(() => process.exit(0), 3000);
    await server.close().catch(() => undefined);
    events.unsubscribe();
    clearTimeout(hard);
    process.exit(0);
  };
  send({ type: 'ready', address: server.addresses()[0]! });
}

/** Child: `clients` rxmsg clients over the given addresses, each sending pings as fast as SOE takes them. */
async function loadRole(addresses: readonly string[], clients: number): Promise<void> {
  const { node, protocols } = loadRxmsg();
  let stopped = false;
  let sent = 0;
  let problems = 0;
  let connected = 0;
  const running: { close(): Promise<void>; closed: Promise<unknown> }[] = [];
  const subs: Subscription[] = [];
  for (let i = 0; i < clients; i++) {
    const client = node.createClient({
      connect: addresses[i % addresses.length]!,
      protocol: protocols.binary,
      processor: function* () {
        for (let n = 0; !stopped; n++) {
          sent += 1;
          yield { kind: 'Ping', n: n & 0x3fff_ffff } as const;
        }
      },
    });
    subs.push(
      client.events$.subscribe((e) => {
        if (e.type === 'connected' && ++connected === clients) send({ type: 'ready', clients: connected });
        const text = abnormal('client', e);
        if (text !== undefined && !stopped && problems++ < 5) send({ type: 'problem', text });
      }),
    );
    running.push(client);
  }
  process.on('message', (m: ToChild) => {
    if (m.type === 'sample') send({ type: 'sample', id: m.id, count: sent, cpuMs: cpuMsNow(), at: performance.now() });
    else void stop();
  });
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const hard = setTimeout(() => process.exit(0), 3000);
    await Promise.all(running.map((c) => c.close().catch(() => undefined)));
    for (const s of subs) s.unsubscribe();
    clearTimeout(hard);
    process.exit(0);
  };
}

/** A child process and its replies, with timeouts on everything asked of it. */
class Child {
  readonly proc: ChildProcess;
  private waiting = new Map<number, (m: FromChild & { type: 'sample' }) => void>();
  private readyWaiter: ((m: FromChild & { type: 'ready' }) => void) | undefined;
  private next = 0;
  readonly problems: string[] = [];
  exited = false;

  constructor(args: readonly string[], readonly label: string) {
    this.proc = fork(__filename, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m: FromChild) => {
      if (m.type === 'ready') this.readyWaiter?.(m);
      else if (m.type === 'sample') this.waiting.get(m.id)?.(m);
      else this.problems.push(`${label}: ${m.text}`);
    });
    this.proc.on('exit', () => (this.exited = true));
  }

  ready(timeoutMs: number): Promise<FromChild & { type: 'ready' }> {
    return withTimeout(new Promise((resolve) => (this.readyWaiter = resolve)), timeoutMs, `${this.label} not ready`);
  }

  sample(timeoutMs = 2000): Promise<FromChild & { type: 'sample' }> {
    const id = this.next++;
    const p = new Promise<FromChild & { type: 'sample' }>((resolve) => this.waiting.set(id, resolve));
    this.proc.send({ type: 'sample', id } satisfies ToChild);
    return withTimeout(p, timeoutMs, `${this.label} did not answer`).finally(() => this.waiting.delete(id));
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    try {
      this.proc.send({ type: 'stop' } satisfies ToChild);
    } catch {
      // The channel is gone: the kill below ends it.
    }
    await withTimeout(exited, 5000, 'exit').catch(() => {
      this.proc.kill('SIGKILL');
      return exited;
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What one configuration measured. */
interface RunResult {
  readonly servers: number;
  /** Messages/s counted by the servers in the window, or undefined (no sample). */
  readonly rate: number | undefined;
  /** Messages/s the clients produced (pulled from the generators) in the window. */
  readonly offered: number | undefined;
  /** CPU share of one core used by each server process in the window. */
  readonly serverCpu: readonly number[];
  /** CPU share of one core used by each load process in the window. */
  readonly loadCpu: readonly number[];
  /** Datagrams the servers received in the window, and of those dropped unread because a paused connection held `maxHeldBytes`. */
  readonly datagrams?: number;
  readonly droppedWhilePaused?: number;
  /** Share (0–1) of all the machine's cores busy in the window, every process counted. */
  readonly machineBusy?: number;
  readonly problems: readonly string[];
  readonly error?: string;
}

async function runOnce(servers: number, clients: number, loaders: number, workIterations: number, warmupMs: number, windowMs: number): Promise<RunResult> {
  const serverProcs: Child[] = [];
  const loadProcs: Child[] = [];
  const all = (): Child[] => [...serverProcs, ...loadProcs];
  try {
    for (let i = 0; i < servers; i++) serverProcs.push(new Child(['--role', 'server', '--work', String(workIterations)], `server ${i}`));
    const addresses = (await Promise.all(serverProcs.map((s) => s.ready(15_000)))).map((r) => r.address!);
    for (let i = 0; i < loaders; i++) {
      const share = Math.floor(clients / loaders) + (i < clients % loaders ? 1 : 0);
      // Loader i's clients start at address i, so clients spread evenly over the ports in all.
      const rotated = addresses.map((_, k) => addresses[(k + i) % addresses.length]!);
      loadProcs.push(new Child(['--role', 'load', '--clients', String(share), '--addresses', rotated.join(',')], `load ${i}`));
    }
    await Promise.all(loadProcs.map((l) => l.ready(20_000)));
    await sleep(warmupMs);
    const a = await Promise.all(all().map((c) => c.sample()));
    const machineBusy = await cpuBusy(windowMs);
    const b = await Promise.all(all().map((c) => c.sample()));
    const seconds = (i: number): number => (b[i]!.at - a[i]!.at) / 1000;
    let received = 0;
    let rateSum = 0;
    const serverCpu: number[] = [];
    const loadCpu: number[] = [];
    let offered = 0;
    let datagrams = 0;
    let droppedWhilePaused = 0;
    all().forEach((c, i) => {
      const s = seconds(i);
      const share = (b[i]!.cpuMs - a[i]!.cpuMs) / 1000 / s;
      const delta = b[i]!.count - a[i]!.count;
      if (i < servers) {
        received += delta;
        datagrams += (b[i]!.datagrams ?? 0) - (a[i]!.datagrams ?? 0);
        droppedWhilePaused += (b[i]!.droppedWhilePaused ?? 0) - (a[i]!.droppedWhilePaused ?? 0);
        rateSum += delta / s;
        serverCpu.push(share);
      } else {
        offered += delta / s;
        loadCpu.push(share);
      }
    });
    return {
      servers,
      rate: received > 0 ? rateSum : undefined,
      offered: offered > 0 ? offered : undefined,
      serverCpu,
      loadCpu,
      machineBusy,
      datagrams,
      droppedWhilePaused,
      problems: all().flatMap((c) => c.problems),
    };
  } catch (error) {
    return { servers, rate: undefined, offered: undefined, serverCpu: [], loadCpu: [], problems: all().flatMap((c) => c.problems), error: error instanceof Error ? error.message : String(error) };
  } finally {
    // Load first, so the servers see their clients leave.
    await Promise.all(loadProcs.map((c) => c.stop()));
    await Promise.all(serverProcs.map((c) => c.stop()));
  }
}

/** CPU µs per message: the processes' summed CPU share over the message rate (not skewed by waiting for a core). */
const perMessage = (shares: readonly number[], rate: number | undefined): string =>
  rate === undefined || shares.length === 0 ? '-' : ((shares.reduce((a, b) => a + b, 0) / rate) * 1e6).toFixed(2);

async function main(): Promise<void> {
  const repeat = Number(opt('--repeat') ?? (quick ? 1 : 3));
  const clients = Number(opt('--clients') ?? 32);
  const loaders = Number(opt('--loaders') ?? 1);
  const workIterations = Number(opt('--work') ?? 0);
  const windowMs = quick ? 1000 : Number(opt('--seconds') ?? 4) * 1000;
  const warmupMs = quick ? 500 : 1500;
  const cores = Math.min(cpus().length, availableParallelism());
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  console.log(`# SOE across cores: one-way Ping over soe:// into 1 vs 2 server processes`);
  console.log(`date ${new Date().toISOString()}, node ${process.version}, ${cores} cores (${cpus()[0]?.model.trim() ?? 'unknown'})`);
  const workText = workIterations > 0 ? `${workIterations} xorshift steps (${workMicros(workIterations).toFixed(1)} µs on an idle core, best of 5 here)` : 'none (bare sink)';
  console.log(`server work per message: ${workText}; clients ${clients} over ${loaders} load process(es), warm-up ${warmupMs} ms, window ${windowMs} ms, ${repeat} round(s)`);
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; other work on all cores (1 s sample): ${Math.round((await cpuBusy(1000)) * 100)}%`);
  console.log('');
  console.log('| round | servers | other work before | received msg/s | offered msg/s | server CPU | load CPU | all cores busy | server µs/msg | load µs/msg | datagrams in (dropped while paused) | 2/1 |');
  console.log('|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|');
  const ratios: number[] = [];
  const rates: Record<1 | 2, number[]> = { 1: [], 2: [] };
  for (let round = 1; round <= repeat; round++) {
    const order: (1 | 2)[] = round % 2 === 1 ? [1, 2] : [2, 1];
    const results = new Map<number, RunResult>();
    const others = new Map<number, number>();
    for (const servers of order) {
      log(`round ${round}: ${servers} server(s)...`);
      const otherWork = await waitForQuiet(0.5, 1000, quick ? 1 : 5);
      const r = await runOnce(servers, clients, loaders, workIterations, warmupMs, windowMs);
      others.set(servers, otherWork);
      results.set(servers, r);
      if (r.rate !== undefined) rates[servers].push(r.rate);
      if (r.error !== undefined) log(`  failed: ${r.error}`);
      for (const p of r.problems.slice(0, 5)) log(`  ${p}`);
    }
    const one = results.get(1)?.rate;
    const two = results.get(2)?.rate;
    const ratio = one !== undefined && two !== undefined ? two / one : undefined;
    if (ratio !== undefined) ratios.push(ratio);
    for (const servers of [1, 2] as const) {
      const r = results.get(servers)!;
      const other = others.get(servers);
      console.log(`| ${round} | ${servers} | ${other === undefined ? '-' : `${Math.round(other * 100)}%`} | ${fmt(r.rate)} | ${fmt(r.offered)} | ${pct(r.serverCpu)} | ${pct(r.loadCpu)} | ${r.machineBusy === undefined ? '-' : `${Math.round(r.machineBusy * 100)}%`} | ${perMessage(r.serverCpu, r.rate)} | ${perMessage(r.loadCpu, r.offered)} | ${r.datagrams === undefined ? '-' : `${fmt(r.datagrams)} (${fmt(r.droppedWhilePaused ?? 0)})`} | ${servers === 2 ? (ratio === undefined ? 'no sample' : `${ratio.toFixed(2)}×`) : ''} |`);
    }
  }
  console.log('');
  const m1 = median(rates[1]);
  const m2 = median(rates[2]);
  const mr = median(ratios);
  console.log(`median: 1 server ${fmt(m1)} msg/s, 2 servers ${fmt(m2)} msg/s, ratio 2/1 ${mr === undefined ? 'no sample' : `${mr.toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`}`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

runBenchEntry({
  module,
  // A child whose parent went away ends too.
  roleExitsOnDisconnect: true,
  roles: {
    server: () => serverRole(Number(opt('--work') ?? 0)),
    load: () => loadRole((opt('--addresses') ?? '').split(','), Number(opt('--clients') ?? 1)),
  },
  main,
});
