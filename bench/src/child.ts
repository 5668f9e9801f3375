/**
 * One side (server or client) of one benchmark run, in its own process: started by `run.ts`,
 * told what to run over IPC, reports over IPC, exits when done, when told to stop, or when
 * its parent goes away.
 */
import { FanInClient } from './fan-in-client';
import { HandoverDriver } from './handover-driver';
import { IdleClient } from './idle-client';
import { fileLimitShortfall, openFileLimit } from './machine';
import { ParentMessageSchema, type ChildMessage, type StartMessage } from './ipc-messages';
import { OneWayReceiver } from './one-way-receiver';
import { RequestDriver } from './request-driver';
import type { Outcome } from './run-result';
import type { RunningServer, SystemAdapter } from './system-adapter';
import { findSystem } from './systems';

/** Problems forwarded per process; more are counted, not sent. */
const MAX_PROBLEMS = 50;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

let problems = 0;
function problem(text: string): void {
  problems++;
  if (problems <= MAX_PROBLEMS) void send({ type: 'problem', text });
  else if (problems === MAX_PROBLEMS + 1) void send({ type: 'problem', text: `more than ${MAX_PROBLEMS} problems; the rest are not reported` });
}

function reportOutcome(outcome: Outcome): void {
  void send(outcome.ok ? { type: 'result', result: outcome.result } : { type: 'error', text: outcome.error });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function fail(error: unknown): Promise<void> {
  await send({ type: 'error', text: describe(error) });
  process.exit(1);
}

/** Fail early, with the fix, when this process may not open `connections` sockets. */
function checkFileLimit(connections: number): void {
  const shortfall = fileLimitShortfall(connections, openFileLimit());
  if (shortfall !== undefined) throw new Error(shortfall);
}

/** RSS and heap used after forced GCs (both processes run with `--expose-gc`), the idle state of the heap. */
async function settledRss(settleMs: number): Promise<{ bytes: number; heapBytes: number }> {
  // Set by --expose-gc; the cast reads an optional global that @types/node does not declare.
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 2; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  }
  const m = process.memoryUsage();
  return { bytes: m.rss, heapBytes: m.heapUsed };
}

async function runServer(system: SystemAdapter, start: Extract<StartMessage, { role: 'server' }>): Promise<void> {
  const s = start.settings;
  if (s.kind === 'fan-in' || s.kind === 'idle') checkFileLimit(s.connections);
  const receiver = s.kind === 'one-way' ? new OneWayReceiver(s, reportOutcome) : undefined;
  let server: RunningServer;
  if (s.kind === 'handover') {
    if (system.handover === undefined) throw new Error(`${system.name} has no handover`);
    server = await system.handover.serve({ socketDir: start.socketDir, problem });
  } else {
    server = await system.serve(
      receiver === undefined
        ? { kind: 'echo', socketDir: start.socketDir, problem }
        : { kind: 'sink', socketDir: start.socketDir, receiver, problem },
    );
  }
  const settleMs = s.kind === 'fan-in' || s.kind === 'idle' ? s.rssSettleMs : 0;
  // Closing thousands of connections takes a while (within the parent's exit grace, which grows the same way).
  const closeGraceMs = 3_000 + (s.kind === 'fan-in' || s.kind === 'idle' ? s.connections / 2 : 0);
  onMeasureRss = async () => send({ type: 'rss', ...(await settledRss(settleMs)) });
  onStop = async () => {
    receiver?.stop('stopped');
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      server.close().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), closeGraceMs))),
    ]);
    clearTimeout(timer);
    if (!closed) problem(`server: close() did not resolve within ${closeGraceMs / 1000} s`);
    // Let the problem message go out before exiting.
    await send({ type: 'done' });
    process.exit(0);
  };
  await send({ type: 'ready', address: server.address });
}

async function runClient(system: SystemAdapter, start: Extract<StartMessage, { role: 'client' }>): Promise<void> {
  const s = start.settings;
  onStop = async () => process.exit(0);
  if (s.kind === 'one-way') {
    await system.runClient({ kind: 'one-way', address: start.address, total: s.total, problem });
  } else if (s.kind === 'fan-in') {
    checkFileLimit(s.connections);
    const fanIn = new FanInClient(s, reportOutcome);
    const closed: Promise<void>[] = [];
    const started = new Promise<void>((resolve) => (onGo = resolve));
    await fanIn.open((driver) => system.runClient({ kind: 'requests', address: start.address, driver, problem }), closed);
    await send({ type: 'idle', connections: s.connections });
    await started;
    fanIn.go();
    await Promise.all(closed);
  } else if (s.kind === 'idle') {
    checkFileLimit(s.connections);
    // The library's code is loaded before the baseline: the figure is per connection, not the code.
    system.preload?.();
    const idle = new IdleClient(s);
    const before = await settledRss(s.rssSettleMs);
    const opened = await idle.open((driver) => system.runClient({ kind: 'requests', address: start.address, driver, problem }));
    const after = await settledRss(s.rssSettleMs);
    const n = opened.connections;
    await send({
      type: 'result',
      result: {
        count: n,
        seconds: opened.seconds,
        rate: opened.seconds > 0 ? n / opened.seconds : 0,
        clientMemory: {
          baselineBytes: before.bytes,
          idleBytes: after.bytes,
          connections: n,
          perConnectionBytes: (after.bytes - before.bytes) / n,
          perConnectionHeapBytes: (after.heapBytes - before.heapBytes) / n,
        },
      },
    });
    // The connections stay open while the server reads its memory; `stop` ends the process.
    return;
  } else if (s.kind === 'handover') {
    const handover = system.handover;
    if (handover === undefined) throw new Error(`${system.name} has no handover`);
    await new HandoverDriver(s, reportOutcome).run(() => handover.connectOnce({ address: start.address, problem }));
  } else {
    const driver = new RequestDriver(s, reportOutcome);
    await system.runClient({ kind: 'requests', address: start.address, driver, problem });
  }
  await send({ type: 'done' });
  process.exit(0);
}

let onStop: () => Promise<void> = async () => process.exit(0);
let onMeasureRss: () => Promise<void> = async () => problem('measure-rss before the server listened');
let onGo: () => void = () => problem('go before the connections were open');
let started = false;

process.on('disconnect', () => process.exit(2));
process.on('uncaughtException', (error) => void fail(error));
process.on('unhandledRejection', (error) => void fail(error));
process.on('message', (raw: unknown) => {
  const parsed = ParentMessageSchema.safeParse(raw);
  if (!parsed.success) {
    void fail(new Error(`bad message from parent: ${parsed.error.message}`));
    return;
  }
  const message = parsed.data;
  if (message.type === 'stop') {
    void onStop().catch(fail);
    return;
  }
  if (message.type === 'measure-rss') {
    void onMeasureRss().catch(fail);
    return;
  }
  if (message.type === 'go') {
    onGo();
    return;
  }
  if (started) return;
  started = true;
  const system = findSystem(message.system);
  if (system === undefined) {
    void fail(new Error(`unknown system "${message.system}"`));
    return;
  }
  const run = message.role === 'server' ? runServer(system, message) : runClient(system, message);
  run.catch(fail);
});
void send({ type: 'loaded' });
