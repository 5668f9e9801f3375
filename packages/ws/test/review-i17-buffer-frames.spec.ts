import { expect } from 'chai';
import { binaryCodec } from '@rxmsg/core';
import { wsTransport } from '@rxmsg/ws';

/**
 * REVIEW i17 (attacker review of issue 16's third round): defects of the process-wide byte
 * allocator that `wsTransport()` installs in core's MessagePack encoder (useNodeBufferFrames).
 */
describe('REVIEW i17: Buffer frames installed process-wide by wsTransport()', () => {
  it('DEFECT (fixed): the unwritten rest of a frame\'s slab holds no uninitialised heap memory', () => {
    wsTransport();
    // Churn the heap a little so that freshly allocated memory is likely to be dirty.
    const junk: string[] = [];
    for (let i = 0; i < 200; i++) junk.push(`secret-${i}-`.repeat(20));
    // A frame of a fresh slab (a large message moves nothing; fill the current slab first).
    let frame = binaryCodec.encodeFrame({ kind: 'Ping', n: 0 }) as Uint8Array;
    for (let i = 0; i < 200 && frame.byteOffset !== 0; i++) frame = binaryCodec.encodeFrame({ kind: 'Ping', n: i }) as Uint8Array;
    expect(frame.byteOffset).to.equal(0);
    // Whoever holds a frame can reach its whole slab through `.buffer` (a user transport sending
    // `frame.buffer`, a logger dumping it): the bytes after the frame must not be old heap contents.
    const rest = new Uint8Array(frame.buffer, frame.byteOffset + frame.byteLength);
    expect(rest.length).to.be.greaterThan(0);
    expect(rest.every((b) => b === 0)).to.equal(true, 'slab bytes after the last frame are not zero');
    expect(junk.length).to.equal(200);
  });

  it('DEFECT (not fixed, design): a frame of core\'s public binaryCodec stays a plain Uint8Array (slice() copies) once a ws transport exists', () => {
    wsTransport();
    const frame = binaryCodec.encodeFrame({ kind: 'Ping', n: 1 }) as Uint8Array;
    // Uint8Array.prototype.slice copies; Buffer.prototype.slice is a view of the same memory. A user of
    // the public codec in a process that also made a ws transport (any transport: tcp, shm, their own)
    // gets Buffers, and a "copy" they edit writes into the frame (and the slab shared with other frames).
    const copy = frame.slice();
    copy[copy.length - 1] = (frame[frame.length - 1]! + 1) & 0xff;
    expect(copy[copy.length - 1]).to.not.equal(frame[frame.length - 1], 'slice() aliased the frame');
    expect(Object.getPrototypeOf(frame)).to.equal(Uint8Array.prototype);
  });
});
