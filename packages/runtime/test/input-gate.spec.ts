import { expect } from 'chai';
import fc from 'fast-check';
import { TestScheduler } from 'rxjs/testing';
import type { RateLimitPolicy } from '@rxmsg/core';
import type { PauseCause } from '../src/events';
import { InputGate, type InputGateHost } from '../src/input-gate';

type Call =
  | readonly ['pause']
  | readonly ['resume']
  | readonly ['flow', Exclude<PauseCause, 'frame-buffer'>, boolean]
  | readonly ['ready']
  | readonly ['over-rate', boolean];

/** Records every call the gate makes, in order. */
class RecordingGateHost implements InputGateHost {
  readonly calls: Call[] = [];

  pauseInput(): void {
    this.calls.push(['pause']);
  }

  resumeInput(): void {
    this.calls.push(['resume']);
  }

  flowChanged(cause: Exclude<PauseCause, 'frame-buffer'>, paused: boolean): void {
    this.calls.push(['flow', cause, paused]);
  }

  inputReady(): void {
    this.calls.push(['ready']);
  }

  overRate(disconnect: boolean): void {
    this.calls.push(['over-rate', disconnect]);
  }

  /** The calls made since the last `take()`. */
  take(): Call[] {
    return this.calls.splice(0);
  }
}

const CAUSES: readonly PauseCause[] = ['frame-buffer', 'send-queue', 'receive-queue', 'rate-limit'];

function scheduler(): TestScheduler {
  const s = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  s.maxFrames = Infinity;
  return s;
}

function gate(rate: 'none' | RateLimitPolicy = 'none'): { g: InputGate; host: RecordingGateHost; s: TestScheduler } {
  const host = new RecordingGateHost();
  const s = scheduler();
  return { g: new InputGate(host, rate, s), host, s };
}

const rate = (onExceed: RateLimitPolicy['onExceed']): RateLimitPolicy => ({ messagesPerSecond: 10, burst: 2, onExceed });

describe('InputGate', () => {
  describe('pause reasons', () => {
    it('pauses on the first reason set and resumes on the last one cleared', () => {
      const { g, host } = gate();
      g.set('send-queue', true);
      expect(host.take()).to.deep.equal([['pause'], ['flow', 'send-queue', true]]);
      g.set('receive-queue', true);
      expect(host.take()).to.deep.equal([['flow', 'receive-queue', true]]);
      g.set('send-queue', false);
      expect(host.take()).to.deep.equal([['flow', 'send-queue', false], ['ready']]);
      expect(g.paused).to.equal(true);
      g.set('receive-queue', false);
      expect(host.take()).to.deep.equal([['resume'], ['flow', 'receive-queue', false], ['ready']]);
      expect(g.paused).to.equal(false);
      expect(g.pauses).to.equal(1);
    });

    it('reports no flow change for the frame buffer, but pauses, resumes and signals ready for it', () => {
      const { g, host } = gate();
      g.set('frame-buffer', true);
      expect(host.take()).to.deep.equal([['pause']]);
      expect(g.paused).to.equal(true);
      expect(g.holding).to.equal(false);
      g.set('frame-buffer', false);
      expect(host.take()).to.deep.equal([['resume'], ['ready']]);
    });

    it('holds delivery back for every reason except the frame buffer', () => {
      for (const cause of ['send-queue', 'receive-queue', 'rate-limit'] as const) {
        const { g, host } = gate();
        g.set(cause, true);
        expect(g.holding, cause).to.equal(true);
        expect(host.take()).to.deep.equal([['pause'], ['flow', cause, true]]);
      }
    });

    it('ignores a reason set twice or cleared while not set', () => {
      const { g, host } = gate();
      g.set('receive-queue', false);
      expect(host.take()).to.deep.equal([]);
      g.set('receive-queue', true);
      host.take();
      g.set('receive-queue', true);
      expect(host.take()).to.deep.equal([]);
      expect(g.pauses).to.equal(1);
    });

    it('counts each pause from open', () => {
      const { g } = gate();
      for (let i = 0; i < 3; i++) {
        g.set('send-queue', true);
        g.set('frame-buffer', true);
        g.set('send-queue', false);
        g.set('frame-buffer', false);
      }
      expect(g.pauses).to.equal(3);
    });

    it('keeps pause and resume alternating, starting with pause, and paused equal to "some reason set" (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom(...CAUSES), fc.boolean()), { maxLength: 200 }), (steps) => {
          const { g, host } = gate();
          const set = new Set<PauseCause>();
          for (const [cause, on] of steps) {
            g.set(cause, on);
            if (on) set.add(cause);
            else set.delete(cause);
            expect(g.paused).to.equal(set.size > 0);
            expect(g.holding).to.equal([...set].some((c) => c !== 'frame-buffer'));
          }
          const toggles = host.calls.filter((c) => c[0] === 'pause' || c[0] === 'resume').map((c) => c[0]);
          toggles.forEach((kind, i) => expect(kind).to.equal(i % 2 === 0 ? 'pause' : 'resume'));
          // Paused at the end exactly when the last toggle was a pause.
          expect(toggles.length % 2 === 1).to.equal(set.size > 0);
          expect(g.pauses).to.equal(toggles.filter((k) => k === 'pause').length);
        }),
      );
    });
  });

  describe("rate limit under 'pause'", () => {
    it('lets frames through while tokens last, then pauses for rate-limit until the next token', () => {
      const { g, host, s } = gate(rate('pause'));
      s.run(() => {
        expect(g.tokenReady()).to.equal(true);
        expect(g.admit()).to.equal(true);
        expect(g.tokenReady()).to.equal(true);
        expect(g.admit()).to.equal(true);
        expect(g.tokenReady()).to.equal(false);
        expect(host.take()).to.deep.equal([['pause'], ['flow', 'rate-limit', true]]);
        expect(g.paused).to.equal(true);
        expect(g.timers).to.equal(1);
        expect(g.rateLimited).to.equal(1);
        // 10 per second: the next token is 100 ms away.
        s.schedule(() => {
          expect(g.paused).to.equal(true);
          expect(host.calls).to.deep.equal([]);
        }, 99);
        s.schedule(() => {
          expect(host.take()).to.deep.equal([['resume'], ['flow', 'rate-limit', false], ['ready']]);
          expect(g.timers).to.equal(0);
          expect(g.tokenReady()).to.equal(true);
        }, 100);
      });
      expect(g.paused).to.equal(false);
    });

    it('holds one timer at most however often it is asked', () => {
      const { g, host, s } = gate(rate('pause'));
      s.run(() => {
        g.admit();
        g.admit();
        for (let i = 0; i < 1000; i++) {
          expect(g.tokenReady()).to.equal(false);
          expect(g.timers).to.equal(1);
        }
        expect(host.take()).to.deep.equal([['pause'], ['flow', 'rate-limit', true]]);
        expect(g.rateLimited).to.equal(1000);
      });
      expect(host.take()).to.deep.equal([['resume'], ['flow', 'rate-limit', false], ['ready']]);
      expect(g.timers).to.equal(0);
    });

    it('keeps at most one timer over 100,000 pauses, each ended by its timer', () => {
      const { g, s } = gate({ messagesPerSecond: 1000, burst: 1, onExceed: 'pause' });
      let pauses = 0;
      let most = 0;
      const take = (): void => {
        // A reader taking frames as fast as the gate allows: one token per wake-up.
        while (g.tokenReady()) g.admit();
        pauses++;
        most = Math.max(most, g.timers);
        if (pauses < 100_000) s.schedule(take, 1);
      };
      s.run(() => take());
      expect(pauses).to.equal(100_000);
      expect(most).to.equal(1);
      expect(g.timers).to.equal(0);
      expect(g.pauses).to.be.greaterThan(1000);
    });

    it('admits every frame: tokenReady made sure there is one', () => {
      const { g, host, s } = gate(rate('pause'));
      s.run(() => {
        for (let i = 0; i < 10; i++) expect(g.admit()).to.equal(true);
      });
      expect(host.calls.filter((c) => c[0] === 'over-rate')).to.deep.equal([]);
    });
  });

  for (const onExceed of ['drop', 'disconnect'] as const) {
    describe(`rate limit under '${onExceed}'`, () => {
      it(`reports each frame over the rate with disconnect=${String(onExceed === 'disconnect')}, and never pauses`, () => {
        const { g, host, s } = gate(rate(onExceed));
        s.run(() => {
          expect(g.tokenReady()).to.equal(true);
          expect(g.admit()).to.equal(true);
          expect(g.admit()).to.equal(true);
          expect(g.tokenReady()).to.equal(true);
          expect(g.admit()).to.equal(false);
          expect(g.admit()).to.equal(false);
          expect(host.take()).to.deep.equal([
            ['over-rate', onExceed === 'disconnect'],
            ['over-rate', onExceed === 'disconnect'],
          ]);
          expect(g.rateLimited).to.equal(2);
          expect(g.paused).to.equal(false);
          expect(g.timers).to.equal(0);
          // A token every 100 ms.
          s.schedule(() => expect(g.admit()).to.equal(true), 100);
        });
        expect(host.calls).to.deep.equal([]);
      });
    });
  }

  it("admits everything and holds no timer with rateLimit 'none'", () => {
    const { g, host } = gate('none');
    for (let i = 0; i < 1000; i++) {
      expect(g.tokenReady()).to.equal(true);
      expect(g.admit()).to.equal(true);
    }
    expect(host.calls).to.deep.equal([]);
    expect(g.timers).to.equal(0);
  });

  describe('release and shut', () => {
    it('release reports a resume for each flow reason set, resumes reading, and ignores later changes', () => {
      const { g, host } = gate();
      g.set('frame-buffer', true);
      g.set('send-queue', true);
      g.set('rate-limit', true);
      host.take();
      g.release();
      expect(host.take()).to.deep.equal([['flow', 'send-queue', false], ['flow', 'rate-limit', false], ['resume']]);
      expect(g.paused).to.equal(false);
      g.set('receive-queue', true);
      g.set('send-queue', true);
      g.release();
      expect(host.calls).to.deep.equal([]);
      expect(g.paused).to.equal(false);
    });

    it('release cancels the pending rate-limit timer', () => {
      const { g, host, s } = gate(rate('pause'));
      s.run(() => {
        g.admit();
        g.admit();
        expect(g.tokenReady()).to.equal(false);
        expect(g.timers).to.equal(1);
        host.take();
        g.release();
        expect(host.take()).to.deep.equal([['flow', 'rate-limit', false], ['resume']]);
        expect(g.timers).to.equal(0);
      });
      expect(host.calls).to.deep.equal([]);
    });

    // Regression: tokenReady() after the gate was closed armed a new timer that nothing cancelled.
    for (const close of ['shut', 'release'] as const) {
      it(`arms no timer once closed by ${close}(), however often a token is asked for`, () => {
        const { g, host, s } = gate(rate('pause'));
        s.run(() => {
          g.admit();
          g.admit();
          g[close]();
          host.take();
          for (let i = 0; i < 10; i++) expect(g.tokenReady()).to.equal(false);
          expect(g.timers).to.equal(0);
          expect(s.actions).to.have.length(0);
        });
        expect(host.calls).to.deep.equal([]);
      });
    }

    it('shut cancels the pending timer and freezes the gate without resuming', () => {
      const { g, host, s } = gate(rate('pause'));
      s.run(() => {
        g.admit();
        g.admit();
        g.tokenReady();
        host.take();
        g.shut();
        expect(g.timers).to.equal(0);
        g.set('rate-limit', false);
        g.set('send-queue', true);
      });
      expect(host.calls).to.deep.equal([]);
      expect(g.paused).to.equal(true);
    });
  });
});
