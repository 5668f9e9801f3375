import { expect } from 'chai';
import * as core from '@rxmsg/core';
import * as coreInternal from '@rxmsg/core/internal';
import * as node from '@rxmsg/node';
import * as nodeInternal from '@rxmsg/node/internal';
import * as runtime from '@rxmsg/runtime';
import * as runtimeInternal from '@rxmsg/runtime/internal';
import * as tcpInternal from '@rxmsg/tcp/internal';
import * as ws from '@rxmsg/ws';
import * as wsBrowser from '@rxmsg/ws/browser';
import * as wsInternal from '@rxmsg/ws/internal';

/** docs/api.md: engine parts live behind `./internal` entries, never on the public ones. */
describe('public API of @rxmsg/node', () => {
  const internals = ['Session', 'OutboundQueue', 'TokenBucket', 'widenRouter', 'concatBytes', 'connectionLoop', 'SocketConnection', 'WsConnection'] as const;

  for (const name of internals) {
    it(`does not export the internal ${name}, which @rxmsg/node/internal does`, () => {
      expect(Object.keys(node)).to.not.include(name);
      expect(nodeInternal).to.have.property(name).that.is.a('function');
    });
  }

  it('keeps internals off the public entries of the owning packages, and on their internal entries', () => {
    expect(Object.keys(runtime)).to.not.include.members(['Session', 'OutboundQueue', 'TokenBucket', 'widenRouter', 'connectionLoop']);
    expect(runtimeInternal.Session).to.equal(nodeInternal.Session);
    expect(runtimeInternal.TokenBucket).to.equal(nodeInternal.TokenBucket);
    expect(Object.keys(core)).to.not.include.members(['concatBytes', 'utf8Length', 'resolveConfig', 'ResumeFrameDecoder']);
    expect(coreInternal.concatBytes).to.equal(nodeInternal.concatBytes);
    expect(tcpInternal.SocketConnection).to.equal(nodeInternal.SocketConnection);
    expect(wsInternal.WsConnection).to.equal(nodeInternal.WsConnection);
  });

  it('exports what the README and the tutorials use', () => {
    for (const name of ['createServer', 'createClient', 'createCompositeServer', 'createCompositeClient', 'defineProtocol', 'memoryTransport', 'tcpTransport', 'wsTransport', 'ConfigError', 'rpc', 'createRooms']) {
      expect(node, name).to.have.property(name).that.is.a('function');
    }
    // The memory transport pair stays public (users' tests, the testing kit).
    expect(runtime.memoryTransport).to.equal(node.memoryTransport);
  });

  it('@rxmsg/ws/browser is a subset of the public @rxmsg/ws (its report covers it)', () => {
    const extra = Object.keys(wsBrowser).filter((name) => !(name in ws));
    expect(extra).to.deep.equal([]);
    expect(Object.keys(wsBrowser)).to.not.include('BrowserWsConnection');
  });

  it('has no name on both entries', () => {
    const both = Object.keys(nodeInternal).filter((name) => name in node);
    expect(both).to.deep.equal([]);
  });
});
