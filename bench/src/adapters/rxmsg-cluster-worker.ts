/**
 * A worker of the `rxmsg-cluster2-tcp-text` system: started by `runCluster` (in the bench's
 * server process), it serves `rxmsg-tcp-text`'s echo (each `Ping n` answered with `Pong n`) over
 * TCP, text codec, default config. Abnormal server events go to stderr, which the bench parent
 * prints and keeps for a failed run's report.
 */
import { clusterWorker } from '@rxmsg/cluster';
import { loadRxmsg } from './bench-protocols';
import { abnormal } from './rxmsg-common';

const { node, rxjs, protocols } = loadRxmsg();
void clusterWorker(async () => {
  const server = await node.createServer({
    listen: 'tcp://127.0.0.1:0',
    protocol: protocols.text,
    processor: (incoming$) => incoming$.pipe(rxjs.map((m) => ({ kind: 'Pong', n: m.n }) as const)),
  });
  server.events$.subscribe((e) => {
    const text = abnormal(`cluster worker ${process.pid}`, e);
    if (text !== undefined) process.stderr.write(`${text}\n`);
  });
  return server;
});
