import { expect } from 'chai';
import type { ClusterEvent, ClusterWorkerServer, RunClusterOptions, WorkerSnapshot } from '@rxmsg/cluster';
import { createServer, defineProtocol } from '@rxmsg/node';
import { z } from 'zod';

// Type-level tests: `tsc -b` fails if a line marked @ts-expect-error compiles. Each test also
// asserts something at run time.

describe('cluster types', () => {
  it('options: worker is required; restart is a policy or false; unknown fields are refused', () => {
    const ok: RunClusterOptions[] = [{ worker: 'w.js' }, { worker: 'w.js', restart: false, ipc: { maxInFlight: 16 } }, { worker: 'w.js', restart: { minDelayMs: 50 } }];
    // @ts-expect-error worker is required
    const noWorker: RunClusterOptions = { workers: 2 };
    // @ts-expect-error restart is a policy object or false
    const restartTrue: RunClusterOptions = { worker: 'w.js', restart: true };
    // @ts-expect-error not an option
    const unknown: RunClusterOptions = { worker: 'w.js', reusePort: true };
    expect([ok.length, noWorker, restartTrue, unknown].length).to.equal(4);
  });

  it('events narrow by type', () => {
    const describe = (e: ClusterEvent): string => {
      switch (e.type) {
        case 'worker-exit':
          return `${e.node} ${e.code} ${e.signal} ${e.expected}`;
        case 'restart-scheduled':
          return `${e.delayMs}`;
        case 'ipc-dropped':
          return `${e.count} ${e.inFlight}`;
        default:
          // @ts-expect-error only worker-exit carries expected
          return String(e.expected);
      }
    };
    expect(describe({ type: 'restart-scheduled', slot: 0, delayMs: 100, failures: 1 })).to.equal('100');
  });

  it('a createServer handle is what a worker build returns; a snapshot error is one of three', () => {
    const P = defineProtocol({ name: 'p', tag: 'kind', client: { A: z.object({}) }, server: { B: z.object({}) } });
    const build = (): Promise<ClusterWorkerServer> => createServer({ listen: 'tcp://127.0.0.1:0', protocol: P, processor: () => [] });
    // @ts-expect-error not a snapshot error
    const bad: WorkerSnapshot = { slot: 0, node: 1, pid: 1, error: 'gone' };
    expect([typeof build, bad.node]).to.deep.equal(['function', 1]);
  });
});
