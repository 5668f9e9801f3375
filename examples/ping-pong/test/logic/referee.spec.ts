import { expect } from 'chai';
import { DEFAULT_MATCH_CONFIG, Umpire, referee, type TurnReport } from '@rxmsg-examples/ping-pong';

const honest: TurnReport = { n: 1, player: 'client', draw: 0.5, event: 'service' };

describe('referee', () => {
  it('accepts and applies an honest report', () => {
    const u = new Umpire(DEFAULT_MATCH_CONFIG);
    const v = referee(u, honest, 'client');
    expect(v.ok && v.ruling.event).to.equal('service');
    expect(u.state.turns).to.equal(1);
  });

  const cheats: [string, TurnReport, RegExp][] = [
    ['an event that disagrees with the draw', { ...honest, event: 'ball-out' }, /reported ball-out but draw 0\.5 is service/],
    ['a draw that gives another event', { ...honest, draw: 0.01 }, /reported service but draw 0\.01 is soft-mishit/],
    ['the wrong player', { ...honest, player: 'server' }, /wrong player/],
    ['a turn out of sequence', { ...honest, n: 2 }, /out of sequence/],
    ['a draw of 1', { ...honest, draw: 1 }, /outside \[0, 1\)/],
  ];
  for (const [name, report, reason] of cheats) {
    it(`cancels ${name} and leaves the umpire unchanged`, () => {
      const u = new Umpire(DEFAULT_MATCH_CONFIG);
      const v = referee(u, report, 'client');
      expect(v.ok).to.equal(false);
      if (!v.ok) expect(v.reason).to.match(reason);
      expect(u.state.turns).to.equal(0);
    });
  }

  it('cancels a turn played when it is not the sender’s turn', () => {
    const u = new Umpire(DEFAULT_MATCH_CONFIG);
    const v = referee(u, { n: 1, player: 'server', draw: 0.5, event: 'service' }, 'server');
    expect(v.ok).to.equal(false);
    if (!v.ok) expect(v.reason).to.match(/wrong player/);
  });
});
