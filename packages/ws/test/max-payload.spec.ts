import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { TransportError, parseAddress, type Connection, type Listener } from '@rxmsg/core';
import { DEFAULT_MAX_PAYLOAD, wsTransport } from '@rxmsg/ws';
import { MAX_PAYLOAD_SLACK, maxPayloadFor } from '@rxmsg/ws/internal';
import { eventually } from '@rxmsg/test-utils';
import { rawClient, recorder } from './ws-pair';

describe('maxPayloadFor', () => {
  it('is the maxPayload given, else maxFrameBytes plus the smaller of itself and 64 KiB, else the default', () => {
    expect(maxPayloadFor(1000, 4096)).to.equal(1000);
    expect(maxPayloadFor(1000, undefined)).to.equal(1000);
    expect(maxPayloadFor(undefined, 4096)).to.equal(8192);
    expect(maxPayloadFor(undefined, 16)).to.equal(32);
    expect(maxPayloadFor(undefined, 1_048_576)).to.equal(DEFAULT_MAX_PAYLOAD);
    expect(maxPayloadFor(undefined, 0x7fffffff)).to.equal(0x7fffffff + MAX_PAYLOAD_SLACK);
    expect(maxPayloadFor(undefined, undefined)).to.equal(DEFAULT_MAX_PAYLOAD);
  });
});

describe('wsTransport: the payload limit follows maxFrameBytes unless maxPayload is set', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** A listener with `maxFrameBytes` 4096 (limit 8192 unless `maxPayload`), its accepted connections recorded. */
  async function listen(maxPayload?: number): Promise<{ listener: Listener; accepted: Connection[] }> {
    const accepted: Connection[] = [];
    const transport = wsTransport(maxPayload === undefined ? {} : { maxPayload });
    const listener = await transport.listen(parseAddress('ws://127.0.0.1:0/p'), (c) => accepted.push(c), { noDelay: true, maxFrameBytes: 4096 });
    cleanup.push(() => listener.close());
    return { listener, accepted };
  }

  it('a listener given maxFrameBytes 4096 takes a message of 8192 bytes and closes one of 8193 with 1009 and a TransportError', async () => {
    const { listener, accepted } = await listen();
    const client = await rawClient(listener.address);
    cleanup.push(() => client.ws.terminate());
    await eventually(() => accepted.length === 1, 2000, 'accepted');
    const { seen, handlers } = recorder();
    accepted[0]!.start(handlers);
    client.ws.send(new Uint8Array(8192));
    client.ws.send(new Uint8Array(8193));
    expect(await client.closed).to.equal(1009);
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    expect(seen.data.map((d) => d.length)).to.deep.equal([8192]);
    expect(seen.closes[0]).to.be.instanceOf(TransportError);
  });

  it("the transport's own maxPayload wins over maxFrameBytes", async () => {
    const { listener, accepted } = await listen(20_000);
    const client = await rawClient(listener.address);
    cleanup.push(() => client.ws.terminate());
    await eventually(() => accepted.length === 1, 2000, 'accepted');
    const { seen, handlers } = recorder();
    accepted[0]!.start(handlers);
    client.ws.send(new Uint8Array(20_000));
    await eventually(() => seen.data.length === 1, 2000, 'the message');
    client.ws.send(new Uint8Array(20_001));
    expect(await client.closed).to.equal(1009);
  });

  it('a connecting side given maxFrameBytes 4096 closes on a message of 8193 bytes from the server', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP port');
    const closedWith = new Promise<number>((resolve) =>
      server.once('connection', (ws: WebSocket) => {
        ws.once('close', (code: number) => resolve(code));
        ws.send(new Uint8Array(8192));
        ws.send(new Uint8Array(8193));
      }),
    );
    const connection = await firstValueFrom(wsTransport().connect(parseAddress(`ws://127.0.0.1:${address.port}/`), { noDelay: true, maxFrameBytes: 4096 }));
    cleanup.push(() => connection.destroy());
    const { seen, handlers } = recorder();
    connection.start(handlers);
    expect(await closedWith).to.equal(1009);
    await eventually(() => seen.closes.length === 1, 2000, 'close');
    expect(seen.data.map((d) => d.length)).to.deep.equal([8192]);
    expect(seen.closes[0]).to.be.instanceOf(TransportError);
  });
});
