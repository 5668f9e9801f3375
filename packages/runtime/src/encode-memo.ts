import type { Codec } from '@rxmsg/core';

/**
 * The encodings of one message while it is sent to many peers (a room send): encoded once per
 * codec and framing (byte stream or message transport), not once per peer. Active only inside a
 * fan-out ({@link FAN_OUT}); every other send pays one property read for it. Chunks are shared
 * between the peers' queues, which never change a chunk they hold.
 */
export class EncodeMemo {
  private codec: Codec | undefined;
  private stream = false;
  private chunk: string | Uint8Array = '';
  private others: { readonly codec: Codec; readonly stream: boolean; readonly chunk: string | Uint8Array }[] | undefined;
  /** Encodings made (the rest were reused): for tests and measurements. */
  encodings = 0;

  /** @param message - the message being sent to many peers. */
  constructor(readonly message: unknown) {}

  /**
   * `message` encoded by `codec` as a frame (`stream`) or a payload: reused when it is the memo's
   * message and was encoded so before. @throws what the codec throws (nothing is kept then).
   */
  encode(codec: Codec, stream: boolean, message: unknown): string | Uint8Array {
    if (message !== this.message) return stream ? codec.encodeFrame(message) : codec.encodePayload(message);
    if (codec === this.codec && stream === this.stream) return this.chunk;
    const known = this.others?.find((e) => e.codec === codec && e.stream === stream);
    if (known !== undefined) return known.chunk;
    const chunk = stream ? codec.encodeFrame(message) : codec.encodePayload(message);
    this.encodings++;
    if (this.codec === undefined) {
      this.codec = codec;
      this.stream = stream;
      this.chunk = chunk;
    } else (this.others ??= []).push({ codec, stream, chunk });
    return chunk;
  }
}

/** The fan-out in progress, if any: set by a room send around its deliveries, read by every send. */
export const FAN_OUT: { memo: EncodeMemo | undefined } = { memo: undefined };
