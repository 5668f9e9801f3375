import { expect } from 'chai';
import {
  DEFAULT_MATCH_CONFIG,
  DEFAULT_THRESHOLDS,
  MAX_SERVICE_ATTEMPTS,
  Umpire,
  classifyDraw,
  type MatchConfig,
  type TurnEvent,
} from '@rxmsg-examples/ping-pong';

const config: MatchConfig = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 2 };
/** The draw that, in a rally, maps onto `value`. */
const rallyDraw = (value: number) => (value - DEFAULT_THRESHOLDS.netTouch) / (1 - DEFAULT_THRESHOLDS.netTouch);

describe('classifyDraw', () => {
  const service: [number, TurnEvent][] = [
    [0, 'soft-mishit'],
    [0.0299, 'soft-mishit'],
    [0.03, 'net-touch'],
    [0.08, 'no-bounce'],
    [0.1, 'no-rebate'],
    [0.16, 'mishit'],
    [0.19, 'pre-bounce'],
    [0.21, 'net-block'],
    [0.25, 'ball-out'],
    [0.2999, 'ball-out'],
    [0.3, 'service'],
    [0.9999, 'service'],
  ];
  for (const [draw, event] of service) {
    it(`service draw ${draw} is ${event}`, () => expect(classifyDraw(DEFAULT_THRESHOLDS, 'service', draw)).to.equal(event));
  }

  const rally: [number, TurnEvent][] = [
    [0, 'no-bounce'],
    [rallyDraw(0.11), 'no-rebate'],
    [rallyDraw(0.2), 'pre-bounce'],
    [rallyDraw(0.29), 'ball-out'],
    [rallyDraw(0.31), 'rebate'],
    [0.9999, 'rebate'],
  ];
  for (const [draw, event] of rally) {
    it(`rally draw ${draw.toFixed(4)} is ${event} (no soft faults in a rally)`, () =>
      expect(classifyDraw(DEFAULT_THRESHOLDS, 'rally', draw)).to.equal(event));
  }
});

describe('Umpire', () => {
  it('starts at 0-0 with the client serving', () => {
    const u = new Umpire(config);
    expect(u.state).to.deep.include({ score: { client: 0, server: 0 }, serving: 'client', turn: 'client', phase: 'service', attempt: 1, turns: 0, winner: null });
  });

  it('flips the turn on a good service and on every rebate', () => {
    const u = new Umpire(config);
    const s = u.call('client', 0.5);
    expect(s.ok && [s.ruling.event, s.ruling.outcome]).to.deep.equal(['service', 'flip']);
    expect(u.state).to.deep.include({ turn: 'server', phase: 'rally', attempt: 0 });
    const r = u.call('server', 0.9);
    expect(r.ok && r.ruling.event).to.equal('rebate');
    expect(u.state.turn).to.equal('client');
  });

  it('lets the server retry after soft faults and gives the point away on the third', () => {
    const u = new Umpire(config);
    for (let attempt = 1; attempt < MAX_SERVICE_ATTEMPTS; attempt++) {
      const r = u.call('client', attempt === 1 ? 0.01 : 0.05);
      expect(r.ok && [r.ruling.event, r.ruling.outcome]).to.deep.equal([attempt === 1 ? 'soft-mishit' : 'net-touch', 'retry']);
      expect(u.state).to.deep.include({ turn: 'client', attempt: attempt + 1 });
    }
    const third = u.call('client', 0.05);
    expect(third.ok && [third.ruling.event, third.ruling.outcome, third.ruling.pointTo]).to.deep.equal(['net-touch', 'point', 'server']);
    expect(u.state).to.deep.include({ score: { client: 0, server: 1 }, serving: 'server', turn: 'server', phase: 'service', attempt: 1 });
  });

  it('gives the point to the opponent of a hard fault, who then serves, and ends at the score limit', () => {
    const u = new Umpire(config);
    u.call('client', 0.5); // service
    const fault = u.call('server', 0); // rally: no-bounce
    expect(fault.ok && [fault.ruling.event, fault.ruling.pointTo]).to.deep.equal(['no-bounce', 'client']);
    expect(u.state).to.deep.include({ score: { client: 1, server: 0 }, serving: 'client', turn: 'client' });
    const out = u.call('client', 0.26); // service ball-out
    expect(out.ok && out.ruling.pointTo).to.equal('server');
    expect(u.state.serving).to.equal('server');
    u.call('server', 0.09); // no-bounce on service
    expect(u.state).to.deep.include({ score: { client: 2, server: 1 }, winner: 'client' });
    expect(u.over).to.equal(true);
    const after = u.call('client', 0.5);
    expect(after.ok).to.equal(false);
  });

  it('refuses a turn by the wrong player or with a draw outside [0, 1), without changing state', () => {
    const u = new Umpire(config);
    for (const [player, draw] of [
      ['server', 0.5],
      ['client', 1],
      ['client', -0.1],
      ['client', Number.NaN],
    ] as const) {
      const r = u.call(player, draw);
      expect(r.ok, `${player} ${draw}`).to.equal(false);
    }
    expect(u.state.turns).to.equal(0);
  });
});
