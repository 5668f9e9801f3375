import { expect } from 'chai';
import type { AdminConnection, AdminSnapshot } from '../src/admin-protocol';
import { ratesOf, renderTop } from '../src/top-view';
import { terminalStyle } from '../src/terminal-style';

function conn(id: number, counters: Partial<AdminConnection> = {}): AdminConnection {
  return {
    id, remoteAddress: `tcp://127.0.0.1:${5000 + id}`, listener: 'tcp://127.0.0.1:4000', protocol: 'chat', since: 0, queued: 0, inputPaused: false, heldBytes: 0,
    messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, messagesDropped: 0, rateLimited: 0, pauses: 0, ...counters,
  };
}
function snap(at: number, connections: AdminConnection[], connectionCount = connections.length): AdminSnapshot {
  return {
    at,
    nodes: [{ node: 0, snapshot: { listeners: [{ address: 'tcp://127.0.0.1:4000', connections: connectionCount }], connections, connectionCount, listenerErrors: {}, refused: { 'max-connections': 0 }, bufferedBytes: 0, shed: 0 } }],
  };
}
const plain = terminalStyle({ isTTY: false });

describe('top view (rxmsg inspect)', () => {
  it('rates are counter deltas over the snapshots\' clock', () => {
    expect(ratesOf(conn(1, { messagesIn: 300, bytesOut: 1000 }), conn(1, { messagesIn: 100 }), 2)).to.deep.equal({ msgIn: 100, msgOut: 0, bytesIn: 0, bytesOut: 500 });
    expect(ratesOf(conn(1, { messagesIn: 300 }), undefined, 2).msgIn).to.equal(0); // a new connection: no rate yet
    expect(ratesOf(conn(1, { messagesIn: 1 }), conn(1, { messagesIn: 9 }), 1).msgIn).to.equal(0); // never negative
  });

  it('lists the busiest connections first, marks drops and pauses, and says how many are hidden', () => {
    const before = snap(0, [conn(1), conn(2), conn(3)], 4);
    const now = snap(1000, [conn(1, { messagesIn: 5 }), conn(2, { messagesIn: 50, messagesDropped: 3, queued: 7 }), conn(3, { inputPaused: true })], 4);
    const text = renderTop(now, before, plain, 2);
    const rows = text.split('\n').filter((l) => /^\s+\d+\s+tcp:/.test(l));
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).to.deep.equal(['2', '1']);
    expect(rows[0]).to.match(/50\s+0\s+7\s+0\s+3/);
    expect(text).to.match(/… 2 more/);
    expect(text).to.match(/connections 4 {2}in 55 msg\/s/);
  });

  it('shows nodes without a snapshot with their error', () => {
    const s: AdminSnapshot = { at: 0, nodes: [{ node: 3, error: 'timeout' }] };
    expect(renderTop(s, undefined, plain, 10)).to.match(/node 3: timeout/);
  });

  it('colours only on a terminal without NO_COLOR', () => {
    expect(terminalStyle({ isTTY: true }, {}).red('x')).to.equal('\x1b[31mx\x1b[0m');
    expect(terminalStyle({ isTTY: true }, { NO_COLOR: '1' }).red('x')).to.equal('x');
    expect(terminalStyle({ isTTY: false }, {}).red('x')).to.equal('x');
  });
});
