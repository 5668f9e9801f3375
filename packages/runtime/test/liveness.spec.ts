import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { TimeoutError, type BaseConfig } from '@rxmsg/core';
import { Liveness, type LivenessExpiry, type LivenessHost } from '../src/liveness';

type Call = readonly [at: number, what: 'ping' | LivenessExpiry];

/**
 * Records each call with its virtual time. Like a session, it counts its own ping as sent
 * (`controlOut`) and stops the liveness when a deadline expires (the connection closes).
 */
class RecordingLivenessHost implements LivenessHost {
  readonly calls: Call[] = [];
  readonly errors: TimeoutError[] = [];
  liveness: Liveness | undefined;

  constructor(private readonly scheduler: TestScheduler) {}

  expired(reason: LivenessExpiry, error: TimeoutError): void {
    this.calls.push([this.scheduler.now(), reason]);
    this.errors.push(error);
    this.liveness?.stop();
  }

  ping(): void {
    this.calls.push([this.scheduler.now(), 'ping']);
    this.liveness?.controlOut();
  }
}

type LivenessConfig = Pick<BaseConfig, 'heartbeat' | 'idleTimeoutMs'>;

function rig(config: Partial<LivenessConfig>, handshakeTimeoutMs = 0) {
  const s = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  s.maxFrames = Infinity;
  const host = new RecordingLivenessHost(s);
  const liveness = new Liveness(host, { heartbeat: 'none', idleTimeoutMs: 0, ...config }, s, handshakeTimeoutMs);
  host.liveness = liveness;
  const at = (ms: number, work: () => void): void => void s.schedule(work, ms);
  return { s, host, liveness, at };
}

describe('Liveness', () => {
  describe('handshake deadline', () => {
    it('is met by an application message before it', () => {
      const { s, host, liveness, at } = rig({}, 100);
      liveness.start();
      expect(liveness.timers).to.equal(1);
      at(99, () => {
        liveness.messageIn();
        expect(liveness.timers).to.equal(0);
      });
      s.flush();
      expect(host.calls).to.deep.equal([]);
    });

    it('is missed when only bytes (no message) arrived', () => {
      const { s, host, liveness, at } = rig({}, 100);
      liveness.start();
      at(60, () => liveness.received());
      at(150, () => liveness.messageIn());
      s.flush();
      expect(host.calls).to.deep.equal([[100, 'handshake-timeout']]);
      expect(host.errors[0]).to.be.instanceOf(TimeoutError);
      expect(host.errors[0]!.code).to.equal('TIMEOUT');
      expect(liveness.timers).to.equal(0);
    });

    it('is not armed when 0', () => {
      const { s, host, liveness } = rig({});
      liveness.start();
      expect(liveness.timers).to.equal(0);
      s.flush();
      expect(host.calls).to.deep.equal([]);
    });
  });

  describe('heartbeat', () => {
    it('pings after each interval in which nothing was sent, and not after one in which something was', () => {
      const { s, host, liveness, at } = rig({ heartbeat: { intervalMs: 100, timeoutMs: 1000 } });
      liveness.start();
      // The peer keeps talking: no timeout.
      for (let t = 50; t <= 600; t += 50) at(t, () => liveness.received());
      at(150, () => liveness.messageOut());
      at(420, () => liveness.controlOut());
      at(650, () => liveness.stop());
      s.flush();
      expect(host.calls).to.deep.equal([
        [100, 'ping'],
        // 100-200: a message went out.
        [300, 'ping'],
        // 400-500: a heartbeat went out.
        [400, 'ping'],
        [600, 'ping'],
      ]);
    });

    it('times out when nothing was received for timeoutMs, checked at each interval', () => {
      const { s, host, liveness } = rig({ heartbeat: { intervalMs: 100, timeoutMs: 250 } });
      liveness.start();
      s.flush();
      expect(host.calls).to.deep.equal([
        [100, 'ping'],
        [200, 'ping'],
        [300, 'timeout'],
      ]);
      expect(host.errors[0]).to.be.instanceOf(TimeoutError);
      expect(liveness.timers).to.equal(0);
    });

    it('counts the timeout from the last bytes received', () => {
      const { s, host, liveness, at } = rig({ heartbeat: { intervalMs: 100, timeoutMs: 250 } });
      liveness.start();
      at(120, () => liveness.received());
      s.flush();
      expect(host.calls).to.deep.equal([
        [100, 'ping'],
        [200, 'ping'],
        [300, 'ping'],
        [400, 'timeout'],
      ]);
    });

    it('stops its timer when the host stops it from inside a ping', () => {
      const { s, host, liveness } = rig({ heartbeat: { intervalMs: 100, timeoutMs: 1000 } });
      host.ping = () => {
        host.calls.push([s.now(), 'ping']);
        liveness.stop();
      };
      liveness.start();
      s.flush();
      expect(host.calls).to.deep.equal([[100, 'ping']]);
      expect(liveness.timers).to.equal(0);
    });
  });

  describe('idle timeout', () => {
    it('expires idleTimeoutMs after the start when nothing happens', () => {
      const { s, host, liveness } = rig({ idleTimeoutMs: 1000 });
      liveness.start();
      s.flush();
      expect(host.calls).to.deep.equal([[1000, 'idle-timeout']]);
      expect(host.errors[0]).to.be.instanceOf(TimeoutError);
    });

    it('is pushed back by application messages either way, not by bytes or heartbeats', () => {
      const { s, host, liveness, at } = rig({ idleTimeoutMs: 1000 });
      liveness.start();
      at(600, () => liveness.messageIn());
      at(1500, () => liveness.messageOut());
      at(2000, () => {
        liveness.received();
        liveness.controlOut();
      });
      s.flush();
      expect(host.calls).to.deep.equal([[2500, 'idle-timeout']]);
    });

    it('holds one idle timer while it is re-armed', () => {
      const { s, liveness, at } = rig({ idleTimeoutMs: 100 });
      liveness.start();
      let most = 0;
      for (let t = 10; t < 5000; t += 10) {
        at(t, () => {
          liveness.messageIn();
          most = Math.max(most, liveness.timers);
        });
      }
      at(5000, () => liveness.stop());
      s.flush();
      expect(most).to.equal(1);
      expect(liveness.timers).to.equal(0);
    });
  });

  it('stop() cancels every timer, and is idempotent', () => {
    const { s, host, liveness, at } = rig({ heartbeat: { intervalMs: 100, timeoutMs: 300 }, idleTimeoutMs: 500 }, 200);
    liveness.start();
    expect(liveness.timers).to.equal(3);
    at(50, () => {
      liveness.stop();
      liveness.stop();
      expect(liveness.timers).to.equal(0);
    });
    s.flush();
    expect(host.calls).to.deep.equal([]);
    expect(s.actions).to.have.length(0);
  });

  it('holds at most 3 timers over 10,000 heartbeat intervals of a live connection', () => {
    const { s, host, liveness, at } = rig({ heartbeat: { intervalMs: 10, timeoutMs: 30 }, idleTimeoutMs: 25 }, 50);
    liveness.start();
    const INTERVALS = 10_000;
    let most = 0;
    let mostActions = 0;
    // The peer sends a message every 7 ms; this side answers every other one.
    let n = 0;
    const peer = (): void => {
      liveness.received();
      liveness.messageIn();
      if (n++ % 2 === 0) liveness.messageOut();
      most = Math.max(most, liveness.timers);
      mostActions = Math.max(mostActions, s.actions.length);
      if (s.now() < INTERVALS * 10) at(7, peer);
      else liveness.stop(); // the connection closes
    };
    at(7, peer);
    s.flush();
    expect(n).to.be.greaterThan(INTERVALS);
    expect(host.calls.filter(([, what]) => what !== 'ping')).to.deep.equal([]);
    expect(most).to.be.at.most(3);
    expect(most).to.equal(2); // the handshake deadline was met at 7 ms
    // The scheduler holds the heartbeat, the idle check and the next peer step: nothing piles up.
    expect(mostActions).to.be.at.most(3);
    expect(liveness.timers).to.equal(0);
    expect(s.actions).to.have.length(0);
  });

  it('holds at most 3 timers over 10,000 intervals of a silent peer that only sends heartbeats', () => {
    const { s, host, liveness, at } = rig({ heartbeat: { intervalMs: 10, timeoutMs: 30 }, idleTimeoutMs: 1_000_000 }, 200_000);
    liveness.start();
    let most = 0;
    let steps = 0;
    const probe = (): void => {
      liveness.received();
      most = Math.max(most, liveness.timers);
      if (++steps < 10_000) at(10, probe);
    };
    at(5, probe);
    s.flush();
    expect(most).to.equal(3);
    expect(host.calls.filter(([, what]) => what === 'ping')).to.have.length.greaterThan(9_000);
    // The last bytes came at 99,995 ms: the first tick 30 ms after them ends the connection (and every timer).
    expect(host.calls.filter(([, what]) => what !== 'ping')).to.deep.equal([[100_030, 'timeout']]);
    expect(liveness.timers).to.equal(0);
  });
});
