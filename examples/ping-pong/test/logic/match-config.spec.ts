import { expect } from 'chai';
import { DEFAULT_MATCH_CONFIG, DEFAULT_THRESHOLDS, parseMatchConfig } from '@rxmsg-examples/ping-pong';

describe('match config', () => {
  it('accepts the default config, with and without a seed', () => {
    expect(parseMatchConfig(DEFAULT_MATCH_CONFIG)).to.deep.equal({ ok: true, config: DEFAULT_MATCH_CONFIG });
    const seeded = parseMatchConfig({ ...DEFAULT_MATCH_CONFIG, seed: 0xffffffff });
    expect(seeded.ok && seeded.config.seed).to.equal(0xffffffff);
  });

  const cases: [string, unknown, string][] = [
    ['score limit 0', { ...DEFAULT_MATCH_CONFIG, scoreLimit: 0 }, 'scoreLimit'],
    ['fractional score limit', { ...DEFAULT_MATCH_CONFIG, scoreLimit: 2.5 }, 'scoreLimit'],
    ['negative seed', { ...DEFAULT_MATCH_CONFIG, seed: -1 }, 'seed'],
    ['seed over 32 bits', { ...DEFAULT_MATCH_CONFIG, seed: 2 ** 32 }, 'seed'],
    ['missing thresholds', { scoreLimit: 3 }, 'thresholds'],
    ['threshold of 1', { ...DEFAULT_MATCH_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, ballOut: 1 } }, 'thresholds.ballOut'],
    ['threshold of 0', { ...DEFAULT_MATCH_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, softMishit: 0 } }, 'thresholds.softMishit'],
    ['thresholds not increasing', { ...DEFAULT_MATCH_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, mishit: 0.16 } }, 'thresholds.mishit'],
    ['equal thresholds', { ...DEFAULT_MATCH_CONFIG, thresholds: { ...DEFAULT_THRESHOLDS, netTouch: 0.03 } }, 'thresholds.netTouch'],
  ];
  for (const [name, input, path] of cases) {
    it(`rejects ${name}, naming ${path}`, () => {
      const result = parseMatchConfig(input);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.issues.some((i) => i.startsWith(`${path}:`)), result.issues.join('; ')).to.equal(true);
    });
  }
});
