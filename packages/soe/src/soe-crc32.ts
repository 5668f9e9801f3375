import * as zlib from 'node:zlib';

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function step(crc: number, byte: number): number {
  return (TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
}

/**
 * The SOE variant of CRC-32: the reflected polynomial 0xEDB88320 with the 32-bit `seed`
 * negotiated in `SessionResponse` mixed in first, low byte first. It equals the standard
 * CRC-32 (zlib's) of the seed's four little-endian bytes followed by `data`.
 * @returns the unsigned 32-bit check value.
 */
export function soeCrc32(data: Uint8Array, seed: number, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  crc = step(crc, seed & 0xff);
  crc = step(crc, (seed >>> 8) & 0xff);
  crc = step(crc, (seed >>> 16) & 0xff);
  crc = step(crc, (seed >>> 24) & 0xff);
  if (nativeCrc32 !== undefined && end - start >= NATIVE_FROM) {
    // zlib continues a finished CRC: hand it the seed's, finished.
    return nativeCrc32(start === 0 && end === data.length ? data : data.subarray(start, end), ~crc >>> 0);
  }
  for (let i = start; i < end; i++) crc = step(crc, data[i] as number);
  return ~crc >>> 0;
}

/**
 * zlib's CRC-32 (Node 20.15 and later), the same polynomial: about 4 times faster than the
 * table loop on a full datagram, slower below some 64 bytes (the call costs more than the loop).
 */
const nativeCrc32: ((data: Uint8Array, value: number) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as unknown as { crc32: (data: Uint8Array, value: number) => number }).crc32 : undefined;

/** Ranges of at least this many bytes go to {@link nativeCrc32}. */
const NATIVE_FROM = 96;
