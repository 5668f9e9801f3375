import { expect } from 'chai';
import { FrameTooLargeError, FrameTruncatedError, LENGTH_PREFIX_BYTES, LengthPrefixFramer, LineFramer } from '@rxmsg/core';
import { concatBytes } from '@rxmsg/core/internal';
import { drain, error, frame, hex, seen, toHex } from './support/bytes';
import { runFramerTable, type FramerCase } from './support/framer-table';

const TOO_LARGE = error(FrameTooLargeError, 'FRAME_TOO_LARGE');
const TRUNCATED = error(FrameTruncatedError, 'FRAME_TRUNCATED');

// maxFrameBytes is 4 in every case.
const MAX = 4;

const cases: FramerCase[] = [
  { name: 'one frame', steps: [{ push: '00 00 00 02 61 62', yields: [frame('61 62')], buffered: 0 }] },
  {
    name: 'two frames in one chunk',
    steps: [{ push: '00 00 00 01 61 00 00 00 02 62 63', yields: [frame('61'), frame('62 63')] }],
  },
  { name: 'a frame of exactly maxFrameBytes', steps: [{ push: '00 00 00 04 61 62 63 64', yields: [frame('61 62 63 64')] }] },
  { name: 'zero-length frame', steps: [{ push: '00 00 00 00', yields: [frame('')], buffered: 0 }] },
  {
    name: 'zero-length frames between frames',
    steps: [{ push: '00 00 00 00 00 00 00 01 61 00 00 00 00', yields: [frame(''), frame('61'), frame('')] }],
  },
  {
    name: 'prefix split across chunks',
    steps: [
      { push: '00 00', yields: [], buffered: 2 },
      { push: '00 02 61', yields: [], buffered: 1 },
      { push: '62', yields: [frame('61 62')], buffered: 0 },
    ],
  },
  {
    name: 'prefix one byte per chunk',
    steps: [
      { push: '00', yields: [] },
      { push: '00', yields: [] },
      { push: '00', yields: [] },
      { push: '01', yields: [] },
      { push: '7a', yields: [frame('7a')] },
    ],
  },
  {
    name: 'payload split across chunks',
    steps: [
      { push: '00 00 00 04 61', yields: [], buffered: 1 },
      { push: '62 63', yields: [], buffered: 3 },
      { push: '64 00 00', yields: [frame('61 62 63 64')], buffered: 2 },
    ],
    end: TRUNCATED,
  },
  {
    name: 'length one over maxFrameBytes: rejected on the prefix, payload skipped',
    steps: [
      { push: '00 00 00 05', yields: [TOO_LARGE], buffered: 0 },
      { push: '61 62 63', yields: [], buffered: 0 },
      { push: '64 65 00 00 00 01 66', yields: [frame('66')], buffered: 0 },
    ],
  },
  {
    name: '0xFFFFFFFF (4 GiB) announced: rejected at once, announced bytes skipped without buffering',
    steps: [
      { push: 'ff ff ff ff', yields: [TOO_LARGE], buffered: 0 },
      { push: '61 62 63 64 65 66 67 68', yields: [], buffered: 0 },
    ],
    // The unfinished skip was reported once, as FRAME_TOO_LARGE; end() adds nothing.
  },
  {
    name: 'oversized prefix split across chunks',
    steps: [
      { push: '00 00', yields: [] },
      { push: '01 00 61', yields: [TOO_LARGE], buffered: 0 },
    ],
  },
  {
    name: '0x80000000 (sign bit set) is a large positive length',
    steps: [{ push: '80 00 00 00 61', yields: [TOO_LARGE], buffered: 0 }],
  },
  { name: 'an empty chunk is ignored', steps: [{ push: '', yields: [], buffered: 0 }] },
  { name: 'clean end after a complete frame', steps: [{ push: '00 00 00 01 61', yields: [frame('61')] }] },
  { name: 'stream ends inside the prefix', steps: [{ push: '00 00 00', yields: [], buffered: 3 }], end: TRUNCATED },
  { name: 'stream ends right after the prefix', steps: [{ push: '00 00 00 02', yields: [] }], end: TRUNCATED },
  { name: 'stream ends inside the payload', steps: [{ push: '00 00 00 03 61 62', yields: [] }], end: TRUNCATED },
];

describe('LengthPrefixFramer', () => {
  it('uses a 4-byte prefix', () => expect(LENGTH_PREFIX_BYTES).to.equal(4));

  describe('fixtures', () => runFramerTable(cases, () => new LengthPrefixFramer(MAX)));

  describe('errors', () => {
    it('FrameTooLargeError carries the announced size and the limit', () => {
      const framer = new LengthPrefixFramer(1024);
      framer.push(hex('ff ff ff ff'));
      expect(framer.next())
        .to.be.instanceOf(FrameTooLargeError)
        .and.include({ code: 'FRAME_TOO_LARGE', size: 0xffffffff, limit: 1024 });
    });

    it('FrameTruncatedError carries the pending bytes', () => {
      const framer = new LengthPrefixFramer(MAX);
      framer.push(hex('00 00 00 03 61 62'));
      expect(framer.next()).to.equal(undefined);
      expect(framer.end()).to.be.instanceOf(FrameTruncatedError).and.include({ code: 'FRAME_TRUNCATED', bytes: 2 });
    });

    it('skips 1 MiB of an oversized payload while holding nothing, then resumes', () => {
      const framer = new LengthPrefixFramer(16);
      framer.push(hex('00 10 00 00')); // 1 MiB announced
      expect(drain(framer)).to.deep.equal([TOO_LARGE]);
      const chunk = new Uint8Array(64 * 1024);
      for (let i = 0; i < 16; i++) {
        framer.push(chunk);
        expect(drain(framer)).to.deep.equal([]);
        expect(framer.bufferedBytes).to.equal(0);
      }
      framer.push(hex('00 00 00 01 2a'));
      expect(drain(framer)).to.deep.equal([frame('2a')]);
      expect(framer.end()).to.equal(undefined);
    });
  });

  describe('zero copy', () => {
    it('returns a payload held in one chunk as a view into that chunk', () => {
      const chunk = hex('00 00 00 02 61 62');
      const framer = new LengthPrefixFramer(MAX);
      framer.push(chunk);
      const payload = framer.next();
      expect(payload).to.be.instanceOf(Uint8Array);
      expect((payload as Uint8Array).buffer).to.equal(chunk.buffer);
    });

    it('copies a payload that spans chunks into an array of its own, keeping no chunk', () => {
      const big = 1000;
      const first = new Uint8Array(64 * 1024);
      first.set([0, 0, big >> 8, big & 0xff], first.length - 4 - 10);
      first.fill(7, first.length - 10);
      const framer = new LengthPrefixFramer(big);
      framer.push(first.subarray(first.length - 4 - 10));
      framer.push(new Uint8Array(big - 10).fill(8));
      const payload = framer.next() as Uint8Array;
      expect(payload.length).to.equal(big);
      expect(payload.buffer).to.not.equal(first.buffer);
      expect(payload.buffer.byteLength).to.equal(big);
      expect([payload[0], payload[9], payload[10], payload[big - 1]]).to.deep.equal([7, 7, 8, 8]);
    });

    it('holds about the bytes received of a frame sent one byte per chunk, not an object per chunk', () => {
      const size = 200_000;
      const framer = new LengthPrefixFramer(size);
      framer.push(Uint8Array.of(size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff));
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const before = process.memoryUsage();
      const received = size - 1;
      let early = 0;
      for (let i = 0; i < received; i++) {
        framer.push(Uint8Array.of(i & 0xff));
        if (framer.next() !== undefined) early++;
      }
      expect(early).to.equal(0);
      gc?.();
      const after = process.memoryUsage();
      const held = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
      // An object per chunk would be tens of MB; the assembled payload is at most twice the bytes.
      expect(held).to.be.lessThan(2 * received + 2_000_000);
      expect(framer.bufferedBytes).to.equal(received);
      framer.push(Uint8Array.of(received & 0xff));
      const payload = framer.next() as Uint8Array;
      expect(payload.length).to.equal(size);
      expect(payload[size - 1]).to.equal(received & 0xff);
      expect(payload[12_345]).to.equal(12_345 & 0xff);
    });
  });

  describe('takeRemainder', () => {
    const joined = (parts: Uint8Array[]): string => toHex(concatBytes(parts, parts.reduce((n, p) => n + p.length, 0)));

    it('returns exactly the bytes after the last frame read', () => {
      const framer = new LengthPrefixFramer(MAX);
      framer.push(hex('00 00 00 01 61 00 00 00 01 62 63'));
      expect(seen(framer.next() as Uint8Array)).to.deep.equal(frame('61'));
      expect(joined(framer.takeRemainder())).to.equal('00 00 00 01 62 63');
      expect(framer.bufferedBytes).to.equal(0);
      expect(framer.end()).to.equal(undefined);
    });

    it('gives back a prefix already parsed and a partial payload', () => {
      const framer = new LengthPrefixFramer(MAX);
      framer.push(hex('00 00 00 03 78'));
      framer.push(hex('79'));
      expect(drain(framer)).to.deep.equal([]);
      expect(joined(framer.takeRemainder())).to.equal('00 00 00 03 78 79');
    });

    it('gives back a partial prefix', () => {
      const framer = new LengthPrefixFramer(MAX);
      framer.push(hex('00 00 00 01 61 00'));
      framer.push(hex('00'));
      expect(drain(framer)).to.deep.equal([frame('61')]);
      expect(joined(framer.takeRemainder())).to.equal('00 00');
    });

    it('hands the unread bytes over to another framer (protocol switch)', () => {
      const framer = new LengthPrefixFramer(64);
      framer.push(hex('00 00 00 02 6f 6b 68 69 0a 79 6f 0a'));
      expect(seen(framer.next() as Uint8Array)).to.deep.equal(frame('6f 6b'));
      const next = new LineFramer(64);
      for (const part of framer.takeRemainder()) next.push(part);
      expect(drain(next)).to.deep.equal([frame('68 69'), frame('79 6f')]);
      expect(next.end()).to.equal(undefined);
    });
  });
});
