import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { ConnectError, parseAddress, type Connection } from '@rxmsg/core';
import { tcpTransport } from '@rxmsg/tcp';

describe('tcpTransport', () => {
  it('connects, exchanges bytes and reports close once', async () => {
    const t = tcpTransport();
    let serverSide: Connection | undefined;
    const listener = await t.listen(parseAddress('tcp://127.0.0.1:0'), (c) => (serverSide = c), { noDelay: true });
    const client = await firstValueFrom(t.connect(parseAddress(listener.address), { noDelay: true }));
    const received: Uint8Array[] = [];
    let closes = 0;
    const done = new Promise<void>((resolve) => {
      client.start({
        onData: (c) => received.push(c),
        onEnd: () => client.end(),
        onDrain: () => {},
        onClose: () => {
          closes++;
          resolve();
        },
      });
    });
    while (serverSide === undefined) await new Promise((r) => setTimeout(r, 5));
    const server = serverSide;
    server.start({ onData: () => {}, onEnd: () => {}, onDrain: () => {}, onClose: () => {} });
    server.write('abc');
    server.end();
    await done;
    expect(Buffer.concat(received).toString()).to.equal('abc');
    expect(closes).to.equal(1);
    expect(client.bytesRead).to.equal(3);
    await listener.close();
  });

  it('fails to connect to a closed port with a ConnectError (CONNECT_FAILED)', async () => {
    const t = tcpTransport();
    const listener = await t.listen(parseAddress('tcp://127.0.0.1:0'), (c) => c.destroy(), { noDelay: true });
    const address = listener.address;
    await listener.close();
    const error: unknown = await firstValueFrom(t.connect(parseAddress(address), { noDelay: true })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConnectError);
    expect(error).to.include({ code: 'CONNECT_FAILED', attempts: 1 });
    expect((error as ConnectError).cause).to.have.property('code', 'ECONNREFUSED');
  });
});
