import { expect } from 'chai';
import fc from 'fast-check';
import { binaryCodec } from '@rxmsg/core';
import { useByteAllocator } from '@rxmsg/core/internal';
import { eventually } from '@rxmsg/test-utils';
import { wsTransport } from '@rxmsg/ws';
import { recorder, serverAndClient } from './ws-pair';

/** The binary codec's payload of `message` in plain arrays (the bytes every frame must have). */
function plainPayload(message: unknown): Uint8Array {
  useByteAllocator(undefined);
  try {
    return binaryCodec.encodePayload(message) as Uint8Array;
  } finally {
    wsTransport();
  }
}

/**
 * With the ws transport in the process, the binary codec's plain frames are Buffers (Buffer-backed
 * slabs for small ones), which `ws` sends without wrapping: same bytes, same messages.
 */
describe('Buffer frames of the ws transport (node-buffer-frames)', () => {
  it('makes the binary codec encode small and large plain messages as Buffers, in the same bytes', () => {
    wsTransport();
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 6, noNullPrototype: true }), (message) => {
        const expected = plainPayload(message);
        expect(Buffer.isBuffer(expected)).to.equal(false);
        const payload = binaryCodec.encodePayload(message) as Uint8Array;
        expect(Buffer.isBuffer(payload)).to.equal(true);
        expect([...payload]).to.deep.equal([...expected]);
      }),
      { numRuns: 300 },
    );
  });

  it('sends slab frames as one binary WebSocket message each, with their own bytes', async () => {
    const { listener, accepted, client } = await serverAndClient();
    try {
      accepted.start(recorder().handlers);
      const messages = Array.from({ length: 60 }, (_, i) => ({ kind: 'Ping', n: i, pad: 'p'.repeat(i) }));
      const frames = messages.map((m) => binaryCodec.encodePayload(m) as Uint8Array);
      // Several frames share one slab: each message must still carry only its own bytes.
      expect(new Set(frames.map((f) => f.buffer)).size).to.be.lessThan(frames.length);
      for (const f of frames) accepted.write(f);
      await eventually(() => client.messages.length === frames.length, 5000, 'every message');
      expect(client.messages.every((m) => m.binary)).to.equal(true);
      expect(client.messages.map((m) => binaryCodec.decode(m.data))).to.deep.equal(messages);
    } finally {
      client.ws.terminate();
      await listener.close();
    }
  });
});
