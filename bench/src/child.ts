/**
 * One side (server or client) of one benchmark run, in its own process: started by `run.ts`,
 * told what to run over IPC, reports over IPC, exits when done, when told to stop, or when
 * its parent goes away.
 */
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

async function runServer(system: SystemAdapter, start: Extract<StartMessage, { role: 'server' }>): Promise<void> {
  const s = start.settings;
  const receiver = s.kind === 'one-way' ? new OneWayReceiver(s, reportOutcome) : undefined;
  const server: RunningServer = await system.serve(
    receiver === undefined
      ? { kind: 'echo', socketDir: start.socketDir, problem }
      : { kind: 'sink', socketDir: start.socketDir, receiver, problem },
  );
  onStop = async () => {
    receiver?.stop('stopped');
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      server.close().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3_000))),
    ]);
    clearTimeout(timer);
    if (!closed) problem('server: close() did not resolve within 3 s');
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
  } else {
    const driver = new RequestDriver(s, reportOutcome);
    await system.runClient({ kind: 'requests', address: start.address, driver, problem });
  }
  await send({ type: 'done' });
  process.exit(0);
}

let onStop: () => Promise<void> = async () => process.exit(0);
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
