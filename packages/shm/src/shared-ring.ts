/**
 * One direction of a shared-memory link: a single-producer, single-consumer byte ring in a
 * `SharedArrayBuffer`. One thread writes, another reads; neither blocks. The ring carries a byte
 * stream, not records: the engine's framers delimit messages, so a chunk may be split anywhere.
 *
 * Layout (little-endian `Int32` words, then the data):
 *
 * | word | name | written by | meaning |
 * |---|---|---|---|
 * | 0 | `MAGIC` | creator | {@link RING_MAGIC}: the buffer is a ring of this format |
 * | 1 | `CAPACITY` | creator | data bytes |
 * | 2 | `WRITE_POS` | writer | offset of the next byte written, `0 … CAPACITY-1` |
 * | 3 | `READ_POS` | reader | offset of the next byte read, `0 … CAPACITY-1` |
 * | 4 | `USED` | both (`Atomics.add`/`sub`) | bytes written and not yet read, `0 … CAPACITY` |
 * | 5 | `DATA_SIGNAL` | writer | bumped (and notified) when the reader waits and data, end or destroy arrived |
 * | 6 | `READER_WAITING` | reader | 1 while the reader waits on `DATA_SIGNAL` |
 * | 7 | `SPACE_SIGNAL` | reader | bumped (and notified) when the writer waits and space was freed |
 * | 8 | `WRITER_WAITING` | writer | 1 while the writer waits on `SPACE_SIGNAL` |
 * | 9 | `ENDED` | writer | 1: the writer sent everything it will send (half-close) |
 * | 10 | `DESTROYED` | either | 1: the link was destroyed; nothing more is read or written |
 * | 11 | `CLAIMED` | the end that writes | 1 once a connection took the writing end (an end is used once) |
 * | 12–31 | | | reserved, 0 |
 *
 * Bytes {@link RING_HEADER_BYTES} … `+CAPACITY` hold the data.
 * @packageDocumentation
 */

/** `rxm1`: the first word of every ring. */
export const RING_MAGIC = 0x72786d31;
/** Bytes before the data: 32 words. */
export const RING_HEADER_BYTES = 128;
/** Smallest data capacity of a ring, in bytes. */
export const MIN_RING_BYTES = 64;
/** Largest data capacity of a ring, in bytes (1 GiB): `USED` stays a positive `Int32`. */
export const MAX_RING_BYTES = 1 << 30;

/** Word indexes of the header, see the table above. */
export const Word = {
  Magic: 0,
  Capacity: 1,
  WritePos: 2,
  ReadPos: 3,
  Used: 4,
  DataSignal: 5,
  ReaderWaiting: 6,
  SpaceSignal: 7,
  WriterWaiting: 8,
  Ended: 9,
  Destroyed: 10,
  Claimed: 11,
} as const;

/**
 * A view of one ring. Both threads make their own `SharedRing` over the same buffer; each calls
 * only its side's methods ({@link SharedRing.push} on the writing side, {@link SharedRing.take} on
 * the reading side).
 */
export class SharedRing {
  /** The header words, shared. */
  readonly words: Int32Array;
  /** Data bytes of the ring. */
  readonly capacity: number;
  private readonly data: Uint8Array;

  /**
   * @param buffer - a buffer made by {@link SharedRing.allocate} (here or in another thread).
   * @throws TypeError when `buffer` is not a ring of this format.
   */
  constructor(readonly buffer: SharedArrayBuffer) {
    const problem = ringProblem(buffer);
    if (problem !== undefined) throw new TypeError(`not an rxmsg shared-memory ring: ${problem}`);
    this.words = new Int32Array(buffer, 0, RING_HEADER_BYTES / 4);
    this.capacity = Atomics.load(this.words, Word.Capacity);
    this.data = new Uint8Array(buffer, RING_HEADER_BYTES, this.capacity);
  }

  /**
   * A new, empty ring buffer of `capacity` data bytes.
   * @throws RangeError when `capacity` is not an integer in {@link MIN_RING_BYTES} … {@link MAX_RING_BYTES}.
   */
  static allocate(capacity: number): SharedArrayBuffer {
    if (!Number.isInteger(capacity) || capacity < MIN_RING_BYTES || capacity > MAX_RING_BYTES) {
      throw new RangeError(`ring capacity must be an integer from ${MIN_RING_BYTES} to ${MAX_RING_BYTES} bytes, not ${capacity}`);
    }
    const buffer = new SharedArrayBuffer(RING_HEADER_BYTES + capacity);
    const words = new Int32Array(buffer, 0, RING_HEADER_BYTES / 4);
    words[Word.Capacity] = capacity;
    // Published last: a buffer with the magic word has a valid capacity.
    Atomics.store(words, Word.Magic, RING_MAGIC);
    return buffer;
  }

  /** Bytes written and not yet read. */
  get used(): number {
    return Atomics.load(this.words, Word.Used);
  }

  /**
   * Writing side: copy as many bytes of `source[from…]` as there is room for, after the bytes
   * already in the ring (wrapping around the end of the data area).
   * @returns the number of bytes copied, 0 when the ring is full.
   */
  push(source: Uint8Array, from = 0): number {
    const w = this.words;
    const cap = this.capacity;
    const n = Math.min(cap - Atomics.load(w, Word.Used), source.length - from);
    if (n <= 0) return 0;
    const pos = w[Word.WritePos]!;
    const first = Math.min(n, cap - pos);
    this.data.set(first === source.length && from === 0 ? source : source.subarray(from, from + first), pos);
    if (first < n) this.data.set(source.subarray(from + first, from + n), 0);
    w[Word.WritePos] = pos + n >= cap ? pos + n - cap : pos + n;
    // The add publishes the bytes copied above: a reader that sees the new count sees them.
    Atomics.add(w, Word.Used, n);
    return n;
  }

  /**
   * Reading side: take up to `max` bytes out of the ring into a new array.
   * @returns the bytes, or `undefined` when the ring is empty.
   */
  take(max = this.capacity): Uint8Array | undefined {
    const w = this.words;
    const cap = this.capacity;
    const n = Math.min(Atomics.load(w, Word.Used), max);
    if (n <= 0) return undefined;
    const pos = w[Word.ReadPos]!;
    const first = Math.min(n, cap - pos);
    const out = new Uint8Array(n);
    out.set(this.data.subarray(pos, pos + first));
    if (first < n) out.set(this.data.subarray(0, n - first), first);
    w[Word.ReadPos] = pos + n >= cap ? pos + n - cap : pos + n;
    // The bytes were copied out before the space is given back to the writer.
    Atomics.sub(w, Word.Used, n);
    return out;
  }
}

/** Why `buffer` is not a ring of this format, or `undefined` when it is one. */
export function ringProblem(buffer: unknown): string | undefined {
  if (!(buffer instanceof SharedArrayBuffer)) return 'not a SharedArrayBuffer';
  if (buffer.byteLength < RING_HEADER_BYTES + MIN_RING_BYTES) return `${buffer.byteLength} bytes is too small`;
  const words = new Int32Array(buffer, 0, RING_HEADER_BYTES / 4);
  if (Atomics.load(words, Word.Magic) !== RING_MAGIC) return 'bad magic word';
  const capacity = Atomics.load(words, Word.Capacity);
  if (capacity !== buffer.byteLength - RING_HEADER_BYTES) return `capacity ${capacity} does not match the buffer size ${buffer.byteLength}`;
  return undefined;
}
