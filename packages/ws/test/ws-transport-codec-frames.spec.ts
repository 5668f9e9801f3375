import { expect } from 'chai';
import { binaryCodec } from '@rxmsg/core';
import { wsTransport } from '@rxmsg/ws';

/**
 * Making a transport changes nothing about what core's public codecs return: an earlier version had
 * `wsTransport()` switch core's MessagePack encoder to `Buffer` frames for the whole process.
 */
describe('wsTransport() and core codecs', () => {
  it('a frame of core\'s public binaryCodec stays a plain Uint8Array (slice() copies) once a ws transport exists', () => {
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
