import { expect } from 'chai';
import { from, map } from 'rxjs';
import { ConfigError, ConnectError, type ServerEvent } from '@rxmsg/node';
import { RawSocket, eventually } from '@rxmsg/test-utils';
import {
  DEFAULT_MATCH_CONFIG,
  DEFAULT_THRESHOLDS,
  Umpire,
  createRandom,
  playMatch,
  playMatches,
  playerSeed,
  simulateMatch,
  startServer,
  type ClientGameProcessor,
  type MatchConfig,
  type MatchResult,
  type PingPongServer,
} from '@rxmsg-examples/ping-pong';
import { WireReader, frame, line } from './wire';

const SEEDED: MatchConfig = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 5, seed: 42 };

/** A client game processor that rewrites its first turn: the cheat under test. */
function cheatOnFirstTurn(rewrite: (turn: { n: number; player: 'client' | 'server'; draw: number; event: string }) => object) {
  return (honest: ClientGameProcessor): ClientGameProcessor =>
    (incoming$, peer) =>
      from(honest(incoming$, peer)).pipe(map((m) => (m.kind === 'Turn' && m.n === 1 ? ({ ...m, ...rewrite(m) } as typeof m) : m)));
}

describe('ping-pong over loopback TCP', () => {
  let server: PingPongServer;
  let address: string;
  let results: MatchResult[];
  let events: ServerEvent[];

  beforeEach(async () => {
    server = await startServer({ listen: 'tcp://127.0.0.1:0' });
    address = server.addresses()[0]!;
    results = [];
    events = [];
    server.results$.subscribe((r) => results.push(r));
    server.events$.subscribe((e) => events.push(e));
  });

  afterEach(() => server.close());

  const serverResult = async (match: number | null): Promise<MatchResult> => {
    await eventually(() => results.some((r) => r.match === match), 1500, `server result of match ${match}`);
    return results.find((r) => r.match === match)!;
  };

  it('replays a match from its seed: seed 42, first to 5, ends client 3 - server 5 after 48 turns, on both sides', async () => {
    const first = await playMatch({ connect: address, config: SEEDED });
    expect(first).to.deep.include({
      side: 'client',
      outcome: 'finished',
      score: { client: 3, server: 5 },
      winner: 'server',
      turns: 48,
      endorsed: true,
      seed: 42,
      reason: null,
    });
    const second = await playMatch({ connect: address, config: SEEDED });
    expect(second.history).to.deep.equal(first.history);
    expect(first.history).to.deep.equal(simulateMatch(SEEDED).history);

    const onServer = await serverResult(first.match);
    expect(onServer).to.deep.include({ side: 'server', outcome: 'finished', score: { client: 3, server: 5 }, winner: 'server', endorsed: true });
    expect(onServer.history).to.deep.equal(first.history);
    expect([onServer.messagesIn, onServer.messagesOut]).to.deep.equal([first.messagesOut, first.messagesIn]);
    const trail = events.filter((e) => 'peerId' in e && e.peerId === first.match && e.type !== 'connected').map((e) => ('protocol' in e ? `${e.type} ${e.protocol}` : e.type === 'disconnected' ? `${e.type} ${e.reason}` : e.type));
    expect(trail).to.deep.equal([
      'protocol-entered pregame',
      'protocol-left pregame',
      'protocol-entered game',
      'protocol-left game',
      'protocol-entered goodbye',
      'protocol-left goodbye',
      'disconnected completed',
    ]);
  });

  it('refuses an incompatible version, and the server closes', async () => {
    const result = await playMatch({ connect: address, config: SEEDED, version: 2 });
    expect(result).to.deep.include({ outcome: 'rejected', match: null, reason: 'incompatible version 2; supported: 1', turns: 0 });
    await eventually(() => results.length === 1);
    expect(results[0]).to.deep.include({ side: 'server', outcome: 'rejected', reason: 'incompatible version 2; supported: 1' });
    expect(events.filter((e) => e.type === 'protocol-entered').map((e) => e.type === 'protocol-entered' && e.protocol)).to.deep.equal(['pregame']);
  });

  it('answers a raw Hello of another version with Incompatible, byte for byte, then ends the connection', async () => {
    const raw = await RawSocket.connect(address);
    await raw.write('{"kind":"Hello","version":2}\n');
    await raw.ended;
    expect(raw.received().toString('utf8')).to.equal(
      '{"kind":"Incompatible","version":2,"supported":[1],"reason":"incompatible version 2; supported: 1"}\n',
    );
  });

  it('cancels the game of a client whose reported event disagrees with its draw, and tells it why', async () => {
    const result = await playMatch({
      connect: address,
      config: SEEDED,
      wrapGame: cheatOnFirstTurn((t) => ({ event: t.event === 'ball-out' ? 'service' : 'ball-out' })),
    });
    const draw = simulateMatch(SEEDED).history[0]!;
    const reason = `turn 1: client reported ball-out but draw ${draw.draw} is ${draw.event}`;
    expect(draw.event).to.not.equal('ball-out');
    expect(result).to.deep.include({ outcome: 'cancelled', cancelledBy: 'server', reason, endorsed: null });
    const onServer = await serverResult(result.match);
    expect(onServer).to.deep.include({ outcome: 'cancelled', cancelledBy: 'server', reason, turns: 0 });
    expect(events.some((e) => e.type === 'protocol-entered' && e.protocol === 'goodbye')).to.equal(false);
    expect(events.find((e) => e.type === 'disconnected')).to.deep.include({ reason: 'completed' });
  });

  it('cancels a client that reports a draw giving another event than the one it claims', async () => {
    // Seed 42's first client draw is a good service; the cheat claims a service with a mishit draw.
    expect(simulateMatch(SEEDED).history[0]).to.deep.include({ player: 'client', event: 'service' });
    const result = await playMatch({ connect: address, config: SEEDED, wrapGame: cheatOnFirstTurn(() => ({ draw: 0.01 })) });
    expect(result).to.deep.include({ outcome: 'cancelled', cancelledBy: 'server', reason: 'turn 1: client reported service but draw 0.01 is soft-mishit' });
    expect((await serverResult(result.match)).reason).to.equal(result.reason);
  });

  it('cancels a client that plays a turn as the wrong player', async () => {
    const result = await playMatch({ connect: address, config: SEEDED, wrapGame: cheatOnFirstTurn(() => ({ player: 'server' })) });
    expect(result).to.deep.include({ outcome: 'cancelled', cancelledBy: 'server', reason: "wrong player: client reported turn 1 as server's" });
    expect((await serverResult(result.match)).outcome).to.equal('cancelled');
  });

  it('plays a whole match with a client written from PROTOCOL.md (raw bytes, another MessagePack library)', async () => {
    const config: MatchConfig = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 3, seed: 5 };
    const raw = await RawSocket.connect(address);
    const wire = new WireReader(raw);
    await raw.write(line({ kind: 'Hello', version: 1 }));
    expect(await wire.line()).to.deep.equal({ kind: 'Welcome', version: 1 });
    await raw.write(line({ kind: 'Config', ...config }));
    expect(await wire.line()).to.have.property('kind', 'Start');
    const umpire = new Umpire(config);
    const random = createRandom(playerSeed(5, 'client'));
    while (!umpire.over) {
      if (umpire.state.turn === 'client') {
        const out: Buffer[] = [];
        while (!umpire.over && umpire.state.turn === 'client') {
          const draw = random();
          const r = umpire.call('client', draw);
          if (!r.ok) throw new Error(r.reason);
          out.push(frame({ kind: 'Turn', n: r.ruling.n, player: 'client', draw, event: r.ruling.event }));
        }
        // The last game frame and the first goodbye line may share a write.
        if (umpire.over) out.push(line({ kind: 'Endorse', score: umpire.state.score }));
        await raw.write(Buffer.concat(out));
      } else {
        const turn = await wire.frame();
        expect(turn).to.include({ kind: 'Turn', n: umpire.state.turns + 1, player: 'server' });
        const r = umpire.call('server', turn['draw'] as number);
        expect(r.ok && r.ruling.event).to.equal(turn['event']);
        if (umpire.over) await raw.write(line({ kind: 'Endorse', score: umpire.state.score }));
      }
    }
    expect(umpire.state.score).to.deep.equal(simulateMatch(config).score);
    expect(await wire.line()).to.deep.equal({ kind: 'Goodbye', score: umpire.state.score, agreed: true });
    await raw.ended;
    expect(wire.rest().length).to.equal(0);
    await eventually(() => results.length === 1);
    expect(results[0]).to.deep.include({ outcome: 'finished', score: umpire.state.score, endorsed: true });
  });

  it('answers undecodable lines and invalid configs with Error and keeps waiting', async () => {
    const raw = await RawSocket.connect(address);
    const wire = new WireReader(raw);
    await raw.write('not json\n');
    expect(await wire.line()).to.deep.include({ kind: 'Error', code: 'MESSAGE_MALFORMED' });
    await raw.write(line({ kind: 'Config', ...DEFAULT_MATCH_CONFIG }));
    expect(await wire.line()).to.deep.include({ kind: 'Error', code: 'UNEXPECTED_MESSAGE' });
    await raw.write(line({ kind: 'Hello', version: 1 }));
    expect(await wire.line()).to.deep.equal({ kind: 'Welcome', version: 1 });
    await raw.write(line({ kind: 'Config', ...DEFAULT_MATCH_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, mishit: 0.5 } }));
    const invalid = await wire.line();
    expect(invalid).to.deep.include({ kind: 'Error', code: 'MESSAGE_INVALID' });
    expect(invalid['message']).to.match(/thresholds\.preBounce/);
    await raw.write(line({ kind: 'Config', ...DEFAULT_MATCH_CONFIG, scoreLimit: 1 }));
    expect(await wire.line()).to.deep.equal({ kind: 'Start', match: 1 });
    raw.destroy();
    await eventually(() => results.length === 1);
    expect(results[0]).to.deep.include({ outcome: 'abandoned' });
  });

  it('cancels a game whose client stalls past the turn timeout', async () => {
    const quick = await startServer({ listen: 'tcp://127.0.0.1:0', turnTimeoutMs: 50 });
    const quickResults: MatchResult[] = [];
    quick.results$.subscribe((r) => quickResults.push(r));
    try {
      const raw = await RawSocket.connect(quick.addresses()[0]!);
      const wire = new WireReader(raw);
      await raw.write(Buffer.concat([line({ kind: 'Hello', version: 1 })]));
      await wire.line();
      await raw.write(line({ kind: 'Config', ...DEFAULT_MATCH_CONFIG }));
      await wire.line();
      expect(await wire.frame()).to.deep.equal({ kind: 'Cancel', reason: 'timeout: no message from the client within 50 ms' });
      await raw.ended;
      await eventually(() => quickResults.length === 1);
      expect(quickResults[0]).to.deep.include({ outcome: 'cancelled', cancelledBy: 'server' });
    } finally {
      await quick.close();
    }
  });

  it('plays matches concurrently and counts the messages in and out of both sides', async () => {
    const summary = await playMatches({ connect: address, matches: 4, concurrency: 2, seed: 1, config: { ...DEFAULT_MATCH_CONFIG, scoreLimit: 3 } });
    expect(summary.results.map((r) => r.outcome)).to.deep.equal(['finished', 'finished', 'finished', 'finished']);
    expect(summary.results.map((r) => r.seed)).to.deep.equal([1, 2, 3, 4]);
    summary.results.forEach((r) => expect(r.score).to.deep.equal(simulateMatch({ ...DEFAULT_MATCH_CONFIG, scoreLimit: 3, seed: r.seed! }).score));
    expect(summary.messagesIn).to.equal(summary.results.reduce((n, r) => n + r.messagesIn, 0));
    expect(summary.inPerSecond).to.be.greaterThan(0);
    expect(summary.outPerSecond).to.be.greaterThan(0);
    await eventually(() => results.length === 4);
    expect(results.reduce((n, r) => n + r.messagesIn, 0)).to.equal(summary.messagesOut);
    expect(results.reduce((n, r) => n + r.messagesOut, 0)).to.equal(summary.messagesIn);
  });

  it('rejects an invalid config before connecting, and an unreachable server with ConnectError', async () => {
    const bad = { ...DEFAULT_MATCH_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, ballOut: 0.2 } };
    const error: unknown = await playMatch({ connect: address, config: bad }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError).and.have.property('code', 'CONFIG_INVALID');
    const gone = await startServer({ listen: 'tcp://127.0.0.1:0' });
    const closedAddress = gone.addresses()[0]!;
    await gone.close();
    const refused: unknown = await playMatch({ connect: closedAddress }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(ConnectError).and.have.property('code', 'CONNECT_FAILED');
    expect(results).to.deep.equal([]);
  });
});
