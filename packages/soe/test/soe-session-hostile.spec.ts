import { expect } from 'chai';
import fc from 'fast-check';
import { DisconnectReason, SoeSession, type SoeSessionParams } from '@rxmsg/soe';
import { decodeSoeDatagram, encodeSoeDatagram } from '@rxmsg/soe/internal';
import { openPair, sessionPair } from './support/soe-session-pair';

/** Exchanges datagrams between an open pair until both are quiet (no loss), returning what each delivered. */
function exchange(client: SoeSession, server: SoeSession, from: number): [Uint8Array[], Uint8Array[]] {
  const got: [Uint8Array[], Uint8Array[]] = [[], []];
  let now = from;
  for (let round = 0; round < 100; round++) {
    const a = client.poll(now);
    const b = server.poll(now);
    for (const d of a) got[1].push(...server.receive(d, now));
    for (const d of b) got[0].push(...client.receive(d, now));
    if (a.length === 0 && b.length === 0 && client.idle && server.idle) break;
    now += 10;
  }
  return got;
}

function stillWorks(client: SoeSession, server: SoeSession, now: number): void {
  expect(client.state).to.equal('open');
  expect(server.state).to.equal('open');
  client.send(new Uint8Array([1, 2, 3]));
  server.send(new Uint8Array([4, 5]));
  const got = exchange(client, server, now);
  expect(got[1].map((b) => Array.from(b))).to.deep.equal([[1, 2, 3]]);
  expect(got[0].map((b) => Array.from(b))).to.deep.equal([[4, 5]]);
}

describe('SoeSession hostile input', () => {
  it('random datagrams never throw and never stop an open session', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 600 }), { maxLength: 40 }), fc.boolean(), (datagrams, toServer) => {
        const [client, server] = openPair(sessionPair({}, { crcLength: 4 }));
        const target = toServer ? server : client;
        for (const d of datagrams) expect(target.receive(d, 1)).to.deep.equal([]);
        stillWorks(client, server, 2);
      }),
      { numRuns: 200 },
    );
  });

  it('random datagrams never throw at a session that is negotiating', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 100 }), { maxLength: 20 }), (datagrams) => {
        const [client, server] = sessionPair();
        client.start(0);
        server.start(0);
        for (const d of datagrams) {
          client.receive(d, 1);
          server.receive(d, 1);
        }
        expect(client.state).to.be.oneOf(['negotiating', 'open', 'closing', 'ended']);
      }),
      { numRuns: 200 },
    );
  });

  it('drops and counts bad CRCs, truncated packets, unknown op codes and stray control packets', () => {
    const [client, server] = openPair(sessionPair());
    client.send(new Uint8Array([7]));
    const good = client.poll(1)[0]!;
    const badCrc = good.slice();
    badCrc[badCrc.length - 1]! ^= 0xff;
    server.receive(badCrc, 2);
    server.receive(good.subarray(0, 3), 2);
    server.receive(new Uint8Array([0x00, 0x7f, 1, 2, 3, 4]), 2);
    server.receive(encodeSoeDatagram({ kind: 'unknown-sender' }), 2);
    server.receive(encodeSoeDatagram({ kind: 'session-response', sessionId: 1, crcSeed: 2, crcLength: 2, compression: false, udpLength: 512, protocolVersion: 3 }), 2);
    server.receive(encodeSoeDatagram({ kind: 'disconnect', sessionId: 12345, reason: DisconnectReason.Application }, server.params), 2);
    const s = server.stats();
    expect(s.droppedCrc).to.equal(1);
    expect(s.droppedMalformed).to.equal(1);
    expect(s.droppedUnknownOpCode).to.equal(1);
    expect(s.droppedUnexpected).to.equal(3);
    expect(server.receive(good, 3).map((b) => Array.from(b))).to.deep.equal([[7]]);
    stillWorks(client, server, 4);
  });

  it('a flood of SessionRequests on an open session is dropped, a repeat of its own is answered', () => {
    const [client, server] = openPair(sessionPair());
    for (let i = 0; i < 1000; i++) {
      server.receive(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: i, udpLength: 512, applicationProtocol: 'hello' }), 1);
    }
    expect(server.stats().droppedUnexpected).to.equal(1000);
    expect(server.poll(1)).to.deep.equal([]);
    server.receive(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: 0x0a0b0c0d, udpLength: 512, applicationProtocol: 'hello' }), 1);
    const answer = server.poll(1);
    expect(answer.map((d) => decodeSoeDatagram(d).kind)).to.deep.equal(['session-response']);
    client.receive(answer[0]!, 2); // a stray response on an open client: dropped
    stillWorks(client, server, 3);
  });

  it('session-context packets before negotiation are dropped and counted', () => {
    const [, server] = sessionPair();
    server.start(0);
    const plain: SoeSessionParams = { crcSeed: 0, crcLength: 0, compression: false };
    server.receive(encodeSoeDatagram({ kind: 'reliable-data', sequence: 0, data: new Uint8Array([1]) }, plain), 1);
    server.receive(encodeSoeDatagram({ kind: 'heartbeat' }, plain), 1);
    server.receive(encodeSoeDatagram({ kind: 'disconnect', sessionId: 0, reason: 6 }, plain), 1);
    expect(server.state).to.equal('negotiating');
    expect(server.stats().droppedBeforeNegotiation).to.equal(3);
  });

  it('a complete length beyond the maximum ends the session with Disconnect(CorruptPacket), allocating nothing', () => {
    const [, server] = openPair(sessionPair({}, { maxPayloadBytes: 1000 }));
    const params = server.params as SoeSessionParams;
    server.receive(encodeSoeDatagram({ kind: 'reliable-data-fragment', sequence: 0, totalLength: 0xffff_ffff, data: new Uint8Array(10) }, params), 1);
    expect(server.ended?.reason).to.equal('corrupt-data');
    expect(server.ended?.error?.code).to.equal('SOE_TOO_LARGE');
    expect(server.stats().reliable?.stashed).to.equal(0);
    const out = server.poll(1);
    expect(out.map((d) => decodeSoeDatagram(d, params))).to.deep.equal([{ kind: 'disconnect', sessionId: 0x0a0b0c0d, reason: DisconnectReason.CorruptPacket }]);
  });

  it('a payload over maxPayloadBytes is refused by send with FRAME_TOO_LARGE', () => {
    const [client] = openPair(sessionPair({ maxPayloadBytes: 100 }));
    expect(() => client.send(new Uint8Array(101))).to.throw().with.property('code', 'FRAME_TOO_LARGE');
  });

  it('send reports backpressure instead of growing', () => {
    const [client] = openPair(sessionPair({ reliable: { sendQueuePayloads: 4, sendWindowPackets: 2 } }));
    let accepted = 0;
    while (accepted < 10_000 && client.send(new Uint8Array(2000))) accepted += 1;
    expect(accepted).to.be.lessThan(10);
    expect(client.writable).to.equal(false);
  });
});
