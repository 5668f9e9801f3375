/**
 * A fast path for the MessagePack most messages are: one map of up to 64 short ASCII-keyed entries
 * whose values are small integers, doubles, `nil`, booleans, short ASCII strings or arrays of those.
 * msgpackr pays per message for a DataView it caches on each frame (a new property on a fresh
 * subarray) and, with its native addon, a native call per string; for such a map this reads the
 * bytes directly. It returns {@link NOT_FLAT} for anything else (other types, float32, 64-bit
 * integers, non-ASCII text, `__proto__` keys, trailing bytes, truncation), which the binary codec
 * then gives to msgpackr: where this accepts, the value is the one msgpackr (with the codec's
 * options) produces, and every error is still msgpackr's.
 */

/** "Not a flat map this reader handles": decode with msgpackr. */
export const NOT_FLAT: unique symbol = Symbol('not-flat');

/** Maps with more entries go to msgpackr. */
const MAX_ENTRIES = 64;

/** Strings longer than this go to msgpackr (its string decoding is fast there). */
const MAX_SHORT = 32;

let src: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;

/**
 * Decode `bytes` when they are exactly one flat map (see the module comment).
 * @returns the object, or {@link NOT_FLAT}.
 */
export function decodeFlatMap(bytes: Uint8Array): Record<string, unknown> | typeof NOT_FLAT {
  const head = bytes[0]!;
  let n: number;
  // fixmap (0x80..0x8f), or map16 (0xde), which msgpackr writes for every object.
  if ((head & 0xf0) === 0x80) {
    n = head & 0x0f;
    pos = 1;
  } else if (head === 0xde && bytes.length >= 3) {
    n = (bytes[1]! << 8) | bytes[2]!;
    pos = 3;
  } else return NOT_FLAT;
  if (n > MAX_ENTRIES) return NOT_FLAT;
  src = bytes;
  end = bytes.length;
  const out: Record<string, unknown> = {};
  for (; n > 0; n--) {
    const key = readShortString();
    if (key === NOT_FLAT || key === '__proto__') return NOT_FLAT;
    const value = readValue(true);
    if (value === NOT_FLAT) return NOT_FLAT;
    out[key] = value;
  }
  return pos === end ? out : NOT_FLAT;
}

function readValue(allowArray: boolean): unknown {
  if (pos >= end) return NOT_FLAT;
  const b = src[pos++]!;
  if (b < 0x80) return b;
  if (b >= 0xe0) return b - 0x100;
  if ((b & 0xe0) === 0xa0) return readAscii(b & 0x1f);
  if (allowArray && (b & 0xf0) === 0x90) {
    const n = b & 0x0f;
    const array = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v = readValue(false);
      if (v === NOT_FLAT) return NOT_FLAT;
      array[i] = v;
    }
    return array;
  }
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xcc:
      return pos + 1 <= end ? src[pos++]! : NOT_FLAT;
    case 0xcd:
      return pos + 2 <= end ? ((src[pos++]! << 8) | src[pos++]!) : NOT_FLAT;
    case 0xce:
      return pos + 4 <= end ? uint32() : NOT_FLAT;
    case 0xd0:
      return pos + 1 <= end ? (src[pos++]! << 24) >> 24 : NOT_FLAT;
    case 0xd1:
      return pos + 2 <= end ? (((src[pos++]! << 8) | src[pos++]!) << 16) >> 16 : NOT_FLAT;
    case 0xd2:
      return pos + 4 <= end ? uint32() | 0 : NOT_FLAT;
    case 0xcb:
      return pos + 8 <= end ? float64() : NOT_FLAT;
    case 0xd9:
      return pos + 1 <= end ? readAscii(src[pos++]!) : NOT_FLAT;
    default:
      return NOT_FLAT;
  }
}

function readShortString(): string | typeof NOT_FLAT {
  if (pos >= end) return NOT_FLAT;
  const b = src[pos++]!;
  return (b & 0xe0) === 0xa0 ? readAscii(b & 0x1f) : NOT_FLAT;
}

/** Strings up to this long are looked up in (and kept in) {@link recent}. */
const MAX_CACHED = 16;

/**
 * The last short string decoded per hash slot (256 slots, at most 4 KiB of text): keys and tags
 * repeat from message to message, and a hit costs a comparison instead of building the string.
 */
const recent = new Array<string | undefined>(256).fill(undefined);

function readAscii(n: number): string | typeof NOT_FLAT {
  if (n > MAX_SHORT || pos + n > end) return NOT_FLAT;
  const to = pos + n;
  let h = n;
  for (let i = pos; i < to; i++) {
    const c = src[i]!;
    if (c >= 0x80) return NOT_FLAT;
    h = (h * 31 + c) | 0;
  }
  const slot = h & 0xff;
  if (n <= MAX_CACHED) {
    const hit = recent[slot];
    if (hit !== undefined && hit.length === n && sameAscii(hit)) {
      pos = to;
      return hit;
    }
  }
  let s = '';
  for (let i = pos; i < to; i++) s += String.fromCharCode(src[i]!);
  if (n <= MAX_CACHED) recent[slot] = s;
  pos = to;
  return s;
}

/** Whether `s` is the ASCII bytes at `pos` (as many as `s` is long). */
function sameAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== src[pos + i]) return false;
  return true;
}

function uint32(): number {
  const v = src[pos]! * 0x1000000 + ((src[pos + 1]! << 16) | (src[pos + 2]! << 8) | src[pos + 3]!);
  pos += 4;
  return v;
}

const f64 = new DataView(new ArrayBuffer(8));

function float64(): number {
  for (let i = 0; i < 8; i++) f64.setUint8(i, src[pos + i]!);
  pos += 8;
  return f64.getFloat64(0);
}
