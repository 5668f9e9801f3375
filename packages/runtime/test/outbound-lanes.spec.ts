import { expect } from 'chai';
import fc from 'fast-check';
import { SendQueueFullError, textCodec, type LaneConfig, type SendQueuePolicy } from '@rxmsg/core';
import { FakeConnection } from '@rxmsg/test-utils';
import { LANE_STARVATION_LIMIT, type LaneSource } from '../src/outbound-lanes';
import { OutboundPolicy, type OutboundConfig, type OutboundHost } from '../src/outbound-policy';

type Call = readonly ['hold', boolean] | readonly ['relieved'] | readonly ['full', SendQueueFullError] | readonly ['dropped', string, string | undefined];

class RecordingHost implements OutboundHost {
  readonly calls: Call[] = [];
  holdInput(on: boolean): void {
    this.calls.push(['hold', on]);
  }
  relieved(): void {
    this.calls.push(['relieved']);
  }
  queueFull(error: SendQueueFullError): void {
    this.calls.push(['full', error]);
  }
  droppedOut(cause: 'drop-newest' | 'drop-oldest' | 'no-credit', lane?: string): void {
    this.calls.push(['dropped', cause, lane]);
  }
  take(): Call[] {
    return this.calls.splice(0);
  }
}

/** The protocol side of the lanes: `Changed` goes to `notify`, `Log` to `bulk`, `Urgent` to `urgent`, the rest to the default lane. */
const SOURCE: LaneSource = Object.freeze({
  tag: 'kind',
  lanes: Object.assign(Object.create(null) as Record<string, string>, { Changed: 'notify', Log: 'bulk', Urgent: 'urgent' }),
});

/** A policy with lanes over a fake socket that takes writes while `writable`; the end-of-tick work runs on `tick()`. */
function rig(lanes: Record<string, LaneConfig>, config: Partial<OutboundConfig> = {}) {
  const host = new RecordingHost();
  let writable = true;
  const connection = new FakeConnection(() => writable);
  const pending: (() => void)[] = [];
  let metered = 0;
  const full: OutboundConfig = { maxFrameBytes: 1024, sendQueueLimit: 4, sendQueueBytes: 1 << 20, onSendQueueFull: 'backpressure', lanes, ...config };
  const policy = new OutboundPolicy(host, connection, full, true, (work) => pending.push(work), { add: (d) => (metered += d) });
  const tick = (): void => {
    // Work scheduled while ticking runs too (bounded: each round only moves what is queued).
    for (let round = 0; round < 100 && pending.length > 0; round++) for (const work of pending.splice(0)) work();
  };
  const send = (kind: string, n: number): boolean => policy.send(textCodec, { kind, n }, SOURCE);
  return {
    host,
    connection,
    policy,
    tick,
    send,
    metered: () => metered,
    /** The socket takes one more write and then no more: from now on the lanes keep what is sent. */
    block(): void {
      writable = false;
      expect(send('Reply', 0)).to.equal(true);
      tick();
      expect(policy.queued).to.equal(0);
    },
    /** The socket drained and takes everything from now on. */
    drain(): void {
      writable = true;
      policy.queue.drained();
    },
    /** The socket drained, takes one write, and is full again. */
    drainOnce(): void {
      writable = false;
      policy.queue.drained();
    },
  };
}

/** What the socket received, as `kind:n` strings, in order. */
function written(connection: FakeConnection): string[] {
  return connection
    .text()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = JSON.parse(line) as { kind: string; n: number };
      return `${m.kind}:${m.n}`;
    });
}

const lane = (policy: SendQueuePolicy, limit: number, extra: Partial<LaneConfig> = {}): LaneConfig => ({ policy, limit, ...extra });

describe('OutboundLanes', () => {
  describe('priority', () => {
    it('writes what one tick sent by priority: lower first, the default lane at 0, order kept within each lane', () => {
      const r = rig({ notify: lane('drop-oldest', 100, { priority: 1 }), urgent: lane('backpressure', 100, { priority: -1 }) }, { sendQueueLimit: 100 });
      r.send('Changed', 1);
      r.send('Reply', 1);
      r.send('Urgent', 1);
      r.send('Changed', 2);
      r.send('Reply', 2);
      r.send('Urgent', 2);
      expect(r.connection.written).to.have.length(0);
      r.tick();
      expect(written(r.connection)).to.deep.equal(['Urgent:1', 'Urgent:2', 'Reply:1', 'Reply:2', 'Changed:1', 'Changed:2']);
      // One tick, one coalesced write.
      expect(r.connection.written).to.have.length(1);
    });

    it('lanes of equal priority take turns', () => {
      const r = rig({ notify: lane('backpressure', 100), bulk: lane('backpressure', 100) });
      for (let n = 1; n <= 3; n++) {
        r.send('Reply', n);
        r.send('Changed', n);
        r.send('Log', n);
      }
      r.tick();
      expect(written(r.connection)).to.deep.equal(['Reply:1', 'Changed:1', 'Log:1', 'Reply:2', 'Changed:2', 'Log:2', 'Reply:3', 'Changed:3', 'Log:3']);
    });

    it(`a lower lane is not starved: under a flood of the default lane it gets one message in ${LANE_STARVATION_LIMIT + 1}`, () => {
      const r = rig({ bulk: lane('backpressure', 1000, { priority: 5 }) }, { sendQueueLimit: 1000 });
      r.block();
      for (let n = 1; n <= 200; n++) r.send('Reply', n);
      for (let n = 1; n <= 10; n++) r.send('Log', n);
      r.drain();
      r.tick();
      const out = written(r.connection).slice(1);
      expect(out).to.have.length(210);
      const positions = out.flatMap((m, i) => (m.startsWith('Log:') ? [i] : []));
      // The first waits LANE_STARVATION_LIMIT messages, each next one as many again.
      expect(positions).to.deep.equal(Array.from({ length: 10 }, (_, k) => (k + 1) * (LANE_STARVATION_LIMIT + 1) - 1));
    });

    it('the lane to write next is chosen when the socket has room, not when the message was sent', () => {
      const r = rig({ notify: lane('drop-oldest', 10, { priority: 1 }) }, { sendQueueLimit: 10 });
      r.block();
      r.send('Changed', 1);
      r.send('Changed', 2);
      r.tick();
      r.send('Reply', 1);
      r.tick();
      r.drainOnce();
      // The socket took one batch: every lane's waiting chunks in priority order.
      expect(written(r.connection)).to.deep.equal(['Reply:0', 'Reply:1', 'Changed:1', 'Changed:2']);
    });

    it('keeps the order within each lane and loses nothing on lossless lanes, whatever the interleaving and the socket (property)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ kind: fc.constantFrom('Reply', 'Changed', 'Log'), drain: fc.boolean() }), { maxLength: 200 }),
          fc.integer({ min: -2, max: 2 }),
          (steps, bulkPriority) => {
            const r = rig(
              { notify: lane('backpressure', 1000, { priority: 1 }), bulk: lane('backpressure', 1000, { priority: bulkPriority }) },
              { sendQueueLimit: 1000 },
            );
            r.block();
            const sent: Record<string, number> = { Reply: 0, Changed: 0, Log: 0 };
            for (const step of steps) {
              r.send(step.kind, ++sent[step.kind]!);
              if (step.drain) r.drainOnce();
              else r.tick();
            }
            r.drain();
            r.tick();
            const out = written(r.connection).slice(1);
            for (const kind of ['Reply', 'Changed', 'Log']) {
              const ns = out.filter((m) => m.startsWith(`${kind}:`)).map((m) => Number(m.slice(kind.length + 1)));
              expect(ns).to.deep.equal(Array.from({ length: sent[kind]! }, (_, i) => i + 1));
            }
            expect(r.policy.messagesOut).to.equal(out.length + 1);
            expect(r.metered()).to.equal(0);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe('policies per lane', () => {
    it('drop-oldest keeps the newest `limit` messages of its lane; the default lane (backpressure) loses nothing', () => {
      const r = rig({ notify: lane('drop-oldest', 3, { priority: 1 }) }, { sendQueueLimit: 100 });
      r.block();
      for (let n = 1; n <= 10; n++) {
        expect(r.send('Changed', n)).to.equal(true);
        expect(r.send('Reply', n)).to.equal(true);
      }
      r.tick();
      expect(r.host.take()).to.deep.equal(Array.from({ length: 7 }, () => ['dropped', 'drop-oldest', 'notify']));
      expect(r.policy.full).to.equal(false);
      r.drain();
      r.tick();
      const out = written(r.connection);
      expect(out).to.deep.equal(['Reply:0', ...Array.from({ length: 10 }, (_, i) => `Reply:${i + 1}`), 'Changed:8', 'Changed:9', 'Changed:10']);
      const stats = r.policy.laneStats().lanes!;
      expect(stats['notify']).to.deep.equal({ queued: 0, bytes: 0, sent: 3, dropped: 7 });
      expect(stats['default']).to.deep.equal({ queued: 0, bytes: 0, sent: 11, dropped: 0 });
      expect(r.policy.messagesOut).to.equal(14);
    });

    it('drop-newest keeps the oldest `limit` messages of its lane', () => {
      const r = rig({ notify: lane('drop-newest', 2) });
      r.block();
      expect([1, 2, 3, 4].map((n) => r.send('Changed', n))).to.deep.equal([true, true, false, false]);
      expect(r.host.take()).to.deep.equal([
        ['dropped', 'drop-newest', 'notify'],
        ['dropped', 'drop-newest', 'notify'],
      ]);
      r.drain();
      r.tick();
      expect(written(r.connection)).to.deep.equal(['Reply:0', 'Changed:1', 'Changed:2']);
    });

    it('a lane is bounded by its bytes as well as its count', () => {
      // {"kind":"Changed","n":N}\n is 25 bytes for one digit.
      const r = rig({ notify: lane('drop-oldest', 1000, { bytes: 3 * 25 }) });
      r.block();
      for (let n = 1; n <= 9; n++) r.send('Changed', n);
      expect(r.policy.laneStats().lanes!['notify']).to.deep.equal({ queued: 3, bytes: 75, sent: 0, dropped: 6 });
      expect(r.policy.bytes).to.equal(75);
      expect(r.metered()).to.equal(75);
      r.drain();
      r.tick();
      expect(written(r.connection)).to.deep.equal(['Reply:0', 'Changed:7', 'Changed:8', 'Changed:9']);
      expect(r.metered()).to.equal(0);
    });

    it('drop-oldest keeps a lane within its bytes plus one message, however the sizes of its messages vary (a flood into a peer that never reads)', () => {
      const r = rig({ notify: lane('drop-oldest', 1000, { bytes: 1000 }) });
      r.block();
      let most = 0;
      for (let n = 1; n <= 20_000; n++) {
        // Small and large messages mixed: up to about 600 bytes each.
        r.policy.send(textCodec, { kind: 'Changed', n, pad: 'x'.repeat((n * 7919) % 577) }, SOURCE);
        most = Math.max(most, r.policy.laneStats().lanes!['notify']!.bytes);
      }
      expect(most).to.be.below(1000 + 600);
      expect(r.metered()).to.equal(r.policy.bytes);
    });

    it('backpressure: a full lane makes the peer not writable and holds input; relief once it drained to half', () => {
      const r = rig({ replies: lane('backpressure', 4), notify: lane('drop-oldest', 2, { priority: 1 }) }, { sendQueueLimit: 100 });
      const source: LaneSource = { tag: 'kind', lanes: Object.assign(Object.create(null) as Record<string, string>, { Reply: 'replies', Changed: 'notify' }) };
      r.block();
      for (let n = 1; n <= 4; n++) r.policy.send(textCodec, { kind: 'Reply', n }, source);
      expect(r.policy.full).to.equal(true);
      expect(r.host.take()).to.deep.equal([]);
      // Over the limit: queued, and input is held.
      expect(r.policy.send(textCodec, { kind: 'Reply', n: 5 }, source)).to.equal(true);
      expect(r.host.take()).to.deep.equal([['hold', true]]);
      // A drop lane that drains relieves nobody while the backpressure lane is full.
      for (let n = 1; n <= 5; n++) r.policy.send(textCodec, { kind: 'Changed', n }, source);
      r.host.take();
      r.drain();
      r.tick();
      expect(r.host.take()).to.deep.equal([['relieved']]);
      expect(r.policy.full).to.equal(false);
      expect(written(r.connection)).to.deep.equal(['Reply:0', 'Reply:1', 'Reply:2', 'Reply:3', 'Reply:4', 'Reply:5', 'Changed:4', 'Changed:5']);
    });

    it('backpressure: with two lossless lanes full, relief comes once both drained, even the one that never refused a send', () => {
      const r = rig({ replies: lane('backpressure', 4), bulk: lane('backpressure', 4, { priority: 1 }) }, { sendQueueLimit: 100 });
      const source: LaneSource = { tag: 'kind', lanes: Object.assign(Object.create(null) as Record<string, string>, { Reply: 'replies', Log: 'bulk' }) };
      r.block();
      // bulk exactly at its limit (no send refused), replies over it (input held).
      for (let n = 1; n <= 4; n++) r.policy.send(textCodec, { kind: 'Log', n }, source);
      for (let n = 1; n <= 5; n++) r.policy.send(textCodec, { kind: 'Reply', n }, source);
      expect(r.host.take()).to.deep.equal([['hold', true]]);
      r.drainOnce();
      expect(r.host.take()).to.deep.equal([['relieved']]);
      expect(r.policy.full).to.equal(false);
    });

    it('backpressure: a lane past 8 times its limits closes the connection (a sender ignoring demand)', () => {
      const r = rig({ notify: lane('backpressure', 2) });
      r.block();
      let refused = 0;
      for (let n = 1; n <= 100 && refused === 0; n++) if (!r.send('Changed', n)) refused = n;
      expect(refused).to.equal(17);
      const full = r.host.calls.filter((c) => c[0] === 'full');
      expect(full).to.have.length(1);
      expect(full[0]![1]).to.be.instanceOf(SendQueueFullError).with.property('limit', 2);
    });

    it('disconnect: a full lane closes the connection', () => {
      const r = rig({ notify: lane('disconnect', 2) });
      r.block();
      expect([1, 2, 3].map((n) => r.send('Changed', n))).to.deep.equal([true, true, false]);
      const calls = r.host.take();
      expect(calls).to.have.length(1);
      expect(calls[0]![0]).to.equal('full');
    });

    it('the default lane keeps sendQueueLimit and onSendQueueFull', () => {
      const r = rig({ notify: lane('backpressure', 100) }, { sendQueueLimit: 2, onSendQueueFull: 'drop-newest' });
      r.block();
      expect([1, 2, 3].map((n) => r.send('Reply', n))).to.deep.equal([true, true, false]);
      expect(r.host.take()).to.deep.equal([['dropped', 'drop-newest', 'default']]);
      // Full, so not writable (as without lanes).
      expect(r.policy.full).to.equal(true);
    });

    it('a drop lane that is full never makes the peer not writable', () => {
      const r = rig({ notify: lane('drop-oldest', 1), quiet: lane('drop-newest', 1) });
      r.block();
      for (let n = 1; n <= 5; n++) r.send('Changed', n);
      expect(r.policy.full).to.equal(false);
    });
  });

  describe('routing', () => {
    it('a message in no lane, of an unknown kind, or not an object goes to the default lane', () => {
      const r = rig({ notify: lane('backpressure', 100) });
      r.block();
      r.send('toString', 1);
      r.send('Reply', 2);
      r.policy.send(textCodec, { kind: 'Changed', n: 3 });
      expect(r.policy.laneStats().lanes!['default']!.queued).to.equal(3);
      expect(r.policy.laneStats().lanes!['notify']!.queued).to.equal(0);
    });

    it('control frames skip the lanes and are not counted as messages', () => {
      const r = rig({ notify: lane('backpressure', 100) });
      r.send('Changed', 1);
      r.policy.control(textCodec, 'pong');
      r.tick();
      expect(r.connection.text()).to.equal(`${textCodec.controlFrame('pong', true) as string}{"kind":"Changed","n":1}\n`);
      expect(r.policy.messagesOut).to.equal(1);
    });

    it('whenIdle waits for every lane to be written', () => {
      const r = rig({ notify: lane('backpressure', 100, { priority: 1 }) });
      r.block();
      r.send('Changed', 1);
      let idle = false;
      r.policy.whenIdle(() => (idle = true));
      r.tick();
      expect(idle).to.equal(false);
      r.drain();
      r.tick();
      expect(idle).to.equal(true);
      expect(written(r.connection)).to.deep.equal(['Reply:0', 'Changed:1']);
    });

    it('clear() drops every lane and gives its bytes back to the meter', () => {
      const r = rig({ notify: lane('backpressure', 100) });
      r.block();
      for (let n = 1; n <= 5; n++) r.send('Changed', n);
      r.send('Reply', 1);
      expect(r.policy.queued).to.equal(6);
      expect(r.policy.clear()).to.equal(6);
      expect(r.metered()).to.equal(0);
      expect(r.policy.queued).to.equal(0);
    });
  });

  it('without lanes in the config there are none (the single-queue path)', () => {
    const host = new RecordingHost();
    const config: OutboundConfig = { maxFrameBytes: 1024, sendQueueLimit: 4, sendQueueBytes: 1 << 20, onSendQueueFull: 'backpressure', lanes: {} };
    const policy = new OutboundPolicy(host, new FakeConnection(), config, true);
    expect(policy.lanes).to.equal(undefined);
    expect(policy.laneStats()).to.deep.equal({});
  });
});
