import { useByteAllocator } from '@rxmsg/core/internal';

/**
 * Have core's MessagePack encoder copy small frames into `Buffer`-backed slabs (and larger ones into
 * `Buffer`s of their own) from now on, in this process. `ws`'s `send` takes a `Buffer` as it is and
 * wraps any other `Uint8Array` in a new `Buffer` first: one object per binary message saved. The
 * bytes and the memory bound are unchanged (a kept small frame keeps at most its 1 KiB slab alive).
 * Zero-filled, not `allocUnsafeSlow`: a frame's `.buffer` reaches its whole slab, whose bytes after
 * the frames written so far would otherwise be old heap contents. Idempotent; Node only (core itself stays platform-neutral).
 */
export function useNodeBufferFrames(): void {
  useByteAllocator(allocBuffer);
}

function allocBuffer(bytes: number): Uint8Array<ArrayBuffer> {
  return Buffer.alloc(bytes);
}
