/**
 * The worker module of the ping-pong cluster ({@link ./cluster.ts}): the same ping-pong server as
 * `npm run server`, once per worker process; the workers share the port through Node's cluster.
 */
import { clusterWorker } from '@rxmsg/cluster';
import { startServer } from './server';

void clusterWorker(() => startServer({ listen: process.env.PING_PONG_LISTEN ?? 'tcp://127.0.0.1:4000' }));
