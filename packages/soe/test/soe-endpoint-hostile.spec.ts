import { createSocket, type Socket } from 'node:dgram';
import { expect } from 'chai';
import { parseAddress, type Connection, type Listener } from '@rxmsg/core';
import { SoeOpCode, encodeSoeDatagram, soeTransport, type SoeTransport } from '@rxmsg/soe';
import { HANDLE_KINDS, activeResources, eventually, leakedResources } from '@rxmsg/test-utils';

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

  beforeEach(async () => {
    transport = soeTransport();
    listener = await transport.listen(parseAddress(`soe://${LOOPBACK}:0`), (c) => connections.push(c), { noDelay: true });
    port = Number(new URL(listener.address).port);
  });

  afterEach(async () => {
    for (const c of connections.splice(0)) c.destroy();
    await listener.close();
  });

  it('opens no session for a datagram with the SessionRequest op code that is not a valid request, so the socket closes with its listener', async () => {
    const before = await activeResources();
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
      await eventually(() => connections.length === 1, 5000, 'the valid request to open a session');
      connections.splice(0).forEach((c) => c.destroy());
      await listener.close();
      expect(transport.endpointStats(LOOPBACK, port)).to.equal(undefined);
    } finally {
      await closeSocket(attacker);
    }
    expect(await leakedResources(before, KINDS)).to.deep.equal([]);
  });
});
