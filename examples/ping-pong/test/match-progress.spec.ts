import { expect } from 'chai';
import { DEFAULT_MATCH_CONFIG, Game, ProgressTracker, createMatchState, type MatchProgress, type Ruling } from '@rxmsg-examples/ping-pong';

/** Good shots of each point, in order (the last entry: the point in play, or the last one scored). */
function rallies(history: readonly Ruling[]): number[] {
  const out = [0];
  history.forEach((r, i) => {
    if (i > 0 && history[i - 1]!.outcome === 'point') out.push(0);
    if (r.outcome === 'flip') out[out.length - 1]!++;
  });
  return out;
}

describe('ProgressTracker', () => {
  it('reports every ruling once, and the rally of the point in play or just scored, over whole matches', () => {
    for (let seed = 0; seed < 20; seed++) {
      const config = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 4, seed };
      const state = createMatchState('client');
      state.game = Game.create('client', config);
      state.match = 7;
      const server = Game.create('server', config);
      const tracker = new ProgressTracker();
      const progress: MatchProgress[] = [tracker.next(state)];
      const client = state.game;
      while (!client.over) {
        if (client.ourTurn) for (const report of client.play()) server.check(report);
        else for (const report of server.play()) client.check(report);
        const p = tracker.next(state);
        progress.push(p);
        const expected = rallies(client.history);
        expect(p.rally, `seed ${seed} turn ${p.turns}`).to.equal(expected[expected.length - 1]);
        expect(p.longestRally).to.equal(Math.max(...expected));
      }
      expect(progress.flatMap((p) => p.rulings)).to.deep.equal(client.history);
      expect(progress[progress.length - 1]).to.deep.include({ match: 7, score: client.score, turns: client.history.length });
      expect(tracker.next(state).rulings).to.deep.equal([]);
    }
  });

  it('reports a state without a game as 0–0, no turns', () => {
    const p = new ProgressTracker().next(createMatchState('client'));
    expect(p).to.deep.equal({ match: null, score: { client: 0, server: 0 }, turns: 0, rally: 0, longestRally: 0, rulings: [], messagesIn: 0, messagesOut: 0 });
  });
});
