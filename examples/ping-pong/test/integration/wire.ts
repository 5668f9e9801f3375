import { decode, encode } from '@msgpack/msgpack';
import type { RawSocket } from '@rxmsg/test-utils';

/** A binary frame as PROTOCOL.md describes it: 4-byte big-endian length, then a MessagePack map (encoded by another library). */
export function frame(message: Record<string, unknown>): Buffer {
  const body = encode(message);
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** A text line as PROTOCOL.md describes it. */
export function line(message: Record<string, unknown>): Buffer {
  return Buffer.from(`${JSON.stringify(message)}\n`);
}

/** Reads what a raw socket received as PROTOCOL.md says: lines in text states, frames in the game. */
export class WireReader {
  private offset = 0;

  constructor(private readonly raw: RawSocket) {}

  /** The next `\n`-terminated JSON line. */
  async line(): Promise<Record<string, unknown>> {
    await this.raw.until((s) => s.received().indexOf(10, this.offset) >= 0, 1500);
    const bytes = this.raw.received();
    const nl = bytes.indexOf(10, this.offset);
    const text = bytes.subarray(this.offset, nl).toString('utf8');
    this.offset = nl + 1;
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** The next length-prefixed MessagePack frame. */
  async frame(): Promise<Record<string, unknown>> {
    await this.raw.until((s) => {
      const b = s.received();
      return b.length >= this.offset + 4 && b.length >= this.offset + 4 + b.readUInt32BE(this.offset);
    }, 1500);
    const bytes = this.raw.received();
    const length = bytes.readUInt32BE(this.offset);
    const payload = bytes.subarray(this.offset + 4, this.offset + 4 + length);
    this.offset += 4 + length;
    return decode(payload) as Record<string, unknown>;
  }

  /** Bytes received and not read yet. */
  rest(): Buffer {
    return this.raw.received().subarray(this.offset);
  }
}
