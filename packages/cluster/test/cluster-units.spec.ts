import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { ConfigError, PeerNotFoundError, RemoteDeliveryError, TimeoutError } from '@rxmsg/core';
import { PEER_ID_NODE_STRIDE } from '@rxmsg/runtime';
import { reusePortSupported, startCluster, ClusterRoomAdapter } from '@rxmsg/cluster';
import { DropReporter, IpcOutbox, NodeNumbers, RestartBackoff } from '@rxmsg/cluster/internal';
import { ToPrimarySchema, ToWorkerSchema, isClusterMessage } from '../src/ipc-messages';
import { resolveClusterOptions } from '../src/cluster-options';
import { MAX_TIMER_MS, timerMs } from '../src/timer-ms';

describe('RestartBackoff', () => {
  it('doubles from minDelayMs up to maxDelayMs, and starts again after a long enough run', () => {
    const b = new RestartBackoff({ minDelayMs: 100, maxDelayMs: 1000, resetAfterMs: 30_000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.crashed(10))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    expect(b.failures).to.equal(6);
    expect(b.crashed(30_000)).to.equal(100);
    expect(b.failures).to.equal(1);
  });

  it('jitter takes at most its share off', () => {
    const b = new RestartBackoff({ minDelayMs: 1000, maxDelayMs: 1000, resetAfterMs: 1, jitter: 0.5 }, () => 1);
    expect(b.crashed(0)).to.equal(500);
  });
});

describe('NodeNumbers', () => {
  it('gives fresh numbers, wraps to 1 after the maximum and skips those in use', () => {
    const n = new NodeNumbers(4);
    expect([n.take(), n.take(), n.take()]).to.deep.equal([1, 2, 3]);
    n.release(1);
    expect(n.take()).to.equal(4);
    expect(n.take()).to.equal(1); // wrapped; 2 and 3 are in use
    expect(() => n.take()).to.throw(RangeError);
    n.release(3);
    expect(n.take()).to.equal(3);
  });
});

describe('DropReporter (virtual time)', () => {
  it('reports the first drop at once, then at most one report per interval with the count; close reports the rest', () => {
    const time = new VirtualTimeScheduler(VirtualAction, Infinity);
    const reports: [number, number][] = [];
    const r = new DropReporter((count) => reports.push([time.now(), count]), time, 1000);
    for (const at of [0, 10, 20, 500, 1500, 1600, 5000]) time.schedule(() => r.add(), at);
    time.schedule(() => r.add(3), 5100);
    time.schedule(() => r.close(), 5200);
    time.flush();
    expect(reports).to.deep.equal([
      [0, 1],
      [1000, 3],
      [2000, 2],
      [5000, 1],
      [5200, 3],
    ]);
  });
});

describe('IpcOutbox', () => {
  it('holds at most maxInFlight unsent messages: past it, sends are dropped and counted; a finished send frees a place', () => {
    const callbacks: ((e: Error | null) => void)[] = [];
    let drops = 0;
    const outbox = new IpcOutbox({ send: (_m, cb) => (callbacks.push(cb), false) }, { maxInFlight: 3, onDrop: () => drops++ });
    expect([1, 2, 3, 4, 5].map((m) => outbox.send(m))).to.deep.equal([true, true, true, false, false]);
    expect([outbox.inFlight, outbox.dropped, drops]).to.deep.equal([3, 2, 2]);
    callbacks.shift()!(null);
    expect(outbox.send(6)).to.equal(true);
    callbacks.shift()!(new Error('channel closed'));
    expect([outbox.inFlight, outbox.dropped]).to.deep.equal([2, 3]);
  });

  it('a port that throws (closed channel) drops the message', () => {
    let drops = 0;
    const outbox = new IpcOutbox({ send: () => { throw new Error('ERR_IPC_CHANNEL_CLOSED'); } }, { onDrop: () => drops++ });
    expect(outbox.send('x')).to.equal(false);
    expect([outbox.inFlight, drops]).to.deep.equal([0, 1]);
  });
});

describe('IPC messages', () => {
  it('messages without the marker are not rxmsg\'s; anything at all never throws when parsed', () => {
    expect(isClusterMessage({ t: 'publish' })).to.equal(false);
    expect(isClusterMessage('text')).to.equal(false);
    expect(isClusterMessage({ rxmsgCluster: 1, t: 'nodes', alive: [1] })).to.equal(true);
    fc.assert(
      fc.property(fc.anything(), (value) => {
        ToWorkerSchema.safeParse(value);
        ToPrimarySchema.safeParse(value);
      }),
    );
  });

  it('refuses malformed rxmsg messages (bad type, negative ids, unknown kind)', () => {
    for (const bad of [{ t: 'nodes', alive: ['1'] }, { t: 'forward', peerId: -1, message: 1 }, { t: 'confirmed', id: 1.5, peerId: 1 }, { t: 'nope' }]) {
      expect(ToWorkerSchema.safeParse({ rxmsgCluster: 1, ...bad }).success, JSON.stringify(bad)).to.equal(false);
    }
    expect(ToWorkerSchema.safeParse({ rxmsgCluster: 1, t: 'publish', packet: { message: new Uint8Array([1, 2]), rooms: ['a'] } }).success).to.equal(true);
  });
});

describe('cluster options', () => {
  it('bad options are ConfigErrors naming the field', () => {
    for (const [options, field] of [
      [{ worker: '' }, 'worker'],
      [{ worker: 'w.js', workers: 0 }, 'workers'],
      [{ worker: 'w.js', restart: { minDelayMs: -1 } }, 'restart.minDelayMs'],
      [{ worker: 'w.js', restart: { minDelayMs: 500, maxDelayMs: 100 } }, 'restart.maxDelayMs'],
      [{ worker: 'w.js', ipc: { maxInFlight: 0 } }, 'ipc.maxInFlight'],
    ] as const) {
      expect(() => resolveClusterOptions(options), JSON.stringify(options)).to.throw(ConfigError).with.property('field', field);
    }
    expect(() => startCluster({ worker: 'w.js', workers: 0 })).to.throw(ConfigError);
    expect(resolveClusterOptions({ worker: 'w.js', restart: false }).restart).to.equal(false);
  });

  it('reusePort: detected from the Node version, not relied on', () => {
    expect(['20.19.0', '22.11.0', '23.0.0'].map((v) => reusePortSupported(v))).to.deep.equal([false, false, false]);
    expect(['22.12.0', '23.1.0', '24.0.0'].map((v) => reusePortSupported(v))).to.deep.equal([true, true, true]);
  });
});

describe('ClusterRoomAdapter (fake primary)', () => {
  function adapter(alive: number[]) {
    const sent: Record<string, unknown>[] = [];
    const time = new VirtualTimeScheduler(VirtualAction, Infinity);
    const a = new ClusterRoomAdapter({ node: 1, send: (m) => (sent.push(m), true), scheduler: time });
    const reported: unknown[] = [];
    a.attach({ deliver: () => ({ delivered: 0, dropped: 0, skipped: 0 }), sendTo: () => 'delivered', report: (_op, cause) => reported.push(cause), snapshot: () => { throw new Error('unused'); } });
    a.receive({ t: 'nodes', alive });
    return { a, sent, time, reported };
  }

  it('alone, it publishes nothing; with another node alive, it publishes through the primary', () => {
    const alone = adapter([1]);
    alone.a.publish({ message: 'x' });
    expect(alone.sent.map((m) => m.t)).to.deep.equal(['attached']);
    const two = adapter([1, 2]);
    two.a.publish({ message: 'x', rooms: ['r'] });
    expect(two.sent[1]).to.deep.equal({ t: 'publish', packet: { message: 'x', rooms: ['r'] } });
  });

  it("a dead node's peers fail fast: forward is false, forwardConfirmed rejects node-down; a live one times out without an answer", async () => {
    const { a, time } = adapter([1, 2]);
    expect(a.forward(3 * PEER_ID_NODE_STRIDE + 1, 'x')).to.equal(false);
    expect(await a.forwardConfirmed(3 * PEER_ID_NODE_STRIDE + 1, 'x', 1000).catch((e: unknown) => e)).to.be.instanceOf(PeerNotFoundError).and.include({ reason: 'node-down' });
    expect(a.forward(2 * PEER_ID_NODE_STRIDE + 1, 'x')).to.equal(true);
    const late = a.forwardConfirmed(2 * PEER_ID_NODE_STRIDE + 1, 'x', 1000).catch((e: unknown) => e);
    time.flush();
    expect(await late).to.be.instanceOf(TimeoutError);
    const answered = a.forwardConfirmed(2 * PEER_ID_NODE_STRIDE + 1, 'x', 1000);
    a.receive({ t: 'confirmed', id: 1, peerId: 2 * PEER_ID_NODE_STRIDE + 1, result: 'delivered' });
    expect(await answered).to.equal('delivered');
    a.close();
  });

  it('drops the primary reports become RemoteDeliveryErrors through the host', () => {
    const { a, reported } = adapter([1, 2]);
    a.receive({ t: 'undelivered', count: 5 });
    expect(reported).to.have.length(1);
    expect(reported[0]).to.be.instanceOf(RemoteDeliveryError).and.include({ count: 5 });
    a.close();
  });

  it('snapshotAll with a fractional or very long timeoutMs still sends a gather the primary accepts', () => {
    for (const timeoutMs of [1500.5, 0.2, 2 ** 40]) {
      const { a, sent } = adapter([1, 2]);
      void a.snapshots(timeoutMs).catch(() => undefined);
      const gather = sent.find((m) => m.t === 'gather');
      expect(ToPrimarySchema.safeParse({ rxmsgCluster: 1, ...gather }).success, `timeoutMs ${timeoutMs}`).to.equal(true);
      expect(gather!.timeoutMs).to.be.at.most(2 ** 31 - 1 - 1000);
      a.close();
    }
  });
});

describe('timerMs', () => {
  it('is a whole number of ms a Node timer takes, whatever it is given', () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: 0, max: 10_000 }), (ms, margin) => {
        const t = timerMs(ms, margin);
        expect(Number.isInteger(t) && t >= 1 && t <= MAX_TIMER_MS - margin).to.equal(true);
        if (Number.isFinite(ms) && ms >= 1 && ms <= MAX_TIMER_MS - margin) expect(t).to.equal(Math.ceil(ms));
      }),
    );
  });
});
