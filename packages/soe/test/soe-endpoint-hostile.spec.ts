import { createSocket, type Socket } from 'node:dgram';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { parseAddress, type Connection, type Listener } from '@rxmsg/core';
import { soeTransport, type SoeTransport, type SoeTransportOptions } from '@rxmsg/soe';
import { SoeOpCode, decodeSoeDatagram, encodeSoeDatagram } from '@rxmsg/soe/internal';
import { HANDLE_KINDS, activeResources, eventually, leakedResources, settledHeapUsed, within } from '@rxmsg/test-utils';

const LOOPBACK = '127.0.0.1';
const KINDS: readonly string[] = [...HANDLE_KINDS, 'UDPWrap'];

/** A raw UDP socket on loopback. */
async function rawSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return socket;
}

const closeSocket = (socket: Socket): Promise<void> => new Promise((resolve) => socket.close(() => resolve()));

/** `SessionRequest` op code followed by `body`: no valid request whatever `body` is shorter than 13 bytes or lacks its NUL. */
const requestOpCodeWith = (...body: number[]): Uint8Array => new Uint8Array([0, SoeOpCode.SessionRequest, ...body]);

describe('SOE endpoint against hostile datagrams', () => {
  let transport: SoeTransport;
  let listener: Listener;
  let port: number;
  const connections: Connection[] = [];

  /** Listen on a fresh transport with `options`. */
  async function listen(options: SoeTransportOptions = {}): Promise<void> {
    transport = soeTransport(options);
    listener = await transport.listen(parseAddress(`soe://${LOOPBACK}:0`), (c) => connections.push(c), { noDelay: true });
    port = Number(new URL(listener.address).port);
  }

  afterEach(async () => {
    for (const c of connections.splice(0)) c.destroy();
    await listener.close();
  });

  it('opens no session for a datagram with the SessionRequest op code that is not a valid request, so the socket closes with its listener', async () => {
    const before = await activeResources();
    await listen();
    const attacker = await rawSocket();
    try {
      const junk = [
        requestOpCodeWith(),
        requestOpCodeWith(0, 0, 0, 3),
        requestOpCodeWith(0, 0, 0, 3, 1, 2, 3, 4, 0, 0, 2, 0, 0x72, 0x78), // no NUL after the application protocol
        requestOpCodeWith(0, 0, 0, 3, 1, 2, 3, 4, 0, 0, 2, 0, 0xff, 0), // not UTF-8
      ];
      // One attacker address, then more junk from it: before the fix, the first datagram made a
      // negotiating session no listener ever saw, held for the inactivity timeout (30 s).
      for (const d of junk) attacker.send(d, port, LOOPBACK);
      await eventually(() => (transport.endpointStats(LOOPBACK, port)?.datagramsReceived ?? 0) >= junk.length, 5000, 'the junk to arrive');
      expect(transport.endpointStats(LOOPBACK, port)).to.deep.include({ sessions: 0, unconfirmed: 0, opened: 0, droppedUnknown: junk.length });
      // A valid request from the same address still opens a session.
      attacker.send(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: 7, udpLength: 512, applicationProtocol: 'rxmsg' }), port, LOOPBACK);
      await eventually(() => transport.endpointStats(LOOPBACK, port)?.sessions === 1, 5000, 'the valid request to open a session');
      // Not handed over: the raw sender never proved it read the response.
      expect(connections).to.have.length(0);
      await listener.close();
      expect(transport.endpointStats(LOOPBACK, port)).to.equal(undefined);
    } finally {
      await closeSocket(attacker);
    }
    expect(await leakedResources(before, KINDS)).to.deep.equal([]);
  });

  it('keeps sessions whose address sent only junk after its request unconfirmed (evictable), so forged requests cannot fill maxSessions and a real client still gets in', async () => {
    await listen({ maxSessions: 8, maxUnconfirmedSessions: 4 });
    const attackers = await Promise.all(Array.from({ length: 12 }, () => rawSocket()));
    try {
      // Each forged peer: a valid request, then what it can send without having read the
      // response: a Heartbeat without the right CRC, bytes, a repeated request.
      attackers.forEach((a, i) => {
        a.send(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: 1000 + i, udpLength: 512, applicationProtocol: 'rxmsg' }), port, LOOPBACK);
        a.send(new Uint8Array([0, SoeOpCode.Heartbeat, 0x12, 0x34]), port, LOOPBACK);
        a.send(new Uint8Array([0xde, 0xad]), port, LOOPBACK);
        a.send(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: 1000 + i, udpLength: 512, applicationProtocol: 'rxmsg' }), port, LOOPBACK);
      });
      await eventually(() => (transport.endpointStats(LOOPBACK, port)?.datagramsReceived ?? 0) >= 4 * attackers.length, 5000, 'the forged traffic to arrive');
      const stats = transport.endpointStats(LOOPBACK, port);
      expect(stats).to.deep.include({ sessions: 4, unconfirmed: 4, evicted: 8, overCapacity: 0 });
      // A real client proves it read the response (its packets carry the CRC seed), and gets in.
      const client = await firstValueFrom(soeTransport().connect(parseAddress(`soe://${LOOPBACK}:${port}`), { noDelay: true, connectTimeoutMs: 10_000 }));
      try {
        client.start({ onData: () => undefined, onEnd: () => undefined, onDrain: () => undefined, onClose: () => undefined });
        expect(client.write(new Uint8Array([1, 2, 3]))).to.equal(true);
        await eventually(() => connections.some((c) => c.bytesRead === 3), 5000, 'the real client to be heard');
        await eventually(() => transport.endpointStats(LOOPBACK, port)?.unconfirmed === 3, 5000, 'the real client to be confirmed');
      } finally {
        client.destroy();
      }
    } finally {
      await Promise.all(attackers.map(closeSocket));
    }
  });

  it('holds memory in proportion to what a session received: 32 sessions that each sent a 10-byte first fragment declaring 1 MiB hold far less than 32 MiB', async () => {
    await listen();
    const attackers = await Promise.all(Array.from({ length: 32 }, () => rawSocket()));
    try {
      await settledHeapUsed();
      const before = process.memoryUsage().arrayBuffers;
      const sessions = await Promise.all(
        attackers.map(async (a, i) => {
          const response = new Promise<Buffer>((resolve) => a.once('message', resolve));
          a.send(encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId: 5000 + i, udpLength: 512, applicationProtocol: 'rxmsg' }), port, LOOPBACK);
          const packet = decodeSoeDatagram(new Uint8Array(await within(response, 5000, 'a SessionResponse')));
          if (packet.kind !== 'session-response') throw new Error(`expected a SessionResponse, got ${packet.kind}`);
          return packet;
        }),
      );
      sessions.forEach((p, i) => {
        const fragment = encodeSoeDatagram({ kind: 'reliable-data-fragment', sequence: 0, totalLength: 1024 * 1024, data: new Uint8Array(10) }, p);
        attackers[i]!.send(fragment, port, LOOPBACK);
      });
      await eventually(() => (transport.endpointStats(LOOPBACK, port)?.datagramsReceived ?? 0) >= 64, 5000, 'the fragments to arrive');
      await settledHeapUsed();
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(transport.endpointStats(LOOPBACK, port)).to.deep.include({ sessions: 32, opened: 32 });
      // Before the fix each session allocated the declared 1 MiB at once: 32 MiB for 32 datagrams of 20 bytes.
      expect(grown).to.be.below(8 * 1024 * 1024);
    } finally {
      await Promise.all(attackers.map(closeSocket));
    }
  });
});
