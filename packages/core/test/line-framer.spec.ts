import { expect } from 'chai';
import { FrameTooLargeError, FrameTruncatedError, LineFramer } from '@rxmsg/core';
import { concatBytes } from '@rxmsg/core/internal';
import { drain, error, frame, hex, seen, toHex, type Seen } from './support/bytes';
import { runFramerTable, type FramerCase } from './support/framer-table';

const TOO_LARGE = error(FrameTooLargeError, 'FRAME_TOO_LARGE');
const TRUNCATED = error(FrameTruncatedError, 'FRAME_TRUNCATED');

// maxFrameBytes is 4 in every case: "abcd" fits, "abcde" does not.
const MAX = 4;

const cases: FramerCase[] = [
  { name: 'one line', steps: [{ push: '61 62 0a', yields: [frame('61 62')], buffered: 0 }] },
  { name: 'two lines in one chunk', steps: [{ push: '61 0a 62 0a', yields: [frame('61'), frame('62')] }] },
  {
    name: 'a line split across chunks',
    steps: [
      { push: '61 62', yields: [], buffered: 2 },
      { push: '63 0a', yields: [frame('61 62 63')], buffered: 0 },
    ],
  },
  { name: 'a line of exactly maxFrameBytes', steps: [{ push: '61 62 63 64 0a', yields: [frame('61 62 63 64')] }] },
  { name: '\\r\\n accepted as terminator', steps: [{ push: '61 62 0d 0a', yields: [frame('61 62')] }] },
  {
    name: '\\r\\n split between chunks',
    steps: [
      { push: '61 62 0d', yields: [] },
      { push: '0a', yields: [frame('61 62')] },
    ],
  },
  {
    name: 'maxFrameBytes line whose \\r arrives alone (one byte of slack for the CR)',
    steps: [
      { push: '61 62 63 64 0d', yields: [], buffered: 5 },
      { push: '0a', yields: [frame('61 62 63 64')] },
    ],
  },
  { name: 'a \\r inside a line is kept', steps: [{ push: '61 0d 62 0a', yields: [frame('61 0d 62')] }] },
  { name: 'only one \\r is dropped', steps: [{ push: '61 0d 0d 0a', yields: [frame('61 0d')] }] },
  { name: 'blank lines skipped (\\n and \\r\\n)', steps: [{ push: '0a 0a 61 0a 0d 0a 0a 62 0a', yields: [frame('61'), frame('62')] }] },
  { name: 'bytes are not interpreted (UTF-8 é)', steps: [{ push: 'c3 a9 0a', yields: [frame('c3 a9')] }] },
  { name: 'an empty chunk is ignored', steps: [{ push: '', yields: [], buffered: 0 }] },
  {
    name: 'oversized line in one chunk, then the next line',
    steps: [{ push: '61 62 63 64 65 0a 66 0a', yields: [TOO_LARGE, frame('66')], buffered: 0 }],
  },
  {
    name: 'oversized line ending in \\r\\n',
    steps: [{ push: '61 62 63 64 65 0d 0a 66 0a', yields: [TOO_LARGE, frame('66')] }],
  },
  {
    name: 'oversized line reported as soon as the limit is crossed, discarded up to the next \\n',
    steps: [
      { push: '61 62 63 64 65 66', yields: [TOO_LARGE], buffered: 0 },
      { push: '67 68 69 6a', yields: [], buffered: 0 },
      { push: '6b 0a 6c 0a', yields: [frame('6c')], buffered: 0 },
    ],
  },
  {
    name: 'maxFrameBytes + 1 bytes without \\n wait for the terminator (it may be \\r\\n)',
    steps: [
      { push: '61 62 63 64 65', yields: [], buffered: 5 },
      { push: '0a 66 0a', yields: [TOO_LARGE, frame('66')], buffered: 0 },
    ],
  },
  {
    name: 'oversized line crossing the limit over several chunks',
    steps: [
      { push: '61 62', yields: [] },
      { push: '63 64', yields: [] },
      { push: '65 66', yields: [TOO_LARGE], buffered: 0 },
      { push: '0a 67 0a', yields: [frame('67')] },
    ],
  },
  {
    name: 'two oversized lines are two errors',
    steps: [{ push: '61 62 63 64 65 66 0a 61 62 63 64 65 66 67 0a', yields: [TOO_LARGE, TOO_LARGE] }],
  },
  { name: 'clean end after a complete line', steps: [{ push: '61 0a', yields: [frame('61')] }] },
  { name: 'stream ends inside a line', steps: [{ push: '61 0a 62 63', yields: [frame('61')], buffered: 2 }], end: TRUNCATED },
  { name: 'stream ends after a lone \\r', steps: [{ push: '61 0a 0d', yields: [frame('61')] }], end: TRUNCATED },
  {
    name: 'stream ends inside an oversized line already reported',
    steps: [{ push: '61 62 63 64 65 66', yields: [TOO_LARGE] }],
  },
];

describe('LineFramer', () => {
  describe('fixtures', () => runFramerTable(cases, () => new LineFramer(MAX)));
  describe('fixtures, decoding text (frames as strings)', () => runFramerTable(cases, () => new LineFramer(MAX, { decodeText: true })));

  describe('errors', () => {
    it('FrameTooLargeError carries the limit and the bytes seen when it was crossed', () => {
      const framer = new LineFramer(MAX);
      framer.push(hex('61 62 63 64 65 66 67'));
      const result = framer.next();
      expect(result).to.be.instanceOf(FrameTooLargeError).and.include({ code: 'FRAME_TOO_LARGE', limit: MAX, size: 7 });
    });

    it('FrameTruncatedError carries the pending bytes', () => {
      const framer = new LineFramer(MAX);
      framer.push(hex('61 62 63'));
      expect(framer.next()).to.equal(undefined);
      expect(framer.end()).to.be.instanceOf(FrameTruncatedError).and.include({ code: 'FRAME_TRUNCATED', bytes: 3 });
    });

    it('a huge line without \\n is never held (1 MiB pushed, limit 16)', () => {
      const framer = new LineFramer(16);
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      const results: Seen[] = [];
      for (let i = 0; i < 16; i++) {
        framer.push(chunk);
        results.push(...drain(framer));
        expect(framer.bufferedBytes).to.equal(0);
      }
      expect(results).to.deep.equal([TOO_LARGE]);
    });
  });

  describe('zero copy', () => {
    it('returns a line held in one chunk as a view into that chunk', () => {
      const chunk = hex('61 62 0a');
      const framer = new LineFramer(MAX);
      framer.push(chunk);
      const line = framer.next();
      expect(line).to.be.instanceOf(Uint8Array);
      expect((line as Uint8Array).buffer).to.equal(chunk.buffer);
    });
  });

  describe('takeRemainder', () => {
    const remainder = (framer: LineFramer): string => {
      const parts = framer.takeRemainder();
      return toHex(concatBytes(parts, parts.reduce((n, p) => n + p.length, 0)));
    };

    it('returns exactly the bytes after the last line read (mid-chunk)', () => {
      const framer = new LineFramer(MAX);
      framer.push(hex('61 0a 62 63 0a 64'));
      expect(seen(framer.next() as Uint8Array)).to.deep.equal(frame('61'));
      expect(remainder(framer)).to.equal('62 63 0a 64');
      expect(framer.bufferedBytes).to.equal(0);
      expect(framer.next()).to.equal(undefined);
      expect(framer.end()).to.equal(undefined);
    });

    it('includes a partial line and later chunks, in order', () => {
      const framer = new LineFramer(MAX);
      framer.push(hex('61 0a 62'));
      framer.push(hex('63'));
      expect(drain(framer)).to.deep.equal([frame('61')]);
      framer.push(hex('0a 64'));
      expect(remainder(framer)).to.equal('62 63 0a 64');
    });

    it('returns nothing when every byte was read', () => {
      const framer = new LineFramer(MAX);
      framer.push(hex('61 0a'));
      drain(framer);
      expect(framer.takeRemainder()).to.deep.equal([]);
    });

    it('leaves the framer reusable', () => {
      const framer = new LineFramer(MAX);
      framer.push(hex('61 0a 62'));
      drain(framer);
      framer.takeRemainder();
      framer.push(hex('63 0a'));
      expect(drain(framer)).to.deep.equal([frame('63')]);
    });
  });
});
