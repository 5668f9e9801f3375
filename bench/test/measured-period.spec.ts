import { expect } from 'chai';
import { FanInClient } from '../src/fan-in-client';
import { HandoverDriver } from '../src/handover-driver';
import type { Outcome } from '../src/run-result';
import type { RequestSource } from '../src/system-adapter';
import type { FanInSettings, HandoverSettings } from '../src/workloads';

/** Resolve after `ms`: a connection or a round trip slower than the measured window. */
function after(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fake transport for a fan-in connection: answers each request `replyMs` later, until the source is finished. */
function fakeConnection(replyMs: number): (source: RequestSource) => Promise<void> {
  return (source) =>
    new Promise<void>((resolve) => {
      const pump = (): void => {
        if (source.finished) {
          resolve();
          return;
        }
        const n = source.nextRequest();
        if (n === undefined) {
          if (source.finished) resolve();
          return;
        }
        void after(replyMs).then(() => {
          source.onReply(n);
          pump();
        });
      };
      source.setWake(pump);
      pump();
    });
}

async function runFanIn(settings: FanInSettings): Promise<Outcome> {
  let outcome: Outcome | undefined;
  const client = new FanInClient(settings, (o) => (outcome = o));
  const closed: Promise<void>[] = [];
  await client.open(fakeConnection(20), closed);
  client.go();
  await Promise.all(closed);
  expect(outcome, 'reported once every connection ended').to.not.equal(undefined);
  return outcome!;
}

async function runHandover(settings: HandoverSettings): Promise<Outcome> {
  let outcome: Outcome | undefined;
  await new HandoverDriver(settings, (o) => (outcome = o)).run(() => after(20));
  expect(outcome, 'reported once every connection ended').to.not.equal(undefined);
  return outcome!;
}

// Each connection or round trip takes at least 20 ms, far longer than the 1 ms measured window:
// however loaded the machine, the window alone never catches a sample.
describe('bench measured period', () => {
  describe('handover', () => {
    const base: HandoverSettings = { kind: 'handover', concurrency: 2, warmupMs: 0, durationMs: 1, timeLimitMs: 5_000 };

    it('with minSamples, lasts until that many connections completed and takes the rate over its actual length', async () => {
      const outcome = await runHandover({ ...base, minSamples: 3 });
      if (!outcome.ok) expect.fail(outcome.error);
      expect(outcome.result.count).to.be.at.least(3);
      expect(outcome.result.seconds).to.be.above(0);
      expect(outcome.result.rate).to.be.closeTo(outcome.result.count / outcome.result.seconds, 1e-9);
    });

    it('without minSamples (full runs), a window that caught no connection is a failed run', async () => {
      const outcome = await runHandover(base);
      expect(outcome).to.deep.equal({ ok: false, error: 'no connection completed within the measured 1 ms' });
    });
  });

  describe('fan-in', () => {
    const base: FanInSettings = {
      kind: 'fan-in',
      connections: 3,
      connectConcurrency: 3,
      warmupMs: 0,
      durationMs: 1,
      timeLimitMs: 5_000,
      rssSettleMs: 0,
    };

    it('with minSamples, lasts until that many round trips were counted and takes the rate over its actual length', async () => {
      const outcome = await runFanIn({ ...base, minSamples: 5 });
      if (!outcome.ok) expect.fail(outcome.error);
      expect(outcome.result.count).to.be.at.least(5);
      expect(outcome.result.seconds).to.be.above(0);
      expect(outcome.result.rate).to.be.closeTo(outcome.result.count / outcome.result.seconds, 1e-9);
    });

    it('without minSamples (full runs), a window that caught no round trip is a failed run', async () => {
      const outcome = await runFanIn(base);
      expect(outcome).to.deep.equal({ ok: false, error: 'no round trip in the measured 1 ms' });
    });
  });
});
