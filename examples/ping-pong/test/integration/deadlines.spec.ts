import { expect } from 'chai';
import { RawSocket, eventually, within } from '@rxmsg/test-utils';
import { DEFAULT_MATCH_CONFIG, playMatch, startServer, type MatchConfig, type MatchResult, type PingPongServer } from '@rxmsg-examples/ping-pong';
import { RawServer, replayServer } from './raw-server';
import { matchTranscript } from './transcript';
import { WireReader, line } from './wire';

/** The config of PROTOCOL.md 5.2, whose every byte the transcript gives. */
const TRANSCRIPT_CONFIG: MatchConfig = { ...DEFAULT_MATCH_CONFIG, scoreLimit: 1, seed: 19 };
/** A deadline short enough for a test, long enough not to cut a loopback exchange short. */
const DEADLINE_MS = 150;
/** How long a test waits for the close that the deadline causes, however loaded the machine. */
const CLOSE_WAIT_MS = 10_000;

describe('ping-pong stage deadlines', () => {
  describe('on the server, against a raw client that stops talking', () => {
    let server: PingPongServer;
    let results: MatchResult[];

    beforeEach(async () => {
      server = await startServer({
        listen: 'tcp://127.0.0.1:0',
        pregameTimeoutMs: DEADLINE_MS,
        turnTimeoutMs: DEADLINE_MS,
        goodbyeTimeoutMs: DEADLINE_MS,
      });
      results = [];
      server.results$.subscribe((r) => results.push(r));
    });

    afterEach(() => server.close());

    const closedWith = async (raw: RawSocket, wire: WireReader, message: string): Promise<void> => {
      await within(raw.ended, CLOSE_WAIT_MS, 'the server to close the connection');
      expect(await wire.line()).to.deep.equal({ kind: 'Error', code: 'TIMEOUT', message });
      expect(wire.rest().length).to.equal(0);
    };

    it('closes a connection that never says Hello, with Error TIMEOUT, at the pre-game deadline', async () => {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      await closedWith(raw, new WireReader(raw), `timeout: the pre-game did not end within ${DEADLINE_MS} ms`);
      await eventually(() => results.length === 1, CLOSE_WAIT_MS);
      expect(results[0]).to.deep.include({ outcome: 'rejected', reason: `timeout: the pre-game did not end within ${DEADLINE_MS} ms` });
    });

    it('closes a connection that stops after Welcome, with no Config, at the pre-game deadline', async () => {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      const wire = new WireReader(raw);
      await raw.write(line({ kind: 'Hello', version: 1 }));
      expect(await wire.line()).to.deep.equal({ kind: 'Welcome', version: 1 });
      await closedWith(raw, wire, `timeout: the pre-game did not end within ${DEADLINE_MS} ms`);
      await eventually(() => results.length === 1, CLOSE_WAIT_MS);
      expect(results[0]).to.deep.include({ outcome: 'rejected', match: null });
    });

    it('closes a connection that keeps sending refused messages: the pre-game deadline is for the whole state', async () => {
      const raw = await RawSocket.connect(server.addresses()[0]!);
      const wire = new WireReader(raw);
      await raw.write(line({ kind: 'Hello', version: 1 }));
      expect(await wire.line()).to.deep.equal({ kind: 'Welcome', version: 1 });
      // Each refused Hello reaches the stage and gets its Error before the next is sent, until the deadline answers instead.
      for (;;) {
        await raw.write(line({ kind: 'Hello', version: 1 }));
        const reply = await wire.line();
        if (reply['code'] === 'TIMEOUT') break;
        expect(reply).to.deep.include({ kind: 'Error', code: 'UNEXPECTED_MESSAGE' });
      }
      await within(raw.ended, CLOSE_WAIT_MS, 'the server to close the connection');
      expect(wire.rest().length).to.equal(0);
    });

    it('closes a connection whose client plays the match but never endorses, with Error TIMEOUT, at the goodbye deadline', async () => {
      const writes = matchTranscript();
      const raw = await RawSocket.connect(server.addresses()[0]!);
      let expected = Buffer.alloc(0);
      // PROTOCOL.md 5.2 up to the last game frame: every client write but the Endorse line.
      for (const w of writes.slice(0, -2)) {
        if (w.from === 'C') {
          await raw.until((s) => s.received().length >= expected.length, CLOSE_WAIT_MS);
          await raw.write(w.bytes);
        } else expected = Buffer.concat([expected, w.bytes]);
      }
      await within(raw.ended, CLOSE_WAIT_MS, 'the server to close the connection');
      const timeoutLine = `{"kind":"Error","code":"TIMEOUT","message":"timeout: no Endorse within ${DEADLINE_MS} ms"}\n`;
      expect(raw.received().toString('hex')).to.equal(Buffer.concat([expected, Buffer.from(timeoutLine)]).toString('hex'));
      await eventually(() => results.length === 1, CLOSE_WAIT_MS);
      expect(results[0]).to.deep.include({ outcome: 'finished', score: { client: 1, server: 0 }, endorsed: null });
    });
  });

  describe('on the client, against a raw server that stops talking', () => {
    let raw: RawServer | undefined;

    afterEach(async () => {
      await raw?.close();
      raw = undefined;
    });

    /** Play against a server that says the first `serverWrites` writes of PROTOCOL.md 5.2, then nothing. */
    const playAgainst = async (serverWrites: number): Promise<MatchResult> => {
      const writes = matchTranscript();
      raw = await RawServer.listen((socket) => replayServer(socket, writes, serverWrites));
      const result = await within(
        playMatch({
          connect: raw.address,
          config: TRANSCRIPT_CONFIG,
          pregameTimeoutMs: DEADLINE_MS,
          turnTimeoutMs: DEADLINE_MS,
          goodbyeTimeoutMs: DEADLINE_MS,
        }),
        CLOSE_WAIT_MS,
        'the client to give up',
      );
      await within(raw.clientEnded, CLOSE_WAIT_MS, 'the client to close its side');
      return result;
    };

    it('gives up and closes when the server never answers Hello', async () => {
      const result = await playAgainst(0);
      expect(result).to.deep.include({ outcome: 'rejected', reason: `timeout: the server did not start the game within ${DEADLINE_MS} ms` });
    });

    it('gives up and closes when the server welcomes it but never starts the game', async () => {
      const result = await playAgainst(1);
      expect(result).to.deep.include({ outcome: 'rejected', match: null, reason: `timeout: the server did not start the game within ${DEADLINE_MS} ms` });
    });

    it('cancels the game and closes when the server stops playing', async () => {
      const result = await playAgainst(2);
      expect(result).to.deep.include({
        outcome: 'cancelled',
        cancelledBy: 'client',
        turns: 2,
        reason: `timeout: no message from the server within ${DEADLINE_MS} ms`,
      });
    });

    it('stops waiting for Goodbye and closes when the server never says it', async () => {
      const result = await playAgainst(4);
      expect(result).to.deep.include({ outcome: 'finished', score: { client: 1, server: 0 }, endorsed: null });
    });
  });
});
