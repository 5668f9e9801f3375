import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { ConnectError, parseAddress, type Connection } from '@rxmsg/core';
import { tlsTransport } from '@rxmsg/tcp';
import { eventually, testCertificate } from '@rxmsg/test-utils';

describe('tlsTransport', () => {
  it('exchanges bytes over TLS with a certificate made at test time', async () => {
    const { key, cert } = await testCertificate();
    const t = tlsTransport({ server: { key, cert }, client: { ca: cert } });
    let accepted: Connection | undefined;
    const listener = await t.listen(parseAddress('tls://127.0.0.1:0'), (c) => (accepted = c), { noDelay: true });
    expect(listener.address).to.match(/^tls:\/\/127\.0\.0\.1:\d+$/);
    const client = await firstValueFrom(t.connect(parseAddress(listener.address), { noDelay: true }));
    const received: Uint8Array[] = [];
    const closed = new Promise<void>((resolve) =>
      client.start({ onData: (c) => received.push(c), onEnd: () => client.end(), onDrain: () => {}, onClose: () => resolve() }),
    );
    await eventually(() => accepted !== undefined);
    const server = accepted!;
    server.start({ onData: (c) => server.write(c), onEnd: () => server.end(), onDrain: () => {}, onClose: () => {} });
    client.write('ping\n');
    await eventually(() => Buffer.concat(received).toString() === 'ping\n');
    client.end();
    await closed;
    await listener.close();
  });

  it('refuses a server whose certificate is not trusted', async () => {
    const { key, cert } = await testCertificate();
    const listener = await tlsTransport({ server: { key, cert } }).listen(parseAddress('tls://127.0.0.1:0'), (c) => c.destroy(), {
      noDelay: true,
    });
    const error: unknown = await firstValueFrom(tlsTransport().connect(parseAddress(listener.address), { noDelay: true })).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConnectError);
    expect(error).to.have.property('code', 'CONNECT_FAILED');
    await listener.close();
  });
});
