import { FrameTooLargeError, type DecodeError } from './errors';
import type { FrameResult, Framer } from './framer';

/**
 * The framer of message transports (WebSocket): the transport keeps message boundaries, so
 * each pushed chunk is one frame. A chunk over `maxFrameBytes` is reported with
 * {@link FrameTooLargeError} and dropped.
 */
export class PayloadFramer implements Framer {
  private frames: Uint8Array[] = [];
  private bytes = 0;

  /** @param maxFrameBytes - largest accepted payload in bytes. */
  constructor(private readonly maxFrameBytes: number) {}

  get bufferedBytes(): number {
    return this.bytes;
  }

  push(chunk: Uint8Array): void {
    this.frames.push(chunk);
    this.bytes += chunk.length;
  }

  next(): FrameResult {
    const frame = this.frames.shift();
    if (frame === undefined) return undefined;
    this.bytes -= frame.length;
    return frame.length > this.maxFrameBytes ? new FrameTooLargeError(frame.length, this.maxFrameBytes) : frame;
  }

  end(): DecodeError | undefined {
    this.takeRemainder();
    return undefined;
  }

  takeRemainder(): Uint8Array[] {
    const out = this.frames;
    this.frames = [];
    this.bytes = 0;
    return out;
  }
}
