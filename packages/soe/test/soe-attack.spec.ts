import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import { ConnectError, TransportError } from '@rxmsg/core';
import { activeResources, eventually, leakedResources } from '@rxmsg/test-utils';
import { SoeOpCode } from '../src/soe-op-code';
import { decodeSoeDatagram, encodeSoeDatagram } from '../src/soe-datagram';
import { soeTransport, type SoeTransport } from '../src/soe-transport';
import type { SoeTransportOptions } from '../src/soe-transport-options';
import { Cleanup, RawUdp, Recorder, closeServer, connectSoe, listenSoe, type TestServer } from './support/soe-loopback';

const UDP_KINDS = ['UDPWrap', 'Timeout', 'Immediate'];

const request = (sessionId: number, applicationProtocol: string): Uint8Array =>
  encodeSoeDatagram({ kind: 'session-request', protocolVersion: 3, sessionId, udpLength: 512, applicationProtocol });

/** A session-context packet from an address without a session: the server answers `UnknownSender`, after what it sent before. */
const FENCE = new Uint8Array([0, SoeOpCode.Heartbeat, 0, 0]);

const isUnknownSender = (d: Buffer): boolean => d.length === 2 && d[0] === 0 && d[1] === SoeOpCode.UnknownSender;

/** What `raw` received before the `UnknownSender` that answers {@link FENCE}, sent now from `raw`. */
async function receivedBeforeFence(raw: RawUdp, port: number): Promise<Buffer[]> {
  const from = raw.received.length;
  await raw.send(FENCE, port);
  await eventually(() => raw.received.slice(from).some((r) => isUnknownSender(r.data)), 5000, 'the UnknownSender fence');
  const all = raw.received.map((r) => r.data);
  return all.slice(0, all.findIndex((d, i) => i >= from && isUnknownSender(d)));
}

describe('soe:// against an attacker and a careless user', () => {
  let cleanup: Cleanup;

  beforeEach(() => {
    cleanup = new Cleanup();
  });

  afterEach(() => cleanup.run());

  async function server(name: string, options: SoeTransportOptions = {}): Promise<{ transport: SoeTransport; server: TestServer }> {
    const transport = soeTransport(options);
    const s = await listenSoe(transport, name);
    cleanup.add(() => closeServer(transport, s));
    return { transport, server: s };
  }

  async function raw(): Promise<RawUdp> {
    const r = await RawUdp.open();
    cleanup.add(() => r.close());
    return r;
  }

  it('a dial to a host name that does not resolve fails with a ConnectError, not an uncaught throw, and leaves no handle', async () => {
    const before = await activeResources();
    let failure: unknown;
    // Before the fix the connect callback ignored its lookup error and sent from an unconnected
    // socket: a RangeError thrown from a socket callback, which ended the process.
    await connectSoe(soeTransport(), 'soe://no-such-host.invalid:4000/Echo', 10_000).catch((e: unknown) => (failure = e));
    expect(failure).to.be.instanceOf(ConnectError);
    expect(await leakedResources(before, UDP_KINDS, 5000)).to.deep.equal([]);
  });

  it('answers a refused SessionRequest with fewer bytes than the request (no amplification from a forged source)', async () => {
    const { transport, server: s } = await server('Echo');
    const attacker = await raw();
    const refused = request(1, 'x');
    await attacker.send(refused, s.port);
    await eventually(() => transport.endpointStats('127.0.0.1', s.port)?.refused === 1, 5000, 'the refusal');
    const answers = await receivedBeforeFence(attacker, s.port);
    expect(answers.length).to.be.at.least(1);
    for (const a of answers) expect([...a.subarray(0, 2)]).to.deep.equal([0, SoeOpCode.Disconnect]);
    // Before the fix: three copies of the 8-byte Disconnect, 24 bytes for a 16-byte request.
    expect(answers.reduce((n, a) => n + a.length, 0)).to.be.at.most(refused.length);
  });

  it('sends an address that never proved it read the SessionResponse nothing but that response: no Heartbeat, no Disconnect copies at its timeout', async () => {
    const { transport, server: s } = await server('Echo', { heartbeatMs: 20, inactivityMs: 300 });
    const victim = await raw();
    const forged = request(2, 'Echo');
    await victim.send(forged, s.port);
    await eventually(() => victim.received.length >= 1, 5000, 'the SessionResponse');
    // The unconfirmed session sends its heartbeats, then times out.
    await eventually(() => transport.endpointStats('127.0.0.1', s.port)?.sessions === 0, 5000, 'the forged session to time out');
    const answers = await receivedBeforeFence(victim, s.port);
    // Before the fix: the response, a Heartbeat every heartbeatMs, then three Disconnect(Timeout).
    expect(answers.map((a) => a.readUInt16BE(0))).to.deep.equal([SoeOpCode.SessionResponse]);
  });

  it('a forged SessionRequest repeated from an address does not keep that address\'s real client out', async () => {
    const { transport, server: s } = await server('Echo');
    const peer = await raw();
    // The attacker forges requests from the peer's address, in time to keep that session alive.
    await peer.send(request(111, 'Echo'), s.port);
    await peer.send(request(111, 'Echo'), s.port);
    await eventually(() => peer.received.length >= 2, 5000, 'the forged responses');
    // The real client at that address asks for its own session.
    const from = peer.received.length;
    await peer.send(request(222, 'Echo'), s.port);
    await eventually(() => peer.received.length > from, 5000, 'an answer to the real request');
    const answer = decodeSoeDatagram(new Uint8Array(peer.received[from]!.data));
    if (answer.kind !== 'session-response') throw new Error(`expected a SessionResponse, got ${answer.kind}`);
    expect(answer.sessionId).to.equal(222);
    // It proves it read the response, and becomes a connection.
    await peer.send(encodeSoeDatagram({ kind: 'heartbeat' }, answer), s.port);
    const connection = await s.connection(0);
    cleanup.connection(connection);
    expect(transport.endpointStats('127.0.0.1', s.port)).to.deep.include({ sessions: 1, unconfirmed: 0, opened: 1 });
  });

  it('a client whose server restarted and forgot the session ends it once its RemapConnections go unanswered, instead of waiting out inactivityMs', async () => {
    // A server that answered the request, then lost its state: every later datagram gets UnknownSender.
    const forgetful = createSocket('udp4');
    cleanup.add(() => new Promise<void>((resolve) => forgetful.close(() => resolve())));
    forgetful.on('message', (data, from) => {
      const bytes = new Uint8Array(data);
      const packet = bytes[1] === SoeOpCode.SessionRequest ? decodeSoeDatagram(bytes) : undefined;
      const answer = packet?.kind === 'session-request'
        ? encodeSoeDatagram({ kind: 'session-response', sessionId: packet.sessionId, crcSeed: 0x1234, crcLength: 2, compression: false, udpLength: packet.udpLength, protocolVersion: 3 })
        : new Uint8Array([0, SoeOpCode.UnknownSender]);
      forgetful.send(answer, from.port, from.address);
    });
    await new Promise<void>((resolve) => forgetful.bind(0, '127.0.0.1', resolve));
    const client = new Recorder(cleanup.connection(await connectSoe(soeTransport(), `soe://127.0.0.1:${forgetful.address().port}/Echo`, 5000)));
    // What the client writes is retransmitted (each answered UnknownSender) until the client gives up.
    client.connection.write('hello?');
    // Before the fix: nothing ended it before inactivityMs (30 s), the reliable channel's 12 timeouts, or 30 s unacknowledged.
    await eventually(() => client.isClosed, 10_000, 'the client to give up on the forgotten session');
    expect(client.closeError).to.be.instanceOf(TransportError);
    expect(client.closeError?.message).to.match(/does not know this session/);
  });
});

/** A relay between one client and a server that can also send the client datagrams of its own, from the address the client sees as the server's. */
class SpoofingRelay {
  readonly fromClient: Buffer[] = [];
  private client: { address: string; port: number } | undefined;

  private constructor(
    private readonly front: Socket,
    private readonly back: Socket,
  ) {}

  static async open(serverPort: number): Promise<SpoofingRelay> {
    const front = createSocket('udp4');
    const back = createSocket('udp4');
    const relay = new SpoofingRelay(front, back);
    front.on('message', (data, from) => {
      relay.client = { address: from.address, port: from.port };
      relay.fromClient.push(data);
      back.send(data, serverPort, '127.0.0.1');
    });
    back.on('message', (data) => relay.toClient(data));
    await Promise.all([front, back].map((s) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))));
    return relay;
  }

  get port(): number {
    return this.front.address().port;
  }

  /** Sends `data` to the client as if the server had. */
  toClient(data: Uint8Array): void {
    if (this.client !== undefined) this.front.send(data, this.client.port, this.client.address);
  }

  close(): Promise<void> {
    return Promise.all([this.front, this.back].map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }
}

describe('soe:// client against a blind sender of UnknownSender', () => {
  it('UnknownSenders spoofed from the server\'s address do not end a session the server still holds', async () => {
    const cleanup = new Cleanup();
    try {
      const transport = soeTransport();
      const s = await listenSoe(transport, 'Echo');
      cleanup.add(() => closeServer(transport, s));
      const relay = await SpoofingRelay.open(s.port);
      cleanup.add(() => relay.close());
      const client = new Recorder(cleanup.connection(await connectSoe(transport, `soe://127.0.0.1:${relay.port}/Echo`, 5000)));
      const server = new Recorder(cleanup.connection(await s.connection(0)));
      const remaps = (): number => relay.fromClient.filter((d) => d.readUInt16BE(0) === SoeOpCode.RemapConnection).length;
      // Past the client's give-up rule (two RemapConnections unanswered over a second), one UnknownSender at a time.
      for (let i = 1; i <= 6 && !client.isClosed; i++) {
        // The client sends at most one RemapConnection every 250 ms.
        if (i > 1) await new Promise((resolve) => setTimeout(resolve, 300));
        relay.toClient(new Uint8Array([0, SoeOpCode.UnknownSender]));
        await eventually(() => remaps() >= i || client.isClosed, 5000, `RemapConnection ${i}`);
      }
      expect(client.closeError).to.equal(undefined);
      expect(client.isClosed).to.equal(false);
      client.connection.write('still here');
      await eventually(() => server.payloads.length === 1, 5000, 'the payload after the spoofed UnknownSenders');
    } finally {
      await cleanup.run();
    }
  });
});
