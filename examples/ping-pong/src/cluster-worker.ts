/**
 * The worker module of the ping-pong cluster ({@link ./cluster.ts}): the same ping-pong server as
 * `npm run server`, once per worker process; the workers share the port through Node's cluster.
 * Its rooms take the cluster's IPC adapter: without it every worker would number its peers from
 * node 0 (ids 1, 2, … in each worker), and `sendTo(id)` / `nodeOfPeer(id)` could not tell the
 * workers' peers apart.
 */
import { clusterWorker } from '@rxmsg/cluster';
import { createRooms } from '@rxmsg/node';
import { startServer } from './server';

void clusterWorker(({ adapter }) => startServer({ listen: process.env.PING_PONG_LISTEN ?? 'tcp://127.0.0.1:4000', rooms: createRooms({ adapter }) }));
