import { expect } from 'chai';
import type { SoeSession, SoeSessionCommonOptions } from '@rxmsg/soe';
import { openPair, sessionPair } from './support/soe-session-pair';

/**
 * Many idle sessions on virtual time, as 10,000 SOE clients in one process against one server
 * socket: the clients' event loop is blocked for a while (sessions being set up, a long GC), so
 * the heartbeats due meanwhile all go out at once when it unblocks; until `lossUntil` (the server
 * busy too, setting sessions up), its socket buffer holds `serverBurst` datagrams arriving in the
 * same millisecond and drops the rest (as a kernel UDP receive buffer does). Links take 1 ms;
 * nothing else is lost.
 */
interface Scenario {
  readonly sessions: number;
  readonly options: Partial<SoeSessionCommonOptions>;
  /** The clients' loop runs nothing (no timer, no datagram read) in [blockFrom, blockFrom + blockMs). */
  readonly blockFrom: number;
  readonly blockMs: number;
  readonly serverBurst: number;
  readonly lossUntil: number;
  readonly until: number;
}

interface Outcome {
  /** Server sessions that ended on their inactivity timeout. */
  readonly timedOut: number;
  /** Server-side datagrams dropped by the full socket buffer. */
  readonly dropped: number;
  readonly heartbeatsSent: number;
}

const OPEN_EVERY_MS = 10;
const LINK_MS = 1;

function run(s: Scenario): Outcome {
  const pairs: [SoeSession, SoeSession][] = [];
  // Sessions opened one after another, as a client process sets them up.
  for (let i = 0; i < s.sessions; i++) pairs.push(openPair(sessionPair(s.options, s.options), i * OPEN_EVERY_MS));
  const blockEnd = s.blockFrom + s.blockMs;
  const clientTime = (t: number): number => (t >= s.blockFrom && t < blockEnd ? blockEnd : t);
  /** Datagrams in flight: [arrival, pair index, to the server?, bytes]. */
  let flight: [number, number, boolean, Uint8Array][] = [];
  let dropped = 0;
  let now = 0;
  for (let step = 0; step < 100_000; step++) {
    // The next moment anything happens: a datagram arrives or a session's deadline comes.
    let next = Infinity;
    for (const [at, , toServer] of flight) next = Math.min(next, toServer ? at : clientTime(at));
    for (const [client, server] of pairs) {
      const c = client.nextDeadline();
      if (c !== undefined) next = Math.min(next, clientTime(Math.max(c, now)));
      const v = server.nextDeadline();
      if (v !== undefined) next = Math.min(next, Math.max(v, now));
    }
    if (next > s.until) break;
    now = next;
    const arriving = flight.filter(([at, , toServer]) => (toServer ? at : clientTime(at)) <= now);
    flight = flight.filter(([at, , toServer]) => (toServer ? at : clientTime(at)) > now);
    let burst = 0;
    for (const [, i, toServer, d] of arriving) {
      const [client, server] = pairs[i]!;
      if (!toServer) client.receive(d, now);
      else if (++burst > s.serverBurst && now < s.lossUntil) dropped++;
      else server.receive(d, now);
    }
    pairs.forEach(([client, server], i) => {
      const c = client.nextDeadline();
      if (c !== undefined && clientTime(Math.max(c, now)) <= now) for (const d of client.poll(now)) flight.push([now + LINK_MS, i, true, d]);
      const v = server.nextDeadline();
      if (v !== undefined && v <= now) for (const d of server.poll(now)) flight.push([now + LINK_MS, i, false, d]);
    });
  }
  expect(now, 'the run reached its end').to.be.greaterThan(s.until - 60_000);
  return {
    timedOut: pairs.filter(([, server]) => server.ended?.reason === 'timeout').length,
    dropped,
    heartbeatsSent: pairs.reduce((n, [client]) => n + client.stats().heartbeatsSent, 0),
  };
}

describe('SOE heartbeats at scale (virtual time)', () => {
  const SESSIONS = 200;
  /** Under the server's inactivity timeout: a blocked loop costs nothing by itself. */
  const SHORT_BLOCK_MS = 3_000;

  // What 10,000 SOE clients in one process met: their heartbeats, due together after a stall, overflowed
  // the busy server's socket buffer, and with one heartbeat per 25 s against a 30 s timeout a lost one
  // ended the session. An unanswered heartbeat is now retried; the defaults leave room for several.
  for (const [name, options, blockFrom] of [
    ['the defaults (10 s heartbeat, 30 s inactivity)', {}, 9_500],
    ['the old values (25 s heartbeat, 30 s inactivity)', { heartbeatMs: 25_000, inactivityMs: 30_000 }, 24_500],
  ] as const) {
    it(`with ${name}, every session outlives heartbeats dropped by a full server socket after a blocked client loop: unanswered heartbeats are retried`, () => {
      const blockEnd = blockFrom + SHORT_BLOCK_MS;
      const outcome = run({ sessions: SESSIONS, options, blockFrom, blockMs: SHORT_BLOCK_MS, serverBurst: 64, lossUntil: blockEnd + 100, until: 100_000 });
      expect(outcome.dropped).to.equal(SESSIONS - 64);
      expect(outcome.timedOut).to.equal(0);
    });
  }

  it('with the defaults, every session outlives a client loop blocked for longer than the old 5 s of slack', () => {
    const old = run({ sessions: SESSIONS, options: { heartbeatMs: 25_000, inactivityMs: 30_000 }, blockFrom: 24_500, blockMs: 8_000, serverBurst: Infinity, lossUntil: 0, until: 40_000 });
    expect(old.timedOut).to.equal(SESSIONS);
    const now = run({ sessions: SESSIONS, options: {}, blockFrom: 9_500, blockMs: 8_000, serverBurst: Infinity, lossUntil: 0, until: 120_000 });
    expect(now.timedOut).to.equal(0);
  });

  it('costs one heartbeat per session per interval while answered', () => {
    const outcome = run({ sessions: SESSIONS, options: {}, blockFrom: Infinity, blockMs: 0, serverBurst: Infinity, lossUntil: 0, until: 100_000 });
    expect(outcome.timedOut).to.equal(0);
    // At 10 s, 20 s, … 90 s after each session opened, and at 100 s for those opened first.
    expect(outcome.heartbeatsSent).to.be.within(SESSIONS * 9, SESSIONS * 10);
  });
});
