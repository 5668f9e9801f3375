/**
 * A fast path for encoding the MessagePack most messages are: plain objects and arrays (up to
 * {@link MAX_DEPTH} deep) of strings, numbers, booleans, `null` and `undefined`, at most
 * {@link MAX_ENCODED} bytes in all. msgpackr pays per message for its general setup (records,
 * bundles, references, its try/finally bookkeeping) and returns a view into its shared buffer that
 * the binary codec then copied behind a length prefix; this writes the bytes directly after the
 * bytes the caller reserves (the prefix) and returns them as one array.
 *
 * Where the bytes live: an encoding of up to {@link MAX_SLAB_FRAME} bytes is a view into a
 * {@link SLAB_BYTES}-byte slab shared by the encodings made after it (as Node's own `Buffer` pool
 * does for small buffers, and msgpackr did): one allocation for dozens of small frames, already
 * off the V8 heap, so that a socket or `ws` wraps it in a `Buffer` without moving it. A frame
 * kept (e.g. queued for a peer that does not read) thus keeps at most {@link SLAB_BYTES} bytes
 * alive: the memory a queue of `m` small frames holds is bounded by `m` × 1 KiB beyond the frame
 * bytes it counts. Larger encodings are arrays of their own, exactly their size.
 *
 * The bytes are the ones msgpackr writes with the binary codec's options (`useRecords: false`,
 * no `variableMapSize`, no `useFloat32`): every object as a map16 of its own enumerable keys in
 * `for…in` order, integers in the smallest form (positive ones below 0x80 as fixints), other
 * numbers as float64, strings as UTF-8 behind the smallest str header (msgpackr's own encoding of
 * short strings, lone surrogates included), `undefined` as `d4 00 00`. Anything else (class
 * instances, `Map`, `Date`, bigint, typed arrays, functions, deeper or larger values, a long string
 * with a lone surrogate) makes it return `undefined`, and the codec gives the message to msgpackr,
 * so every error is still msgpackr's. When it gives up, the properties it read are read again by
 * msgpackr (only a getter with side effects could tell).
 */

/** Nesting of objects and arrays handled (the message itself is depth 1). */
export const MAX_DEPTH = 8;

/** Encoded bytes handled, reserved bytes included; larger messages go to msgpackr. */
export const MAX_ENCODED = 4096;

/** Bytes of one slab of small encodings (see the module comment). */
export const SLAB_BYTES = 1024;

/** Encodings up to this size go into a slab; larger ones get an array of their own. */
export const MAX_SLAB_FRAME = 256;

/** Strings shorter than this are encoded by msgpackr's own loop, lone surrogates as 3 bytes. */
const SHORT_STRING = 0x40;

// One scratch buffer, copied out into the slab or an array of its own (see the module comment).
const scratch = new Uint8Array(MAX_ENCODED);
let slab = new Uint8Array(SLAB_BYTES);
let slabAt = 0;
const view = new DataView(scratch.buffer);
let pos = 0;
/** Set while encoding: a getter that encodes again is given to msgpackr rather than share the scratch. */
let busy = false;

/**
 * Encode `message` as msgpackr would (see the module comment), after `reserve` bytes left for the
 * caller to fill (a length prefix).
 * @returns a new array of `reserve` + the encoded bytes, or `undefined` when the message is not one
 *   this encoder handles.
 * @throws what a getter of the message throws.
 */
export function encodeFlat(message: unknown, reserve: number): Uint8Array | undefined {
  if (busy || typeof message !== 'object' || message === null) return undefined;
  busy = true;
  try {
    pos = reserve;
    return writeValue(message, 1) ? copyOut(pos) : undefined;
  } finally {
    busy = false;
  }
}

/** The first `n` bytes of the scratch, in a slab when small. */
function copyOut(n: number): Uint8Array {
  if (n > MAX_SLAB_FRAME) {
    return scratch.slice(0, n);
  }
  if (slabAt + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabAt = 0;
  }
  const at = slabAt;
  // A loop beats `set` (and the subarray it needs) for these few bytes.
  for (let i = 0; i < n; i++) slab[at + i] = scratch[i]!;
  slabAt = at + n;
  return slab.subarray(at, at + n);
}

function writeValue(value: unknown, depth: number): boolean {
  // Room for any header or number; strings check their own length.
  if (pos + 9 > MAX_ENCODED) return false;
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      writeNumber(value);
      return true;
    case 'boolean':
      scratch[pos++] = value ? 0xc3 : 0xc2;
      return true;
    case 'undefined':
      scratch[pos++] = 0xd4;
      scratch[pos++] = 0;
      scratch[pos++] = 0;
      return true;
    case 'object': {
      if (value === null) {
        scratch[pos++] = 0xc0;
        return true;
      }
      if (depth >= MAX_DEPTH) return false;
      const constructor: unknown = value.constructor;
      if (constructor === Object) return writeObject(value as Record<string, unknown>, depth + 1);
      if (constructor === Array) return writeArray(value as unknown[], depth + 1);
      return false;
    }
    default:
      return false;
  }
}

/** msgpackr's `writePlainObject`: map16, own keys in `for…in` order, the size patched after. */
function writeObject(object: Record<string, unknown>, depth: number): boolean {
  scratch[pos++] = 0xde;
  const sizeAt = pos;
  pos += 2;
  let size = 0;
  for (const key in object) {
    // The own-key test msgpackr makes, word for word (it calls the object's own hasOwnProperty).
    if (typeof object.hasOwnProperty !== 'function' || object.hasOwnProperty(key)) {
      if (!writeString(key) || !writeValue(object[key], depth)) return false;
      size++;
    }
  }
  // MAX_ENCODED keeps the size far below 0xffff, where msgpackr throws.
  scratch[sizeAt] = size >> 8;
  scratch[sizeAt + 1] = size & 0xff;
  return true;
}

function writeArray(array: unknown[], depth: number): boolean {
  const n = array.length;
  // Each element takes a byte at least: a longer array cannot fit.
  if (pos + 3 + n > MAX_ENCODED) return false;
  if (n < 0x10) scratch[pos++] = 0x90 | n;
  else {
    scratch[pos++] = 0xdc;
    scratch[pos++] = n >> 8;
    scratch[pos++] = n & 0xff;
  }
  for (let i = 0; i < n; i++) if (!writeValue(array[i], depth)) return false;
  return true;
}

/** msgpackr's number encoding with `useRecords: false` and no `useFloat32`. */
function writeNumber(value: number): void {
  if (value >>> 0 === value) {
    if (value < 0x80) scratch[pos++] = value;
    else if (value < 0x100) {
      scratch[pos++] = 0xcc;
      scratch[pos++] = value;
    } else if (value < 0x10000) {
      scratch[pos++] = 0xcd;
      scratch[pos++] = value >> 8;
      scratch[pos++] = value & 0xff;
    } else {
      scratch[pos++] = 0xce;
      view.setUint32(pos, value);
      pos += 4;
    }
  } else if (value >> 0 === value) {
    if (value >= -0x20) scratch[pos++] = 0x100 + value;
    else if (value >= -0x80) {
      scratch[pos++] = 0xd0;
      scratch[pos++] = value + 0x100;
    } else if (value >= -0x8000) {
      scratch[pos++] = 0xd1;
      view.setInt16(pos, value);
      pos += 2;
    } else {
      scratch[pos++] = 0xd2;
      view.setInt32(pos, value);
      pos += 4;
    }
  } else {
    scratch[pos++] = 0xcb;
    view.setFloat64(pos, value);
    pos += 8;
  }
}

/**
 * UTF-8 behind the smallest str header, as msgpackr writes it: its own loop for short strings
 * (a lone surrogate as its 3-byte form); longer ones msgpackr gives to `Buffer#utf8Write`, which
 * writes a lone surrogate as U+FFFD, so a long string with one is left to msgpackr.
 */
function writeString(s: string): boolean {
  const n = s.length;
  if (pos + 5 + 3 * n > MAX_ENCODED) return false;
  // Header size guessed from the UTF-16 length, as msgpackr does: the byte length is never less.
  const guess = n < 0x20 ? 1 : n < 0x100 ? 2 : 3;
  const from = pos + guess;
  let p = from;
  for (let i = 0; i < n; i++) {
    let c1 = s.charCodeAt(i);
    if (c1 < 0x80) scratch[p++] = c1;
    else if (c1 < 0x800) {
      scratch[p++] = (c1 >> 6) | 0xc0;
      scratch[p++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (s.charCodeAt(++i) & 0x03ff);
      scratch[p++] = (c1 >> 18) | 0xf0;
      scratch[p++] = ((c1 >> 12) & 0x3f) | 0x80;
      scratch[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      scratch[p++] = (c1 & 0x3f) | 0x80;
    } else {
      if (n >= SHORT_STRING && (c1 & 0xf800) === 0xd800) return false;
      scratch[p++] = (c1 >> 12) | 0xe0;
      scratch[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      scratch[p++] = (c1 & 0x3f) | 0x80;
    }
  }
  const length = p - from;
  if (length < 0x20) scratch[pos++] = 0xa0 | length;
  else if (length < 0x100) {
    if (guess < 2) scratch.copyWithin(pos + 2, from, p);
    scratch[pos++] = 0xd9;
    scratch[pos++] = length;
  } else {
    if (guess < 3) scratch.copyWithin(pos + 3, from, p);
    scratch[pos++] = 0xda;
    scratch[pos++] = length >> 8;
    scratch[pos++] = length & 0xff;
  }
  pos += length;
  return true;
}
