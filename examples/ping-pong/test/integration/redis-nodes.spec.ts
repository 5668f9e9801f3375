import { expect } from 'chai';
import { PEER_ID_NODE_STRIDE, nodeOfPeer } from '@rxmsg/node';
import { requireRedisServer, startRedisServer, type RedisServer } from '@rxmsg/test-utils';
import { runOnTwoNodes } from '../../src/redis-nodes';

describe('ping-pong as two nodes over one Redis (examples/ping-pong/src/redis-nodes.ts)', function () {
  this.timeout(120_000);
  let redis: RedisServer | undefined;
  before(async function () {
    requireRedisServer(this);
    redis = await startRedisServer();
  });
  after(() => redis?.stop());

  it('plays matches on both nodes; one node sees both in its cluster-wide snapshot, each peer id naming its node', async () => {
    const run = await runOnTwoNodes({ url: redis!.url, matches: 2 });
    expect(run.nodes[0]).to.not.equal(run.nodes[1]);
    for (const summary of run.summaries) expect(summary.results.map((r) => r.outcome)).to.deep.equal(['finished', 'finished']);
    expect(run.snapshot.nodes.map((n) => n.node)).to.deep.equal([...run.nodes]);
    for (const n of run.snapshot.nodes) {
      expect(n.snapshot?.connections.length, `node ${n.node}`).to.be.above(0);
      for (const c of n.snapshot!.connections) {
        expect(nodeOfPeer(c.id)).to.equal(n.node);
        expect(c.id).to.be.above(PEER_ID_NODE_STRIDE);
      }
    }
  });
});
