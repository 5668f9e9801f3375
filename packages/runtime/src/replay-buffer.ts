/** The entry that stands for the end of the sender's output: one byte of the offsets, no data. */
const END: Uint8Array = new Uint8Array(1);

/**
 * What one side of a resumable connection sent and the other has not acknowledged yet, by stream
 * offset: bytes in `[acked, sent)`. Appending never copies (the caller hands over arrays it will not
 * reuse); acknowledging trims from the front; a resumption replays from the offset the other side
 * says it received. The end of output is an entry of its own, one offset long, so that it is
 * acknowledged and replayed like data.
 *
 * It does not bound itself: its owner refuses more writes (reports itself not writable) once
 * {@link ReplayBuffer.bytes} reaches its bound, so it exceeds it by at most one write.
 *
 * @example
 * ```ts
 * const sent = new ReplayBuffer();
 * sent.append(bytes);
 * sent.ack(3); // the other side has the first 3 bytes
 * sent.replayFrom(3, (chunk, end) => resend(chunk, end));
 * ```
 */
export class ReplayBuffer {
  private readonly chunks: (Uint8Array | undefined)[] = [];
  private head = 0;
  private start = 0;
  private end = 0;
  private endAppended = false;

  /** Offset of the first byte not yet acknowledged. */
  get acked(): number {
    return this.start;
  }

  /** Offset after the last byte appended (everything ever sent, the end entry included). */
  get sent(): number {
    return this.end;
  }

  /** Bytes held: sent, not yet acknowledged. */
  get bytes(): number {
    return this.end - this.start;
  }

  /** Whether the end entry was appended. */
  get ended(): boolean {
    return this.endAppended;
  }

  /** Keep `chunk` (by reference) as the next bytes sent. */
  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.end += chunk.length;
  }

  /** Mark the end of output: one offset, replayed as an end frame. */
  appendEnd(): void {
    this.chunks.push(END);
    this.end += 1;
    this.endAppended = true;
  }

  /**
   * The other side has received everything before `offset`: drop it.
   * @returns `false` (and changes nothing) when `offset` is outside `[acked, sent]`.
   */
  ack(offset: number): boolean {
    if (!(offset >= this.start && offset <= this.end)) return false;
    const chunks = this.chunks;
    while (this.start < offset) {
      const chunk = chunks[this.head] as Uint8Array;
      const over = this.start + chunk.length - offset;
      if (over > 0) {
        // A partial acknowledgement (stream offsets need not fall on write boundaries).
        chunks[this.head] = chunk.subarray(chunk.length - over);
        this.start = offset;
        break;
      }
      chunks[this.head++] = undefined;
      this.start += chunk.length;
    }
    if (this.head === chunks.length) {
      chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= chunks.length) {
      chunks.splice(0, this.head);
      this.head = 0;
    }
    return true;
  }

  /**
   * Call `each` with what was sent from `offset` on, in order: data chunks (`end` false), then the
   * end entry (`end` true, `chunk` empty) if appended.
   * @returns `false` (and calls nothing) when `offset` is outside `[acked, sent]`.
   */
  replayFrom(offset: number, each: (chunk: Uint8Array, end: boolean) => void): boolean {
    if (!(offset >= this.start && offset <= this.end)) return false;
    let at = this.start;
    for (let i = this.head; i < this.chunks.length; i++) {
      const chunk = this.chunks[i] as Uint8Array;
      const next = at + chunk.length;
      if (next > offset) {
        if (chunk === END) each(chunk.subarray(0, 0), true);
        else each(offset > at ? chunk.subarray(offset - at) : chunk, false);
      }
      at = next;
    }
    return true;
  }
}
