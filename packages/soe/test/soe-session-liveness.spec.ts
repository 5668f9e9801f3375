import { expect } from 'chai';
import { DisconnectReason } from '@rxmsg/soe';
import { decodeSoeDatagram } from '@rxmsg/soe/internal';
import { hex } from './hex';
import { openPair, sessionPair } from './support/soe-session-pair';

describe('SoeSession liveness', () => {
  it('sends a Heartbeat after 10 s (a third of the 30 s inactivity timeout) without sending, and the server answers it', () => {
    const [client, server] = openPair(sessionPair());
    expect(client.nextDeadline()).to.equal(10_000);
    expect(client.poll(9_999)).to.deep.equal([]);
    const beat = client.poll(10_000);
    expect(beat.map((d) => decodeSoeDatagram(d, client.params))).to.deep.equal([{ kind: 'heartbeat' }]);
    server.receive(beat[0]!, 10_010);
    expect(server.nextDeadline()).to.equal(10_010);
    const answer = server.poll(10_010);
    expect(answer.map((d) => decodeSoeDatagram(d, server.params))).to.deep.equal([{ kind: 'heartbeat' }]);
    client.receive(answer[0]!, 10_020);
    expect(client.nextDeadline()).to.equal(20_000);
    expect(client.stats().heartbeatsSent).to.equal(1);
    expect(server.stats().heartbeatsReceived).to.equal(1);
    expect(client.state).to.equal('open');
  });

  it('the heartbeat interval is configurable, and 0 turns it off; by default a third of the shorter of the inactivity timeout and its default', () => {
    const [client] = openPair(sessionPair({ heartbeatMs: 0, inactivityMs: 90_000 }));
    expect(client.nextDeadline()).to.equal(90_000);
    const [c2] = openPair(sessionPair({ heartbeatMs: 5000 }));
    expect(c2.nextDeadline()).to.equal(5000);
    const [c3] = openPair(sessionPair({ heartbeatMs: 25_000 }));
    expect(c3.nextDeadline()).to.equal(25_000);
    const [c4] = openPair(sessionPair({ inactivityMs: 90_000 }));
    // A longer timeout of its own does not make it beat too rarely for a peer on the defaults.
    expect(c4.nextDeadline()).to.equal(10_000);
  });

  it('a client whose heartbeat gets no answer sends another every min(heartbeat, slack) / 3, then ends after 30 s without receiving, sending Disconnect(Timeout)', () => {
    const [client] = openPair(sessionPair());
    const beats: number[] = [];
    let last: Uint8Array[] = [];
    for (let t = client.nextDeadline() as number; client.state === 'open'; t = client.nextDeadline() as number) {
      last = client.poll(t);
      if (client.state === 'open') beats.push(t);
    }
    // Heartbeats at 10 s, then retries every 3333 ms (a third of min(10 s, 30 s − 10 s)) while unanswered.
    expect(beats).to.deep.equal([10_000, 13_333, 16_666, 19_999, 23_332, 26_665, 29_998]);
    expect(client.stats().heartbeatsSent).to.equal(7);
    expect(client.state).to.equal('ended');
    expect(client.ended).to.deep.include({ reason: 'timeout', sentReason: DisconnectReason.Timeout, at: 30_000 });
    expect(client.ended?.error?.code).to.equal('TIMEOUT');
    expect(last.map((d) => decodeSoeDatagram(d, client.params))).to.deep.equal([{ kind: 'disconnect', sessionId: 0x0a0b0c0d, reason: DisconnectReason.Timeout }]);
    expect(client.nextDeadline()).to.equal(undefined);
    expect(client.poll(40_000)).to.deep.equal([]);
  });

  it('an answered retry ends the retries: the next heartbeat comes a full interval after the last send', () => {
    const [client, server] = openPair(sessionPair());
    client.poll(10_000); // lost
    const retry = client.poll(13_333);
    expect(retry.map((d) => decodeSoeDatagram(d, client.params))).to.deep.equal([{ kind: 'heartbeat' }]);
    server.receive(retry[0]!, 13_340);
    for (const d of server.poll(13_340)) client.receive(d, 13_350);
    expect(client.nextDeadline()).to.equal(23_333);
    expect(server.state).to.equal('open');
  });

  it('a server does not retry its own heartbeats (the client never answers them), and explicit options beyond the timeout retry no faster', () => {
    const [, server] = openPair(sessionPair());
    server.poll(10_000);
    expect(server.nextDeadline()).to.equal(20_000);
    const [client] = openPair(sessionPair({ heartbeatMs: 40_000, inactivityMs: 30_000 }));
    expect(client.nextDeadline()).to.equal(30_000);
  });

  it('a client that never gets an answer ends after the inactivity timeout', () => {
    const [client] = sessionPair({ inactivityMs: 5000 });
    client.start(0);
    let requests = 0;
    for (let t = 0; client.state !== 'ended'; t = client.nextDeadline() as number) requests += client.poll(t).length;
    expect(client.ended).to.deep.include({ reason: 'timeout', at: 5000 });
    expect(requests).to.equal(6); // at 0, 1000, 2000, 3000, 4000, then the Disconnect
  });

  it('ends with unacknowledged-timeout and Disconnect(UnacknowledgedTimeout) when data is never acknowledged', () => {
    const [client] = openPair(sessionPair({ inactivityMs: 60_000, reliable: { unacknowledgedTimeoutMs: 5000 } }));
    client.send(new Uint8Array([1, 2, 3]));
    client.poll(10);
    let last: Uint8Array[] = [];
    while (client.state === 'open') {
      const t = client.nextDeadline() as number;
      last = client.poll(t);
    }
    expect(client.ended).to.deep.include({ reason: 'unacknowledged-timeout', sentReason: DisconnectReason.UnacknowledgedTimeout, at: 5010 });
    expect(last.map((d) => decodeSoeDatagram(d, client.params))).to.deep.equal([{ kind: 'disconnect', sessionId: 0x0a0b0c0d, reason: DisconnectReason.UnacknowledgedTimeout }]);
  });

  it('close sends Disconnect(Application), the transcript of docs/soe.md, and the other side ends', () => {
    const [client, server] = openPair(sessionPair());
    client.close(100);
    expect(client.state).to.equal('closing');
    expect(client.send(new Uint8Array([1]))).to.equal(false);
    const out = client.poll(100);
    expect(out.map(hex)).to.deep.equal(['00 05 0a 0b 0c 0d 00 06 80 68']);
    expect(client.state).to.equal('ended');
    expect(client.ended).to.deep.include({ reason: 'closed', sentReason: DisconnectReason.Application, error: undefined });
    server.receive(out[0]!, 105);
    expect(server.state).to.equal('ended');
    expect(server.ended).to.deep.include({ reason: 'peer-disconnected', peerReason: DisconnectReason.Application, at: 105 });
    expect(server.ended?.error?.code).to.equal('CLOSED');
    expect(server.poll(106)).to.deep.equal([]);
  });

  it('a server that never hears a request ends after the inactivity timeout, telling no one', () => {
    const [, server] = sessionPair();
    server.start(0);
    expect(server.nextDeadline()).to.equal(30_000);
    expect(server.poll(30_000)).to.deep.equal([]);
    expect(server.state).to.equal('ended');
    expect(server.ended).to.deep.include({ reason: 'timeout', sentReason: undefined });
  });
});
