/**
 * `npm run cluster -w @rxmsg-examples/ping-pong`: the ping-pong server on 2 worker processes
 * (`--workers N`) sharing one port (`--listen tcp://host:port`, default tcp://127.0.0.1:4000),
 * restarted with backoff when one crashes, drained on SIGINT/SIGTERM. With `--play N` it plays N
 * matches against the cluster, prints which workers served, closes it and exits (1 if a match
 * did not finish cleanly).
 */
import { extname, join } from 'node:path';
import { runCluster } from '@rxmsg/cluster';
import { formatSummary } from './format-result';
import { playMatches } from './play-matches';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};

async function main(): Promise<void> {
  const cluster = await runCluster({
    // The worker module next to this one (dist/*.js, or src/*.ts under ts-node).
    worker: join(__dirname, `cluster-worker${extname(__filename)}`),
    workers: Number(opt('--workers') ?? 2),
    env: { PING_PONG_LISTEN: opt('--listen') ?? 'tcp://127.0.0.1:4000' },
    handleSignals: true,
  });
  cluster.events$.subscribe((e) => {
    if (e.type === 'worker-exit' && !e.expected) console.error(`worker ${e.slot} (node ${e.node}) exited: code ${e.code}, signal ${e.signal}`);
    if (e.type === 'restart-scheduled') console.error(`worker ${e.slot} restarts in ${e.delayMs} ms`);
  });
  const address = cluster.addresses()[0]!;
  console.log(`ping-pong cluster: ${cluster.workers().length} workers listening on ${address}`);
  const play = opt('--play');
  if (play === undefined) return; // serve until SIGINT/SIGTERM
  const summary = await playMatches({ connect: address, matches: Number(play), concurrency: 4, seed: 1 });
  console.log(formatSummary(summary));
  const served = await cluster.snapshot({ timeoutMs: 5000 });
  console.log(`workers answering: ${served.workers.filter((w) => w.snapshot !== undefined).length}`);
  await cluster.close();
  const bad = summary.results.filter((r) => r.outcome !== 'finished' || r.endorsed !== true);
  if (bad.length > 0) process.exitCode = 1;
  console.log(`matches finished cleanly: ${summary.results.length - bad.length} of ${summary.results.length}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
