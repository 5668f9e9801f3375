import { expect } from 'chai';
import { ConfigError } from '@rxmsg/core';
import { resolveResumeOptions } from '@rxmsg/core/internal';

describe('resolveResumeOptions', () => {
  it('leaves resumption off when absent, and freezes valid options', () => {
    expect(resolveResumeOptions(undefined)).to.equal(undefined);
    const options = resolveResumeOptions({ bufferBytes: 65_536, windowMs: 30_000 });
    expect(options).to.deep.equal({ bufferBytes: 65_536, windowMs: 30_000 });
    expect(Object.isFrozen(options)).to.equal(true);
  });

  const bad: [string, unknown, string][] = [
    ['a buffer under 1024 bytes', { bufferBytes: 1023, windowMs: 1 }, 'resume.bufferBytes'],
    ['a fractional window', { bufferBytes: 4096, windowMs: 1.5 }, 'resume.windowMs'],
    ['a window over the timer limit', { bufferBytes: 4096, windowMs: 2 ** 31 }, 'resume.windowMs'],
    ['a missing window', { bufferBytes: 4096 }, 'resume.windowMs'],
    ['an unknown field', { bufferBytes: 4096, windowMs: 1, maxSessions: 3 }, 'resume.maxSessions'],
    ['not an object', 'yes', 'resume'],
  ];
  for (const [name, input, field] of bad) {
    it(`refuses ${name}, naming ${field}`, () => {
      expect(() => resolveResumeOptions(input)).to.throw(ConfigError).with.property('field', field);
    });
  }
});
