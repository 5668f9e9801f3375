import { expect } from 'chai';
import { runSettings, scaledSettings } from '../src/run-settings';
import { WORKLOADS, type Workload, type WorkloadSettings } from '../src/workloads';

function workload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (w === undefined) throw new Error(`no workload ${name}`);
  return w;
}

describe('bench: settings of a run', () => {
  const own: WorkloadSettings = { kind: 'one-way', total: 300, warmup: 30, timeLimitMs: 1_000 };

  it("uses the system's own full settings for a workload it has them for", () => {
    expect(runSettings(workload('one-way'), { name: 's', fullSettings: { 'one-way': own } }, false)).to.equal(own);
  });

  it("uses the workload's full settings otherwise", () => {
    const w = workload('ping-pong');
    expect(runSettings(w, { name: 's', fullSettings: { 'one-way': own } }, false)).to.equal(w.full);
    expect(runSettings(w, { name: 's' }, false)).to.equal(w.full);
  });

  it("uses the workload's quick settings in quick mode, whatever the system's", () => {
    const w = workload('one-way');
    expect(runSettings(w, { name: 's', fullSettings: { 'one-way': own } }, true)).to.equal(w.quick);
  });

  it('refuses settings of another kind than the workload', () => {
    expect(() => runSettings(workload('ping-pong'), { name: 's', fullSettings: { 'ping-pong': own } }, false)).to.throw(/kind one-way/);
  });

  it('scales counts and measured periods (--scale), keeping time limits, connections and at least one measured message', () => {
    expect(scaledSettings({ kind: 'one-way', total: 1_000_000, warmup: 100_000, timeLimitMs: 30_000 }, 0.2)).to.deep.equal({
      kind: 'one-way',
      total: 200_000,
      warmup: 20_000,
      timeLimitMs: 30_000,
    });
    expect(scaledSettings({ kind: 'requests', total: 10, window: 1, warmup: 9, timeLimitMs: 5_000 }, 0.01)).to.deep.equal({
      kind: 'requests',
      total: 1,
      window: 1,
      warmup: 0,
      timeLimitMs: 5_000,
    });
    const fanIn = workload('fan-in-2000').full;
    expect(scaledSettings(fanIn, 0.5)).to.deep.equal({ ...fanIn, durationMs: 2_500 });
  });
});
