import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/** A loopback TCP port whose connection attempts stay pending: see {@link stalledListener}. */
export interface StalledListener {
  /** The port on 127.0.0.1. */
  readonly port: number;
  /** Close the filler connections and end the listening process. */
  close(): Promise<void>;
}

// The child listens with a backlog of 1, reports its port, then blocks its only thread (asleep,
// not spinning), so that it never accepts: the kernel's accept queue fills up and later SYNs are dropped.
const CHILD = `
const server = require('node:net').createServer();
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
});`;

/** Connections a backlog of 1 lets the kernel complete without an accept (Linux: backlog + 1). */
const QUEUED = 2;

/**
 * A TCP port on 127.0.0.1 where a connect neither succeeds nor fails: a listener in a child process
 * that never accepts, whose accept queue is filled first. Linux drops the SYNs of a full accept queue,
 * so a later connect stays pending (retransmitting its SYN) until it is aborted.
 * For connect-timeout tests without any non-loopback address.
 */
export async function stalledListener(): Promise<StalledListener> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  child.stdout.destroy();
  const fillers: Socket[] = [];
  const close = async (): Promise<void> => {
    for (const f of fillers) f.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  };
  try {
    // Open more than fit; wait until the queue is full. The others stay pending like the connect under test.
    await new Promise<void>((resolve, reject) => {
      let connected = 0;
      for (let i = 0; i < QUEUED + 2; i++) {
        const f = connect(port, '127.0.0.1');
        fillers.push(f);
        f.once('error', reject);
        f.once('connect', () => {
          if (++connected === QUEUED) resolve();
        });
      }
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { port, close };
}
