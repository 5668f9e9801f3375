import { expect } from 'chai';
import { DisconnectReason } from '@rxmsg/soe';
import { decodeSoeDatagram } from '@rxmsg/soe/internal';
import { hex } from './hex';
import { openPair, sessionPair } from './support/soe-session-pair';

describe('SoeSession liveness', () => {
  it('sends a Heartbeat after 25 s without sending, and the server answers it', () => {
    const [client, server] = openPair(sessionPair());
    expect(client.nextDeadline()).to.equal(25_000);
    expect(client.poll(24_999)).to.deep.equal([]);
    const beat = client.poll(25_000);
    expect(beat.map((d) => decodeSoeDatagram(d, client.params))).to.deep.equal([{ kind: 'heartbeat' }]);
    server.receive(beat[0]!, 25_010);
    expect(server.nextDeadline()).to.equal(25_010);
    const answer = server.poll(25_010);
    expect(answer.map((d) => decodeSoeDatagram(d, server.params))).to.deep.equal([{ kind: 'heartbeat' }]);
    client.receive(answer[0]!, 25_020);
    expect(client.nextDeadline()).to.equal(50_000);
    expect(client.stats().heartbeatsSent).to.equal(1);
    expect(server.stats().heartbeatsReceived).to.equal(1);
    expect(client.state).to.equal('open');
  });

  it('the heartbeat interval is configurable, and 0 turns it off', () => {
    const [client] = openPair(sessionPair({ heartbeatMs: 0, inactivityMs: 90_000 }));
    expect(client.nextDeadline()).to.equal(90_000);
    const [c2] = openPair(sessionPair({ heartbeatMs: 5000 }));
    expect(c2.nextDeadline()).to.equal(5000);
  });

  it('ends after 30 s without receiving anything, sending Disconnect(Timeout)', () => {
    const [client] = openPair(sessionPair());
    client.poll(25_000); // its heartbeat goes unanswered
    expect(client.nextDeadline()).to.equal(30_000);
    expect(client.poll(29_999)).to.deep.equal([]);
    expect(client.state).to.equal('open');
    const out = client.poll(30_000);
    expect(client.state).to.equal('ended');
    expect(client.ended).to.deep.include({ reason: 'timeout', sentReason: DisconnectReason.Timeout, at: 30_000 });
    expect(client.ended?.error?.code).to.equal('TIMEOUT');
    expect(out.map((d) => decodeSoeDatagram(d, client.params))).to.deep.equal([{ kind: 'disconnect', sessionId: 0x0a0b0c0d, reason: DisconnectReason.Timeout }]);
    expect(client.nextDeadline()).to.equal(undefined);
    expect(client.poll(40_000)).to.deep.equal([]);
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
