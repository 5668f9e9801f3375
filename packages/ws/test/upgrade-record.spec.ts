import { expect } from 'chai';
import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { UpgradeRecord, upgradeHandshake } from '../src/upgrade-handshake';

function request(url: string | undefined, headers: Record<string, string | string[]>): IncomingMessage {
  return { url, headers, socket: {} } as unknown as IncomingMessage;
}

describe('UpgradeRecord', () => {
  it('info() is what upgradeHandshake makes of the same request, for any URL and headers', () => {
    const headers = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }).map((k) => k.toLowerCase()),
      fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 })),
      { maxKeys: 8 },
    );
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 60 }), { nil: undefined }), headers, (url, h) => {
        const r = request(url, h);
        expect(new UpgradeRecord(r).info()).to.deep.equal(upgradeHandshake(r));
      }),
    );
  });

  it('keeps the URL it was made with, and makes copies that share no array with the request', () => {
    const cookies = ['a=1', 'b=2'];
    const r = request('/p?x=1', { 'set-cookie': cookies });
    const record = new UpgradeRecord(r);
    r.url = '/changed';
    const info = record.info();
    expect(info.http?.path).to.equal('/p');
    expect(info.http?.query).to.deep.equal({ x: '1' });
    const copy = info.http?.headers['set-cookie'];
    expect(copy).to.deep.equal(cookies);
    expect(copy).to.not.equal(cookies);
  });

  it('reads the TLS session when made (wss), not when asked', () => {
    let reads = 0;
    const socket = {
      encrypted: true,
      get authorized() {
        reads++;
        return false;
      },
      authorizationError: 'none',
      getPeerCertificate: () => ({}),
      getProtocol: () => 'TLSv1.3',
      getCipher: () => ({ name: 'x', standardName: 'x', version: 'TLSv1.3' }),
      alpnProtocol: false,
    };
    const record = new UpgradeRecord({ url: '/', headers: {}, socket } as unknown as IncomingMessage);
    const before = reads;
    expect(before).to.be.greaterThan(0);
    expect(record.info().tls).to.not.equal(undefined);
    expect(reads).to.equal(before);
  });
});
