import { expect } from 'chai';
import { SERVER_CONFIG_DEFAULTS } from '@rxmsg/core';
import { resolveConfig } from '@rxmsg/core/internal';
import { BACKPRESSURE_CAP, connectionMemoryBound } from '@rxmsg/runtime';
import { FRAME_BUFFER_SLACK, MemoryBudget } from '@rxmsg/runtime/internal';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('MemoryBudget', () => {
  it('calls overLimit once, at the end of the tick, when the sum crosses the limit', async () => {
    const calls: number[] = [];
    const budget = new MemoryBudget(100, (held) => calls.push(held));
    budget.add(60);
    budget.add(30);
    expect(calls).to.deep.equal([]);
    budget.add(20);
    budget.add(5);
    expect(calls).to.deep.equal([]);
    await tick();
    expect(calls).to.deep.equal([115]);
    expect(budget.held).to.equal(115);
  });

  it('does not call overLimit when the sum is back under the limit by the end of the tick', async () => {
    const calls: number[] = [];
    const budget = new MemoryBudget(100, (held) => calls.push(held));
    budget.add(150);
    budget.add(-80);
    await tick();
    expect(calls).to.deep.equal([]);
  });

  it('calls overLimit again in a later tick while the sum stays over and grows', async () => {
    const calls: number[] = [];
    const budget = new MemoryBudget(100, (held) => calls.push(held));
    budget.add(150);
    await tick();
    budget.add(1);
    await tick();
    budget.add(-151);
    budget.add(10);
    await tick();
    expect(calls).to.deep.equal([150, 151]);
  });
});

describe('connectionMemoryBound', () => {
  it('adds up the undecoded input, the receive queue, the capped send queue, heartbeats and the write buffer', () => {
    const config = resolveConfig('server', { maxFrameBytes: 4096, receiveQueueLimit: 16, sendQueueBytes: 65_536 });
    expect(connectionMemoryBound(config)).to.equal(4096 + FRAME_BUFFER_SLACK + 16 * 4096 + BACKPRESSURE_CAP * 65_536 + 4096 + 16 + 262_144 + 16_384);
    // The figure the README and the TSDoc give.
    expect(connectionMemoryBound(config)).to.equal(942_096);
  });

  it('adds each lane: its bytes (or sendQueueBytes), times BACKPRESSURE_CAP under backpressure, and one frame', () => {
    const plain = resolveConfig('server', { maxFrameBytes: 4096, receiveQueueLimit: 16, sendQueueBytes: 65_536 });
    const config = resolveConfig('server', {
      maxFrameBytes: 4096,
      receiveQueueLimit: 16,
      sendQueueBytes: 65_536,
      lanes: { notify: { limit: 100, bytes: 8192, policy: 'drop-oldest' }, bulk: { limit: 10, policy: 'backpressure' } },
    });
    expect(connectionMemoryBound(config) - connectionMemoryBound(plain)).to.equal(8192 + 4096 + BACKPRESSURE_CAP * 65_536 + 4096);
  });

  it('grows with every limit it depends on', () => {
    const base = connectionMemoryBound(SERVER_CONFIG_DEFAULTS);
    for (const key of ['maxFrameBytes', 'receiveQueueLimit', 'sendQueueBytes'] as const) {
      expect(connectionMemoryBound({ ...SERVER_CONFIG_DEFAULTS, [key]: SERVER_CONFIG_DEFAULTS[key] * 2 })).to.be.above(base);
    }
  });
});
