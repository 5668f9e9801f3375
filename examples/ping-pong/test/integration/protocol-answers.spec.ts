import { expect } from 'chai';
import { RawSocket, within } from '@rxmsg/test-utils';
import {
  DEFAULT_GOODBYE_TIMEOUT_MS,
  DEFAULT_MATCH_CONFIG,
  DEFAULT_PREGAME_TIMEOUT_MS,
  DEFAULT_THRESHOLDS,
  DEFAULT_TURN_TIMEOUT_MS,
  Umpire,
  createRandom,
  playerSeed,
  startServer,
  type MatchConfig,
} from '@rxmsg-examples/ping-pong';
import { docTable, matchTranscript } from './transcript';
import { WireReader, frame, line } from './wire';

/** Seed 42: the client's first draw is a good service, so the server answers turn 1 with turn 2. */
const SEEDED: MatchConfig = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 5, seed: 42 };
const CLOSE_WAIT_MS = 10_000;

/** A connection to a fresh server, and how to read what it says. */
interface Peer {
  readonly raw: RawSocket;
  readonly wire: WireReader;
}

/** What a reply is, as the table of 3.4 names it: `Start`, `Cancel`, `Error CODE`. */
function answerOf(message: Record<string, unknown>): string {
  return message['kind'] === 'Error' ? `Error ${String(message['code'])}` : String(message['kind']);
}

async function welcomed({ raw, wire }: Peer): Promise<void> {
  await raw.write(line({ kind: 'Hello', version: 1 }));
  expect(await wire.line()).to.deep.equal({ kind: 'Welcome', version: 1 });
}

async function started(peer: Peer): Promise<void> {
  await welcomed(peer);
  await peer.raw.write(line({ kind: 'Config', ...SEEDED }));
  expect(await peer.wire.line()).to.have.property('kind', 'Start');
}

/** The game goes on: the client's honest first turn is answered by the server's turn 2. */
async function gameGoesOn({ raw, wire }: Peer): Promise<void> {
  const draw = createRandom(playerSeed(SEEDED.seed!, 'client'))();
  const ruling = new Umpire(SEEDED).call('client', draw);
  if (!ruling.ok) throw new Error(ruling.reason);
  await raw.write(frame({ kind: 'Turn', n: 1, player: 'client', draw, event: ruling.ruling.event }));
  expect(await wire.frame()).to.include({ kind: 'Turn', n: 2, player: 'server' });
}

/** Each row of PROTOCOL.md 3.4, keyed `state | the client sends`: sends it, returns the first answer, checks the `then` column. */
interface Scenario {
  readonly turnTimeoutMs?: number;
  run(peer: Peer): Promise<string>;
}

const SCENARIOS: Record<string, Scenario> = {
  'pre-game | `Config` before `Hello`': {
    async run(peer) {
      await peer.raw.write(line({ kind: 'Config', ...SEEDED }));
      const answer = answerOf(await peer.wire.line());
      await welcomed(peer);
      return answer;
    },
  },
  'pre-game | a second `Hello`, after `Welcome`': {
    async run(peer) {
      await welcomed(peer);
      await peer.raw.write(line({ kind: 'Hello', version: 1 }));
      const answer = answerOf(await peer.wire.line());
      await peer.raw.write(line({ kind: 'Config', ...SEEDED }));
      expect(await peer.wire.line()).to.have.property('kind', 'Start');
      return answer;
    },
  },
  'pre-game | `Config` without `thresholds`': {
    async run(peer) {
      await welcomed(peer);
      await peer.raw.write(line({ kind: 'Config', scoreLimit: 3 }));
      const reply = await peer.wire.line();
      expect(reply['message']).to.match(/thresholds/);
      await peer.raw.write(line({ kind: 'Config', ...SEEDED }));
      expect(await peer.wire.line()).to.have.property('kind', 'Start');
      return answerOf(reply);
    },
  },
  'pre-game | `Config` with thresholds not increasing': {
    async run(peer) {
      await welcomed(peer);
      await peer.raw.write(line({ kind: 'Config', ...SEEDED, thresholds: { ...DEFAULT_THRESHOLDS, mishit: 0.5 } }));
      const reply = await peer.wire.line();
      expect(reply['message']).to.match(/thresholds\.preBounce/);
      return answerOf(reply);
    },
  },
  'game | a `Turn` with an invalid field that also breaks a rule (`n` 0, `player` `"umpire"`, `draw` `"x"`)': {
    async run(peer) {
      await started(peer);
      await peer.raw.write(frame({ kind: 'Turn', n: 0, player: 'umpire', draw: 'x', event: 'service' }));
      const answer = answerOf(await peer.wire.frame());
      await gameGoesOn(peer);
      return answer;
    },
  },
  'game | a valid `Turn` that breaks a rule (`n` 5 as the first turn)': {
    async run(peer) {
      await started(peer);
      await peer.raw.write(frame({ kind: 'Turn', n: 5, player: 'client', draw: 0.5, event: 'service' }));
      const answer = answerOf(await peer.wire.frame());
      await within(peer.raw.ended, CLOSE_WAIT_MS, 'the server to close');
      return answer;
    },
  },
  'game | an empty frame (`L` = 0)': {
    async run(peer) {
      await started(peer);
      await peer.raw.write(Buffer.from('00000000', 'hex'));
      const answer = answerOf(await peer.wire.frame());
      await gameGoesOn(peer);
      return answer;
    },
  },
  'game | a frame of 65 537 bytes': {
    async run(peer) {
      await started(peer);
      const oversized = Buffer.alloc(4 + 65_537, 0x61);
      oversized.writeUInt32BE(65_537, 0);
      await peer.raw.write(oversized);
      const answer = answerOf(await peer.wire.frame());
      await gameGoesOn(peer);
      return answer;
    },
  },
  'game | a `Hello` line (text)': {
    async run(peer) {
      await started(peer);
      await peer.raw.write(line({ kind: 'Hello', version: 1 }));
      const answer = answerOf(await peer.wire.frame());
      await within(peer.raw.ended, CLOSE_WAIT_MS, 'the server to close');
      return answer;
    },
  },
  'goodbye | a `Hello` line': {
    async run({ raw, wire }) {
      // PROTOCOL.md 5.2 up to the last game frame, then a Hello instead of the Endorse.
      const writes = matchTranscript();
      await raw.write(writes[0]!.bytes);
      expect(await wire.line()).to.have.property('kind', 'Welcome');
      await raw.write(writes[2]!.bytes);
      expect(await wire.line()).to.have.property('kind', 'Start');
      await raw.write(writes[4]!.bytes);
      expect(await wire.frame()).to.include({ kind: 'Turn', n: 3 });
      await raw.write(writes[6]!.bytes);
      expect(await wire.frame()).to.include({ kind: 'Turn', n: 5 });
      await raw.write(line({ kind: 'Hello', version: 1 }));
      const answer = answerOf(await wire.line());
      await raw.write(writes[8]!.bytes);
      expect(await wire.line()).to.deep.equal({ kind: 'Goodbye', score: { client: 1, server: 0 }, agreed: true });
      return answer;
    },
  },
};

describe('PROTOCOL.md, checked against the server', () => {
  const rows = docTable('### 3.4 What the server answers to a message out of place or out of shape');

  it('section 3.4 has one row per scenario of this test, and this test one scenario per row', () => {
    expect(rows.map((r) => `${r[0]} | ${r[1]}`)).to.have.members(Object.keys(SCENARIOS));
  });

  for (const row of rows) {
    const key = `${row[0]} | ${row[1]}`;
    const expected = (row[2] ?? '').replace(/`/g, '');
    it(`3.4: ${key} → ${expected}`, async () => {
      const scenario = SCENARIOS[key];
      if (scenario === undefined) throw new Error(`no scenario for the row "${key}"`);
      const server = await startServer({
        listen: 'tcp://127.0.0.1:0',
        ...(scenario.turnTimeoutMs === undefined ? {} : { turnTimeoutMs: scenario.turnTimeoutMs }),
      });
      try {
        const raw = await RawSocket.connect(server.addresses()[0]!);
        try {
          expect(await scenario.run({ raw, wire: new WireReader(raw) })).to.equal(expected);
        } finally {
          raw.destroy();
        }
      } finally {
        await server.close();
      }
    });
  }

  it('section 4.1 states the deadlines the server and the client apply by default', () => {
    const deadlines = Object.fromEntries(docTable('### 4.1 Deadlines').map((r) => [r[0], Number(r[2])]));
    expect(deadlines).to.deep.equal({
      'pre-game': DEFAULT_PREGAME_TIMEOUT_MS,
      game: DEFAULT_TURN_TIMEOUT_MS,
      goodbye: DEFAULT_GOODBYE_TIMEOUT_MS,
    });
  });
});
