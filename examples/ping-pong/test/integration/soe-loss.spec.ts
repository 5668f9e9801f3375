import { expect } from 'chai';
import type { ServerEvent } from '@rxmsg/node';
import { eventually, udpFaultProxy, type UdpFaultProxy } from '@rxmsg/test-utils';
import { DEFAULT_MATCH_CONFIG, playMatches, simulateMatch, startServer, type MatchConfig, type MatchResult, type PingPongServer } from '@rxmsg-examples/ping-pong';

/** Full matches (first to 11, the default), replayable from their seeds. */
const FULL: MatchConfig = { ...DEFAULT_MATCH_CONFIG };
/** Drops the first datagram of each direction (a SessionRequest, a SessionResponse), whatever the interleaving of the two matches. */
const PROXY_SEED = 96;

describe('ping-pong over soe:// through a lossy UDP proxy', () => {
  let server: PingPongServer;
  let proxy: UdpFaultProxy;
  let results: MatchResult[];
  let events: ServerEvent[];

  beforeEach(async () => {
    server = await startServer({ listen: 'soe://127.0.0.1:0' });
    results = [];
    events = [];
    server.results$.subscribe((r) => results.push(r));
    server.events$.subscribe((e) => events.push(e));
    const port = Number(new URL(server.addresses()[0]!).port);
    proxy = await udpFaultProxy({ upstream: { port }, seed: PROXY_SEED, faults: { drop: 0.1 } });
  });

  afterEach(async () => {
    await proxy.close();
    await server.close();
  });

  it('listens on soe:// with the real port (the default application protocol is not spelled out)', () => {
    expect(server.addresses()[0]).to.match(/^soe:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });

  it('plays two full matches at once to the end at 10% loss each way: both sides agree on every turn, the scores are the seeds\' and the proxy dropped datagrams', async () => {
    const summary = await playMatches({ connect: `soe://127.0.0.1:${proxy.address.port}`, matches: 2, concurrency: 2, seed: 7, config: FULL });
    const counters = proxy.counters();
    // Figures for the report: loss counters and match durations.
    console.log(
      `      soe 10% loss: dropped ${counters.toUpstream.dropped}/${counters.toUpstream.received} to the server, ${counters.toClient.dropped}/${counters.toClient.received} to the clients; ` +
        `matches ${summary.results.map((r) => `${r.turns} turns in ${r.durationMs} ms`).join(', ')}`,
    );
    expect(summary.results.map((r) => r.outcome)).to.deep.equal(['finished', 'finished']);
    expect(summary.results.map((r) => r.seed)).to.deep.equal([7, 8]);
    for (const r of summary.results) {
      const expected = simulateMatch({ ...FULL, seed: r.seed! });
      expect(r).to.deep.include({ side: 'client', endorsed: true, reason: null, score: expected.score, turns: expected.history.length });
      expect(r.history).to.deep.equal(expected.history);
      expect(Math.max(r.score.client, r.score.server)).to.equal(11);
    }
    await eventually(() => results.length === 2, 5000, 'both server results');
    for (const client of summary.results) {
      const onServer = results.find((r) => r.match === client.match)!;
      expect(onServer).to.deep.include({ side: 'server', outcome: 'finished', score: client.score, endorsed: true });
      expect(onServer.history).to.deep.equal(client.history);
      expect([onServer.messagesIn, onServer.messagesOut]).to.deep.equal([client.messagesOut, client.messagesIn]);
    }
    expect(events.filter((e) => e.type === 'disconnected').map((e) => e.type === 'disconnected' && e.reason)).to.deep.equal(['completed', 'completed']);
    expect(counters.toUpstream.dropped).to.be.greaterThan(0);
    expect(counters.toClient.dropped).to.be.greaterThan(0);
  });
});
