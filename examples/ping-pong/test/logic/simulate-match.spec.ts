import { expect } from 'chai';
import { DEFAULT_MATCH_CONFIG, Game, simulateMatch } from '@rxmsg-examples/ping-pong';

describe('simulateMatch and Game', () => {
  it('replays a seeded match exactly: seed 42, first to 5, ends 3-5 after 48 turns', () => {
    const config = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 5, seed: 42 };
    const a = simulateMatch(config);
    expect(a.score).to.deep.equal({ client: 3, server: 5 });
    expect(a.winner).to.equal('server');
    expect(a.history).to.have.length(48);
    expect(simulateMatch(config).history).to.deep.equal(a.history);
  });

  it('ends every match at the score limit with alternating, checked turns', () => {
    for (let seed = 0; seed < 50; seed++) {
      const m = simulateMatch({ ...DEFAULT_MATCH_CONFIG, scoreLimit: 3, seed });
      expect(Math.max(m.score.client, m.score.server)).to.equal(3);
      expect(Math.min(m.score.client, m.score.server)).to.be.below(3);
      m.history.forEach((r, i) => expect(r.n).to.equal(i + 1));
    }
  });

  it('plays only on its own turn and reports what its umpire ruled', () => {
    const config = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 1, seed: 19 };
    const server = Game.create('server', config);
    expect(server.play()).to.deep.equal([]);
    const client = Game.create('client', config);
    const opening = client.play();
    expect(opening.map((t) => t.event)).to.deep.equal(['net-touch', 'service']);
    for (const t of opening) expect(server.check(t).ok).to.equal(true);
    expect(server.ourTurn).to.equal(true);
  });
});
