import { expect } from 'chai';
import { DisconnectReason, SoeSession } from '@rxmsg/soe';
import { decodeSoeDatagram, encodeSoeDatagram, PLAIN_SESSION } from '@rxmsg/soe/internal';
import { hex } from './hex';
import { fixedRandom as fixed, sessionPair as pair } from './support/soe-session-pair';

describe('SoeSession negotiation', () => {
  it('the handshake is the transcript of docs/soe.md, built by the wire encoder', () => {
    const [client, server] = pair();
    client.start(0);
    server.start(0);
    expect(server.poll(0)).to.deep.equal([]);
    const request = client.poll(0);
    expect(request.map(hex)).to.deep.equal([
      hex(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: 0x0a0b0c0d, udpLength: 512, applicationProtocol: 'hello' })),
    ]);
    expect(hex(request[0]!)).to.equal('00 01 00 00 00 03 0a 0b 0c 0d 00 00 02 00 68 65 6c 6c 6f 00');
    server.receive(request[0]!, 1);
    expect(server.state).to.equal('open');
    const response = server.poll(1);
    expect(response.map(hex)).to.deep.equal(['00 02 0a 0b 0c 0d aa bb cc dd 02 00 00 00 00 02 00 00 00 00 03']);
    client.receive(response[0]!, 2);
    expect(client.state).to.equal('open');
    expect(client.params).to.deep.equal({ crcSeed: 0xaabbccdd, crcLength: 2, compression: false });
    expect(client.sessionId).to.equal(0x0a0b0c0d);
    expect(server.crcSeed).to.equal(0xaabbccdd);
    expect(server.applicationProtocol).to.equal('hello');
  });

  it('the client takes the handshake round trip as its reliable channel\'s first RTT sample, unless it had to resend its request', () => {
    const [client, server] = pair();
    client.start(0);
    server.start(0);
    for (const d of client.poll(0)) server.receive(d, 3);
    for (const d of server.poll(3)) client.receive(d, 6);
    expect(client.stats().reliable?.srttMs).to.equal(6);

    const [late, other] = pair();
    late.start(0);
    other.start(0);
    late.poll(0); // lost
    const resent = late.poll(1000);
    for (const d of resent) other.receive(d, 1001);
    for (const d of other.poll(1001)) late.receive(d, 1002);
    expect(late.state).to.equal('open');
    expect(late.stats().reliable?.srttMs).to.equal(undefined);
  });

  it('negotiates the smaller UDP length and the server\'s CRC length and compression', () => {
    const [client, server] = pair({ udpLength: 1400 }, { udpLength: 900, crcLength: 4, compression: true });
    client.start(0);
    server.start(0);
    server.receive(client.poll(0)[0]!, 0);
    client.receive(server.poll(0)[0]!, 0);
    expect(client.udpLength).to.equal(900);
    expect(server.udpLength).to.equal(900);
    expect(client.params).to.deep.equal({ crcSeed: 0xaabbccdd, crcLength: 4, compression: true });
  });

  it('resends the request until answered, and the server answers a repeated request again', () => {
    const [client, server] = pair();
    client.start(0);
    server.start(0);
    const first = client.poll(0);
    expect(client.nextDeadline()).to.equal(1000);
    expect(client.poll(999)).to.deep.equal([]);
    const again = client.poll(1000);
    expect(again.map(hex)).to.deep.equal(first.map(hex));
    server.receive(first[0]!, 1000);
    const lost = server.poll(1000);
    expect(lost).to.have.length(1);
    server.receive(again[0]!, 1001);
    const answer = server.poll(1001);
    expect(answer.map(hex)).to.deep.equal(lost.map(hex));
    client.receive(answer[0]!, 1002);
    expect(client.state).to.equal('open');
  });

  for (const [what, request] of [
    ['an application protocol the server does not host', { protocolVersion: 3, applicationProtocol: 'other' }],
    ['another protocol version', { protocolVersion: 2, applicationProtocol: 'hello' }],
  ] as const) {
    it(`refuses ${what} with Disconnect(ProtocolMismatch), and the client ends`, () => {
      const [client, server] = pair();
      server.start(0);
      server.receive(encodeSoeDatagram({ kind: 'session-request', sessionId: 0x0a0b0c0d, udpLength: 512, ...request }), 5);
      expect(server.state).to.equal('closing');
      expect(server.ended?.reason).to.equal('protocol-mismatch');
      expect(server.ended?.sentReason).to.equal(DisconnectReason.ProtocolMismatch);
      const out = server.poll(5);
      expect(server.state).to.equal('ended');
      expect(decodeSoeDatagram(out[0]!, PLAIN_SESSION)).to.deep.equal({ kind: 'disconnect', sessionId: 0x0a0b0c0d, reason: DisconnectReason.ProtocolMismatch });
      client.start(0);
      client.poll(0);
      client.receive(out[0]!, 6);
      expect(client.state).to.equal('ended');
      expect(client.ended?.reason).to.equal('protocol-mismatch');
      expect(client.ended?.peerReason).to.equal(DisconnectReason.ProtocolMismatch);
      expect(client.ended?.error?.code).to.equal('CLOSED');
    });
  }

  it('a server given a predicate hosts the names it accepts', () => {
    const server = new SoeSession({ role: 'server', applicationProtocols: (n) => n.startsWith('game/'), random: fixed(7) });
    server.start(0);
    server.receive(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: 1, udpLength: 512, applicationProtocol: 'game/ping' }), 0);
    expect(server.state).to.equal('open');
    expect(server.applicationProtocol).to.equal('game/ping');
  });

  it('a client refuses a response of another version', () => {
    const [client] = pair();
    client.start(0);
    client.poll(0);
    client.receive(encodeSoeDatagram({ kind: 'session-response', sessionId: 0x0a0b0c0d, crcSeed: 1, crcLength: 2, compression: false, udpLength: 512, protocolVersion: 4 }), 3);
    expect(client.ended?.reason).to.equal('protocol-mismatch');
    const out = client.poll(3);
    expect(decodeSoeDatagram(out[0]!, PLAIN_SESSION)).to.deep.equal({ kind: 'disconnect', sessionId: 0x0a0b0c0d, reason: DisconnectReason.ProtocolMismatch });
  });

  it('a response for another session id is dropped and counted', () => {
    const [client] = pair();
    client.start(0);
    client.poll(0);
    client.receive(encodeSoeDatagram({ kind: 'session-response', sessionId: 99, crcSeed: 1, crcLength: 2, compression: false, udpLength: 512, protocolVersion: 3 }), 3);
    expect(client.state).to.equal('negotiating');
    expect(client.stats().droppedUnexpected).to.equal(1);
  });

  it('a client refuses a response with a UDP length above the one it asked for', () => {
    const [client] = pair({ udpLength: 200 });
    client.start(0);
    client.poll(0);
    client.receive(encodeSoeDatagram({ kind: 'session-response', sessionId: 0x0a0b0c0d, crcSeed: 1, crcLength: 2, compression: false, udpLength: 516, protocolVersion: 3 }), 3);
    expect(client.ended).to.deep.include({ reason: 'protocol-mismatch', sentReason: DisconnectReason.ProtocolMismatch });
  });
});
