/** Byte helpers shared by the framers and codecs. Browser-safe: plain `Uint8Array`. */

/** Join byte arrays into one new array of `total` bytes (the sum of their lengths). */
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Strings up to this many UTF-16 units are measured by encoding them into {@link scratch} (3 bytes per unit at most). */
const SCRATCH_UNITS = 16_384;
/** Shorter strings are counted in JavaScript: cheaper than the call into the encoder. */
const LOOP_UNITS = 16;
const encoder = new TextEncoder();
/** Created with the first string measured by encoding, then reused: its content is never read. */
let scratch: Uint8Array | undefined;

/**
 * Number of bytes `text` takes in UTF-8 (a lone surrogate counts 3, as it is encoded as U+FFFD).
 * Mid-sized strings are encoded into a reused scratch buffer, which is several times faster than
 * a loop over `charCodeAt` (and the strings of a queue are often concatenated, `JSON.stringify(m) + '\n'`,
 * which makes such a loop slower still); nothing is allocated per call.
 */
export function utf8Length(text: string): number {
  const n = text.length;
  if (n > LOOP_UNITS && n <= SCRATCH_UNITS) return encoder.encodeInto(text, (scratch ??= new Uint8Array(3 * SCRATCH_UNITS))).written;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
