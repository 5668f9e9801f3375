import { expect } from 'chai';
import { DEFAULT_MATCH_CONFIG, MAX_SEED, parseWebPageOptions, playAddress, webMatchConfig } from '@rxmsg-examples/ping-pong';

describe('the web page options', () => {
  it('reads seed, scoreLimit and pace from the query string, with defaults', () => {
    expect(parseWebPageOptions('')).to.deep.equal({ ok: true, value: { seed: undefined, scoreLimit: DEFAULT_MATCH_CONFIG.scoreLimit, paceMs: 0 } });
    expect(parseWebPageOptions('?seed=42&scoreLimit=5&pace=50&other=x')).to.deep.equal({ ok: true, value: { seed: 42, scoreLimit: 5, paceMs: 50 } });
    expect(parseWebPageOptions('?seed=&scoreLimit=')).to.deep.include({ ok: true });
  });

  const errors: [string, RegExp][] = [
    ['?seed=abc', /seed must be a number/],
    ['?seed=-1', /seed must be >= 0/],
    [`?seed=${MAX_SEED + 1}`, /seed must be <=/],
    ['?scoreLimit=0', /scoreLimit must be at least 1/],
    ['?scoreLimit=2.5', /scoreLimit must be an integer/],
    ['?pace=5000', /pace must be <=/],
  ];
  for (const [search, message] of errors) {
    it(`refuses ${search}`, () => {
      const result = parseWebPageOptions(search);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.error).to.match(message);
    });
  }

  it('gives match i the seed seed + i (wrapping), or none', () => {
    const seeded = { seed: MAX_SEED - 1, scoreLimit: 3, paceMs: 0 };
    expect(webMatchConfig(seeded, 0)).to.deep.equal({ ...DEFAULT_MATCH_CONFIG, scoreLimit: 3, seed: MAX_SEED - 1 });
    expect(webMatchConfig(seeded, 2).seed).to.equal(0);
    expect(webMatchConfig({ ...seeded, seed: undefined }, 5)).to.deep.equal({ ...DEFAULT_MATCH_CONFIG, scoreLimit: 3 });
  });

  it('plays on /play of the page’s own host, over wss:// for an https page', () => {
    expect(playAddress({ protocol: 'http:', host: '127.0.0.1:8080' })).to.equal('ws://127.0.0.1:8080/play');
    expect(playAddress({ protocol: 'https:', host: '[::1]:443' })).to.equal('wss://[::1]:443/play');
  });
});
