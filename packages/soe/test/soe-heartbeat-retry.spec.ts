import { expect } from 'chai';
import { resolveSoeSessionOptions } from '@rxmsg/soe/internal';
import { openPair, sessionPair } from './support/soe-session-pair';

/**
 * An answer that arrives at the same clock reading as its heartbeat is an answer (an earlier
 * version compared `lastReceivedAt <= heartbeatAt` and took it for none). With a millisecond clock (the `clock` option, e.g. `Date.now`; a virtual one) and
 * a sub-millisecond round trip (loopback, a LAN), every heartbeat of an idle session is answered
 * "at the same ms", and such a client heartbeated every `heartbeatRetryMs` (3.3 s) for ever instead of
 * every `heartbeatMs` (10 s): three times the heartbeat traffic a server of many idle sessions gets.
 */
describe('SOE heartbeat defaults and retry', () => {
  it('an answered heartbeat (answer received at the same ms it was sent) does not switch to retry pacing', () => {
    const [client, server] = openPair(sessionPair());
    const sentAt: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = client.nextDeadline() as number;
      const beat = client.poll(t);
      sentAt.push(t);
      // The server answers within the same millisecond (loopback): same clock reading on both ends.
      for (const d of beat) server.receive(d, t);
      for (const d of server.poll(t)) client.receive(d, t);
    }
    expect(client.state).to.equal('open');
    // Every heartbeat was answered: a full heartbeatMs apart.
    expect(sentAt).to.deep.equal([10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
  });

  it('a short inactivityMs (under 3 ms) does not silently turn the default heartbeat off (0 = never)', () => {
    for (const inactivityMs of [1, 2, 2.5]) {
      const o = resolveSoeSessionOptions({ role: 'client', applicationProtocol: 'Test', inactivityMs });
      expect(o.heartbeatMs, `inactivityMs ${inactivityMs}`).to.be.greaterThan(0);
    }
  });

  it('a client that raises only its own inactivityMs still keeps an idle session with a default server alive', () => {
    // The heartbeat keeps the *peer* from timing out, but its default now follows this end's own
    // inactivityMs: a client tolerant of a slow server (120 s) heartbeats every 40 s, and a server
    // on the defaults (30 s, the SOE documentation's value) ends every idle session of it. Before
    // round three the default was 25 s whatever the client's own timeout.
    const [client, server] = openPair(sessionPair({ inactivityMs: 120_000 }, {}));
    for (let step = 0; step < 1000 && server.state === 'open'; step++) {
      const t = Math.min(client.nextDeadline() ?? Infinity, server.nextDeadline() ?? Infinity);
      if (t > 100_000) break;
      for (const d of client.poll(t)) server.receive(d, t);
      for (const d of server.poll(t)) client.receive(d, t);
    }
    expect(server.ended?.reason).to.equal(undefined, 'the server ended the idle session');
    expect(server.state).to.equal('open');
  });
});
