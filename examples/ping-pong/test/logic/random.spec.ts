import { expect } from 'chai';
import { MAX_SEED, SERVER_SEED_MIX, createRandom, playerSeed, randomSeed } from '@rxmsg-examples/ping-pong';

describe('createRandom (mulberry32)', () => {
  it('yields the reference sequence for a seed', () => {
    const random = createRandom(42);
    expect([random(), random()]).to.deep.equal([0.6011037519201636, 0.44829055899754167]);
  });

  it('replays the same sequence from the same seed and another from another seed', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const seqA = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).to.deep.equal(seqA);
    expect(Array.from({ length: 100 }, () => c())).to.not.deep.equal(seqA);
  });

  it('draws in [0, 1), each an exact multiple of 2^-32', () => {
    for (const seed of [0, 1, MAX_SEED]) {
      const random = createRandom(seed);
      for (let i = 0; i < 1000; i++) {
        const d = random();
        expect(d).to.be.at.least(0).and.below(1);
        expect(Number.isInteger(d * 2 ** 32)).to.equal(true);
      }
    }
  });

  it('seeds the client with the match seed and the server with it XOR the mix', () => {
    expect(playerSeed(19, 'client')).to.equal(19);
    expect(playerSeed(19, 'server')).to.equal((19 ^ SERVER_SEED_MIX) >>> 0);
    expect(playerSeed(MAX_SEED, 'server')).to.be.within(0, MAX_SEED);
    expect(randomSeed()).to.be.within(0, MAX_SEED);
  });
});
