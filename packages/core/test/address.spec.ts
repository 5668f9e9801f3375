import { expect } from 'chai';
import { AddressError, formatAddress, parseAddress } from '@rxmsg/core';

describe('parseAddress', () => {
  const good: [string, object][] = [
    ['tcp://127.0.0.1:0', { kind: 'inet', scheme: 'tcp', host: '127.0.0.1', port: 0, path: '/' }],
    ['tcp://[::1]:4000', { kind: 'inet', scheme: 'tcp', host: '::1', port: 4000, path: '/' }],
    ['ws://localhost:80/game', { kind: 'inet', scheme: 'ws', host: 'localhost', port: 80, path: '/game' }],
    ['unix:/tmp/a.sock', { kind: 'unix', scheme: 'unix', path: '/tmp/a.sock' }],
    ['unix:///tmp/a.sock', { kind: 'unix', scheme: 'unix', path: '/tmp/a.sock' }],
    ['unix:rel.sock', { kind: 'unix', scheme: 'unix', path: 'rel.sock' }],
  ];
  for (const [text, expected] of good) {
    it(`parses ${text}`, () => expect(parseAddress(text)).to.deep.equal(expected));
  }
  for (const bad of ['', 'tcp://host', 'tcp://host:99999', '127.0.0.1:80', 'unix:']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseAddress(bad)).to.throw(AddressError).with.property('code', 'ADDRESS_INVALID');
    });
  }
  it('formats back', () => {
    for (const text of ['tcp://127.0.0.1:1', 'tcp://[::1]:2', 'ws://h:3/p', 'unix:/x.sock']) {
      expect(formatAddress(parseAddress(text))).to.equal(text);
    }
  });
});
