#!/usr/bin/env node
/**
 * The ping-pong server run as two nodes over one Redis (`@rxmsg/redis`): two servers, each with a
 * Redis rooms adapter in the same namespace, matches played against both, then one node's
 * cluster-wide snapshot, which lists the other node's connections too. In production each node is
 * its own process or machine; here both run in one process so that the example is one command:
 *
 * ```sh
 * npx tsc -b && node examples/ping-pong/dist/redis-nodes.js redis://127.0.0.1:6379
 * ```
 */
import { createRooms } from '@rxmsg/node';
import { redisRoomAdapter } from '@rxmsg/redis';
import type { ClusterSnapshot } from '@rxmsg/node';
import { formatSummary } from './format-result';
import { playMatches, type MatchesSummary } from './play-matches';
import { startServer } from './server';

/** What {@link runOnTwoNodes} saw. */
export interface TwoNodesRun {
  /** The node numbers the two servers claimed in Redis. */
  readonly nodes: readonly [number, number];
  /** The matches played against each node. */
  readonly summaries: readonly [MatchesSummary, MatchesSummary];
  /** Node A's `snapshotAll()` taken while a match was being played on each node. */
  readonly snapshot: ClusterSnapshot;
}

/**
 * Start two ping-pong nodes on `url`'s Redis, play `matches` matches against each (one held open
 * on each while the cluster-wide snapshot is taken), stop both.
 * @example
 * ```ts
 * const run = await runOnTwoNodes({ url: 'redis://127.0.0.1:6379', matches: 2 });
 * console.log(run.snapshot.nodes.map((n) => `${n.node}: ${n.snapshot?.connections.length}`));
 * ```
 */
export async function runOnTwoNodes(options: { readonly url: string; readonly matches: number; readonly namespace?: string }): Promise<TwoNodesRun> {
  const namespace = options.namespace ?? 'ping-pong';
  const node = () => startServer({ listen: 'tcp://127.0.0.1:0', rooms: createRooms({ adapter: redisRoomAdapter({ url: options.url, namespace }) }) });
  const a = await node();
  try {
    const b = await node();
    try {
      const play = (address: string, seed: number) => playMatches({ connect: address, matches: options.matches, concurrency: 1, seed });
      const [summaryA, summaryB] = await Promise.all([play(a.addresses()[0]!, 1), play(b.addresses()[0]!, 100)]);
      // One slow match on each node, so that the snapshot has something to show on both.
      const pending = Promise.all([playMatches({ connect: a.addresses()[0]!, matches: 1, concurrency: 1, seed: 7 }), playMatches({ connect: b.addresses()[0]!, matches: 1, concurrency: 1, seed: 8 })]);
      let snapshot = await a.snapshotAll();
      for (let i = 0; i < 200 && snapshot.nodes.some((n) => (n.snapshot?.connections.length ?? 0) === 0); i++) snapshot = await a.snapshotAll();
      await pending;
      const nodes = snapshot.nodes.map((n) => n.node);
      return { nodes: [nodes[0] ?? 0, nodes[1] ?? 0], summaries: [summaryA, summaryB], snapshot };
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
  }
}

if (require.main === module) {
  const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
  runOnTwoNodes({ url, matches: 3 }).then(
    (run) => {
      console.log(`node ${run.nodes[0]}: ${formatSummary(run.summaries[0])}`);
      console.log(`node ${run.nodes[1]}: ${formatSummary(run.summaries[1])}`);
      for (const n of run.snapshot.nodes) console.log(`snapshotAll from node ${run.nodes[0]}: node ${n.node} has ${n.snapshot?.connections.length ?? `no snapshot (${n.error})`} connection(s): ${n.snapshot?.connections.map((c) => c.id).join(', ') ?? ''}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
