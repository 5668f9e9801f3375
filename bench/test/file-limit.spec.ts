import { expect } from 'chai';
import { SPARE_FDS, fileLimitShortfall } from '../src/machine';

describe('fileLimitShortfall', () => {
  it('is undefined when the limit covers the connections and the spare descriptors, or is unknown', () => {
    expect(fileLimitShortfall(10_000, 10_000 + SPARE_FDS)).to.equal(undefined);
    expect(fileLimitShortfall(10_000, 20_000)).to.equal(undefined);
    expect(fileLimitShortfall(10_000, undefined)).to.equal(undefined);
  });

  it('names the limit and the `ulimit -n` to use when it is too low (10,000 connections under 8192)', () => {
    const text = fileLimitShortfall(10_000, 8_192);
    expect(text).to.include('10,000 connections need about 10064 file descriptors per process but the soft limit is 8192');
    expect(text).to.include('`ulimit -n 20064`');
  });
});
