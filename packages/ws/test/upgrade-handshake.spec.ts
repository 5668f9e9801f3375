import { expect } from 'chai';
import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { httpUpgradeOf, upgradeHandshake } from '../src/upgrade-handshake';

/** An upgrade request as the HTTP parser hands it over: a URL as sent, headers in lower case. */
function request(url: string | undefined, headers: Record<string, string | string[]> = {}): IncomingMessage {
  // Only the fields upgradeHandshake reads; a socket without `encrypted` is not a TLS one.
  return { url, headers, socket: {} } as unknown as IncomingMessage;
}

/** Request targets made of the characters URLs are picky about, and any string. */
const requestLine = fc.oneof(
  fc.array(fc.constantFrom('/', '//', '?', '&', '=', '%', '%zz', '%41', '#', 'a', 'é', ' ', '\u0000', '[', ']', ':', '@', '\\', '..'), { maxLength: 40 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 100 }),
);

describe('upgradeHandshake', () => {
  it('splits the path from the query; repeated parameters become arrays; headers are copied', () => {
    const info = upgradeHandshake(request('/chat/room?token=a%20b&tag=x&tag=y&tag=z&empty=', { 'x-api-key': 'k', 'set-cookie': ['a=1', 'b=2'] }));
    expect(info).to.deep.equal({
      http: {
        path: '/chat/room',
        query: { token: 'a b', tag: ['x', 'y', 'z'], empty: '' },
        headers: { 'x-api-key': 'k', 'set-cookie': ['a=1', 'b=2'] },
      },
    });
    expect(structuredClone(info)).to.deep.equal(info);
  });

  it('keeps parameters named like Object.prototype members, and the parameters after them', () => {
    const { query } = httpUpgradeOf(request('/?constructor=c&__proto__=p&toString=a&toString=b&token=t'));
    expect(Object.keys(query)).to.deep.equal(['constructor', '__proto__', 'toString', 'token']);
    expect(query['constructor']).to.equal('c');
    expect(query['__proto__']).to.equal('p');
    expect(query['toString']).to.deep.equal(['a', 'b']);
    expect(query['token']).to.equal('t');
    // A parameter the request does not carry is absent, not an inherited member.
    expect(query['hasOwnProperty']).to.equal(undefined);
    expect(structuredClone(query)).to.deep.equal({ constructor: 'c', ['__proto__']: 'p', toString: ['a', 'b'], token: 't' });
  });

  it('keeps headers named like Object.prototype members; nothing is inherited by headers or query', () => {
    const { headers, query } = httpUpgradeOf(request('/', { ['__proto__']: 'p', constructor: 'c', host: 'h' }));
    expect(Object.keys(headers)).to.deep.equal(['__proto__', 'constructor', 'host']);
    expect(headers['__proto__']).to.equal('p');
    expect(headers['constructor']).to.equal('c');
    expect(headers['toString']).to.equal(undefined);
    expect(query['toString']).to.equal(undefined);
    expect(Object.keys(query)).to.deep.equal([]);
    // The prototype shared by every request's objects stays empty.
    expect(() => {
      (Object.getPrototypeOf(headers) as Record<string, string>)['x'] = 'y';
    }).to.throw(TypeError);
    expect(httpUpgradeOf(request('/')).headers['x']).to.equal(undefined);
  });

  it('never throws, whatever the request line, and gives strings only', () => {
    fc.assert(
      fc.property(fc.option(requestLine, { nil: undefined }), (url) => {
        const http = httpUpgradeOf(request(url));
        expect(http.path).to.be.a('string');
        for (const value of Object.values(http.query)) {
          for (const v of typeof value === 'string' ? [value] : value) expect(v).to.be.a('string');
        }
      }),
      { numRuns: 200 },
    );
  });
});
