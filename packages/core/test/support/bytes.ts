import { DecodeError, type DecodeErrorCode, type Framer } from '@rxmsg/core';

/** Bytes from a hex fixture; spaces are for readability (`'68 69 0a'`). */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) throw new Error(`bad hex fixture ${JSON.stringify(text)}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lower-case hex of `bytes`, two digits per byte, space separated (the fixture form). */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A framer result as tests compare it: a frame's bytes in hex, or an error's code and class. */
export type Seen = { readonly frame: string } | { readonly error: DecodeErrorCode; readonly type: unknown };

/** Any decode error class. */
export type DecodeErrorClass = abstract new (...args: never[]) => DecodeError;

/** Expected frame with these hex bytes. */
export const frame = (bytes: string): Seen => ({ frame: toHex(hex(bytes)) });

/** Expected error of this class (compared by class and `code`, never by message). */
export const error = (type: DecodeErrorClass, code: DecodeErrorCode): Seen => ({ error: code, type });

/** Normalise one non-`undefined` framer result. */
export function seen(result: Uint8Array | string | DecodeError): Seen {
  if (result instanceof DecodeError) return { error: result.code, type: result.constructor };
  // A framer that decodes text gives the same frame as a string: compared as its UTF-8 bytes.
  return { frame: toHex(typeof result === 'string' ? new TextEncoder().encode(result) : result) };
}

/** Pull every available result from `framer` (until it asks for more bytes). */
export function drain(framer: Framer): Seen[] {
  const out: Seen[] = [];
  for (let r = framer.next(); r !== undefined; r = framer.next()) out.push(seen(r));
  return out;
}

/** Split `bytes` at the given offsets (any order, duplicates and out-of-range values ignored). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.slice(from, p));
    from = p;
  }
  return parts;
}

/**
 * Feed `chunks` to `framer` one at a time, draining after each, then end it.
 * @returns every result in order, the end result last (if any).
 */
export function feed(framer: Framer, chunks: readonly Uint8Array[]): Seen[] {
  const out: Seen[] = [];
  for (const chunk of chunks) {
    framer.push(chunk);
    out.push(...drain(framer));
  }
  const last = framer.end();
  if (last !== undefined) out.push(seen(last));
  return out;
}
