import { join } from 'node:path';
import type * as Cluster from '@rxmsg/cluster';
import type { ClientRun, RunningServer, ServerRun, SystemAdapter } from '../system-adapter';
import type { WorkloadName } from '../workloads';
import { rxmsgTcpText } from './rxmsg';

/** Workers of the cluster. */
const WORKERS = 2;

/** Why a single-connection workload has no cluster row. */
const ONE_CONNECTION =
  'one connection lands on one worker: a single-connection workload measures `rxmsg-tcp-text` plus the primary\'s ' +
  'hand-off of the connection, not what a cluster adds (the multi-connection rows do)';

const notRun = (workloads: readonly WorkloadName[], reason: string): Readonly<Partial<Record<WorkloadName, string>>> =>
  Object.fromEntries(workloads.map((w) => [w, reason]));

/**
 * rxmsg in cluster mode: the server process runs `runCluster` (@rxmsg/cluster) with 2 workers,
 * each `createServer` over TCP with the text codec (`rxmsg-cluster-worker.ts`, the echo of
 * `rxmsg-tcp-text`); Node's cluster module hands each accepted connection to a worker. The client
 * is `rxmsg-tcp-text`'s. Neither process is pinned: the workers need both CPUs, which the client
 * process shares with them.
 */
export const rxmsgCluster2TcpText: SystemAdapter = {
  name: 'rxmsg-cluster2-tcp-text',
  family: 'rxmsg',
  description:
    `rxmsg in cluster mode: runCluster (@rxmsg/cluster) with ${WORKERS} workers in the server process, each createServer over TCP ` +
    '(127.0.0.1, the port shared through node:cluster, which hands each accepted connection to a worker), text codec, ' +
    'the processor of `rxmsg-tcp-text`; the client is `rxmsg-tcp-text`\'s. Not pinned: the primary, the 2 workers and the ' +
    'client process share both CPUs, so the row measures what the 2 workers give when the load runs on the same 2 CPUs ' +
    '(the other rows pin the server to one CPU and the client to the other; see `npm run bench:cluster` for a cluster ' +
    'against a cheaper load). No server RSS per connection (–): the connections live in the workers, and the server ' +
    'process whose memory the harness reads is the primary',
  settings: `${WORKERS} workers, restart off, rxmsg defaults in each worker; no CPU pinning (see the description)`,
  unpinned: 'a cluster of 2 workers needs both CPUs',
  serverMemoryElsewhere: 'the connections live in the workers; the server process measured is the primary',
  notApplicable: {
    ...notRun(['ping-pong', 'one-way', 'pipelined'], ONE_CONNECTION),
    handover: 'the handover row of `rxmsg-tcp-text` measures the same stack; one connection at a time lands on one worker',
    'idle-10k':
      "the client side is `rxmsg-tcp-text`'s, and the server's connections live in 2 worker processes whose memory the " +
      'harness does not read (it reads the server process, the primary)',
  },

  async serve(run: ServerRun): Promise<RunningServer> {
    if (run.kind !== 'echo') throw new Error('rxmsg-cluster2-tcp-text serves the request workloads only');
    // require() returns `any`: the cast gives it the type of the module it loads (loaded only by the process running this system).
    const { runCluster } = require('@rxmsg/cluster') as typeof Cluster;
    const cluster = await runCluster({ worker: join(__dirname, 'rxmsg-cluster-worker.js'), workers: WORKERS, restart: false, execArgv: [] });
    const events = cluster.events$.subscribe((e) => {
      if (e.type === 'worker-exit' && !e.expected) run.problem(`cluster: worker ${e.pid} exited (${e.signal ?? `code ${e.code}`})`);
      else if (e.type === 'worker-error') run.problem(`cluster: worker error: ${e.error.message}`);
      else if (e.type === 'worker-killed') run.problem(`cluster: worker ${e.pid} killed (${e.reason})`);
    });
    return {
      address: cluster.addresses()[0]!,
      close: async () => {
        await cluster.close();
        events.unsubscribe();
      },
    };
  },

  runClient(run: ClientRun): Promise<void> {
    return rxmsgTcpText.runClient(run);
  },
};
