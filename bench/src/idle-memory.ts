/**
 * Memory per idle connection, one side measured at a time: this process holds N idle
 * connections (as server or as clients) of one system, a child process holds the other side.
 * Reports RSS and JS heap (after forced GC) with N connections minus with none, per connection,
 * and with `--snapshot` the retained objects per connection by constructor (heap snapshot diff).
 *
 * `npm run bench:idle -- --side server|client --transport tcp|ws --n 2000
 *  [--system rxmsg|raw] [--hello] [--snapshot]`
 *
 * `raw` is the baseline: `net` sockets (tcp) or `ws` WebSockets (ws) with a JSON-lines /
 * JSON-message echo. `--hello`: each client sends one message and waits for the answer before
 * idling (the state of a connection that has been used).
 */
import { fork } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { map } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { createClient, createServer, defineProtocol } from '@rxmsg/node';

const Idle = defineProtocol({
  name: 'idle',
  tag: 'kind',
  codec: 'text',
  client: { Ping: z.object({ n: z.number() }) },
  server: { Pong: z.object({ n: z.number() }) },
});

interface Options {
  side: 'server' | 'client';
  transport: 'tcp' | 'ws';
  system: 'rxmsg' | 'raw';
  n: number;
  hello: boolean;
  snapshot: boolean;
  role: 'main' | 'peer';
  address: string;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { side: 'server', transport: 'tcp', system: 'rxmsg', n: 2000, hello: false, snapshot: false, role: 'main', address: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1] ?? '';
    if (a === '--side') (o.side = v as Options['side']), i++;
    else if (a === '--transport') (o.transport = v as Options['transport']), i++;
    else if (a === '--system') (o.system = v as Options['system']), i++;
    else if (a === '--n') (o.n = Number(v)), i++;
    else if (a === '--role') (o.role = v as Options['role']), i++;
    else if (a === '--address') (o.address = v), i++;
    else if (a === '--hello') o.hello = true;
    else if (a === '--snapshot') o.snapshot = true;
  }
  return o;
}

const CONFIG = { handshakeTimeoutMs: 0, maxConnections: 100_000 } as const;

/** Starts a server; resolves with its address and a counter of accepted connections. */
async function startServer(o: Options): Promise<{ address: string; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  if (o.system === 'rxmsg') {
    const server = await createServer({
      listen: `${o.transport}://127.0.0.1:0`,
      protocol: Idle,
      processor: (in$) => in$.pipe(map((m) => ({ kind: 'Pong', n: m.n }) as const)),
      config: CONFIG,
    });
    server.connections$.subscribe(() => accepted++);
    return { address: server.addresses()[0]!, accepted: () => accepted, close: () => server.close() };
  }
  if (o.transport === 'tcp') {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      accepted++;
      sockets.add(socket);
      socket.setNoDelay(true);
      let rest = '';
      socket.on('data', (d) => {
        const lines = (rest + d.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) socket.write(`${JSON.stringify({ kind: 'Pong', n: (JSON.parse(line) as { n: number }).n })}\n`);
      });
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    return {
      address: `tcp://127.0.0.1:${port}`,
      accepted: () => accepted,
      close: () => new Promise((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
    };
  }
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    accepted++;
    ws.on('message', (d) => ws.send(JSON.stringify({ kind: 'Pong', n: (JSON.parse(String(d)) as { n: number }).n })));
    ws.on('error', () => {});
  });
  await new Promise<void>((r) => wss.once('listening', r));
  const port = (wss.address() as net.AddressInfo).port;
  return {
    address: `ws://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () => new Promise((r) => (wss.clients.forEach((c) => c.terminate()), wss.close(() => r()))),
  };
}

/** Opens n clients; resolves once all are connected (and answered, with hello). */
async function openClients(o: Options, address: string, n: number): Promise<() => void> {
  const closers: (() => void)[] = [];
  const BATCH = 200;
  for (let start = 0; start < n; start += BATCH) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(n, start + BATCH); i++) batch.push(openClient(o, address, i, closers));
    await Promise.all(batch);
  }
  return () => closers.forEach((c) => c());
}

function openClient(o: Options, address: string, i: number, closers: (() => void)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    if (o.system === 'rxmsg') {
      const client = createClient({ connect: address, protocol: Idle });
      closers.push(() => void client.close());
      if (o.hello) {
        const sub = client.messages$.subscribe(() => (sub.unsubscribe(), resolve()));
        client.send({ kind: 'Ping', n: i });
      } else {
        const sub = client.status$.subscribe((s) => {
          if (s.state === 'connected') {
            queueMicrotask(() => sub.unsubscribe());
            resolve();
          }
        });
      }
      return;
    }
    if (o.transport === 'tcp') {
      const url = new URL(address);
      const socket = net.connect(Number(url.port), url.hostname, () => {
        if (!o.hello) resolve();
        else socket.write(`${JSON.stringify({ kind: 'Ping', n: i })}\n`);
      });
      socket.setNoDelay(true);
      socket.once('data', () => resolve());
      socket.on('error', reject);
      closers.push(() => socket.destroy());
      return;
    }
    const ws = new WebSocket(address);
    ws.on('open', () => (o.hello ? ws.send(JSON.stringify({ kind: 'Ping', n: i })) : resolve()));
    ws.once('message', () => resolve());
    ws.on('error', reject);
    closers.push(() => ws.terminate());
  });
}

async function settle(): Promise<{ rss: number; heap: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 50));
    gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

interface NodeCount {
  count: number;
  bytes: number;
}

/** Self size and count per (type, constructor name) of a heap snapshot. */
function snapshotCounts(): Map<string, NodeCount> {
  const file = writeHeapSnapshot();
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  unlinkSync(file);
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const width = fields.length;
  const fType = fields.indexOf('type');
  const fName = fields.indexOf('name');
  const fSize = fields.indexOf('self_size');
  const fEdges = fields.indexOf('edge_count');
  const eWidth = meta.edge_fields.length;
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snap;
  const nameOf = (i: number): string => {
    const type = types[nodes[i + fType]!]!;
    let name = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' ? `(${type})` : strings[nodes[i + fName]!]!;
    if (type === 'code' || type === 'hidden') name = `(${type})`;
    if (name.length > 40) name = `${name.slice(0, 37)}...`;
    return `${type}:${name}`;
  };
  // First strong retainer of each node, as "parent.edge", for anonymous kinds.
  const retainer = new Map<number, string>();
  let e = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const count = nodes[i + fEdges]!;
    for (let k = 0; k < count; k++, e += eWidth) {
      const et = edgeTypes[edges[e + eType]!]!;
      if (et === 'weak' || et === 'shortcut') continue;
      const to = edges[e + eTo]!;
      if (retainer.has(to)) continue;
      const en = et === 'element' || et === 'hidden' ? `[${et}]` : strings[edges[e + eName]!]!;
      retainer.set(to, `${nameOf(i)}.${en}`);
    }
  }
  const out = new Map<string, NodeCount>();
  for (let i = 0; i < nodes.length; i += width) {
    let key = nameOf(i);
    if (/^(object:Map|object:Object|closure:|object:system \/ Context|array:|object:Array|number:|string:|concatenated|hidden:|code:)/.test(key)) key += ` <- ${retainer.get(i) ?? '?'}`;
    const c = out.get(key);
    // Flat copies of the keys: a kept cons string would show in the next snapshot's diff.
    if (c === undefined) out.set(Buffer.from(key).toString(), { count: 1, bytes: nodes[i + fSize]! });
    else {
      c.count++;
      c.bytes += nodes[i + fSize]!;
    }
  }
  return out;
}

function diffCounts(before: Map<string, NodeCount>, after: Map<string, NodeCount>, n: number): string[] {
  const rows: { key: string; count: number; bytes: number }[] = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    rows.push({ key, count: (a.count - b.count) / n, bytes: (a.bytes - b.bytes) / n });
  }
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const lines = [`  heap snapshot diff per connection: ${total.toFixed(0)} B self size`];
  for (const r of rows.slice(0, 70)) if (Math.abs(r.bytes) >= 8) lines.push(`  ${r.bytes.toFixed(0).padStart(6)} B  x${r.count.toFixed(2).padStart(6)}  ${r.key}`);
  return lines;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (o.role === 'peer') return peer(o);
  const label = `${o.side} ${o.system}-${o.transport}${o.hello ? ' hello' : ''} n=${o.n}`;
  if (o.side === 'server') {
    const server = await startServer(o);
    const child = fork(__filename, [...process.argv.slice(2), '--role', 'peer', '--address', server.address], { execArgv: process.execArgv });
    await new Promise<void>((r) => child.once('message', () => r())); // child is up, no connections yet
    const base = await settle();
    const before = o.snapshot ? snapshotCounts() : undefined;
    child.send('open');
    await new Promise<void>((r) => child.once('message', () => r()));
    while (server.accepted() < o.n) await new Promise((r) => setTimeout(r, 20));
    const full = await settle();
    report(label, base, full, o.n);
    if (before !== undefined) console.log(diffCounts(before, snapshotCounts(), o.n).join('\n'));
    child.kill();
    await server.close();
  } else {
    const child = fork(__filename, [...process.argv.slice(2), '--role', 'peer'], { execArgv: process.execArgv });
    const address = await new Promise<string>((r) => child.once('message', (m) => r(String(m))));
    const base = await settle();
    const before = o.snapshot ? snapshotCounts() : undefined;
    const close = await openClients(o, address, o.n);
    const full = await settle();
    report(label, base, full, o.n);
    if (before !== undefined) console.log(diffCounts(before, snapshotCounts(), o.n).join('\n'));
    close();
    child.kill();
  }
  process.exit(0);
}

function report(label: string, base: { rss: number; heap: number }, full: { rss: number; heap: number }, n: number): void {
  const kib = (x: number): string => (x / 1024).toFixed(2);
  console.log(`${label}: rss/conn ${kib((full.rss - base.rss) / n)} KiB, heap/conn ${kib((full.heap - base.heap) / n)} KiB (heap ${(full.heap / 2 ** 20).toFixed(1)} MiB)`);
}

/** The other side: clients of the main process's server, or the server of its clients. */
async function peer(o: Options): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  if (o.side === 'server') {
    process.send!('ready');
    process.once('message', () => {
      void openClients(o, o.address, o.n).then(() => process.send!('open'));
    });
  } else {
    const server = await startServer(o);
    process.send!(server.address);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
