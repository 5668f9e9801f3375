import { expect } from 'chai';
import { SERVER_CONFIG_DEFAULTS, CLIENT_CONFIG_DEFAULTS, type ServerConfig } from '@rxmsg/core';
import { FRAME_BUFFER_SLACK } from '../src/inbound-pump';
import type { ByteMeter } from '../src/outbound-queue';
import { pumpOptionsFor } from '../src/pump-options';

describe('pumpOptionsFor', () => {
  const meter = (): ByteMeter => ({ add: () => {} });

  it('one frozen object per config, scheduler and meter, with the values of that config', () => {
    const config: ServerConfig = { ...SERVER_CONFIG_DEFAULTS, validation: 'tag', receiveQueueLimit: 9, maxFrameBytes: 1000 };
    const m = meter();
    const a = pumpOptionsFor(config, undefined, m);
    expect(pumpOptionsFor(config, undefined, m)).to.equal(a);
    expect(Object.isFrozen(a)).to.equal(true);
    expect(a).to.deep.equal({ validateFully: false, receiveQueueLimit: 9, maxBufferedBytes: 1000 + FRAME_BUFFER_SLACK, soon: undefined, meter: m });
    expect(pumpOptionsFor(config, undefined, undefined)).to.not.equal(a);
    expect(pumpOptionsFor(CLIENT_CONFIG_DEFAULTS, undefined, undefined).validateFully).to.equal(CLIENT_CONFIG_DEFAULTS.validation === 'full');
  });

  it('past the pairs kept per config, still the right values (made afresh, the cache stays bounded)', () => {
    const config: ServerConfig = { ...SERVER_CONFIG_DEFAULTS };
    const meters = Array.from({ length: 20 }, meter);
    const first = meters.map((m) => pumpOptionsFor(config, undefined, m));
    meters.forEach((m, i) => {
      const again = pumpOptionsFor(config, undefined, m);
      expect(again.meter).to.equal(m);
      // The first pairs are kept (the same object again); later ones are equal but new.
      if (i < 8) expect(again).to.equal(first[i]);
      else expect(again).to.deep.equal(first[i]);
    });
  });
});
