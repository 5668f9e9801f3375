import { decodeDataBundle, encodeDataBundle, isDataBundle } from './data-bundle';
import type { Rc4 } from './rc4';

/**
 * Encrypts one application buffer (when `cipher` is given) with the leading-zero rule: an
 * encrypted buffer that starts with 0x00 is sent with one more 0x00 in front.
 */
export function encryptApplicationBuffer(buffer: Uint8Array, cipher: Rc4): Uint8Array {
  const enc = cipher.process(buffer);
  if (enc.length === 0 || enc[0] !== 0) return enc;
  const out = new Uint8Array(enc.length + 1);
  out.set(enc, 1);
  return out;
}

/** Reverses {@link encryptApplicationBuffer}: drops one leading 0x00, then decrypts. */
export function decryptApplicationBuffer(buffer: Uint8Array, cipher: Rc4): Uint8Array {
  return cipher.process(buffer.length > 0 && buffer[0] === 0 ? buffer.subarray(1) : buffer);
}

/**
 * Prepares application buffers for one reliable payload: each is encrypted if `cipher` is given,
 * then one buffer is sent as it is, and several (or one that would read as a bundle, starting
 * with `00 19`) are bundled. The caller keeps the result within the reliable payload's size.
 */
export function encodeApplicationData(buffers: readonly Uint8Array[], cipher?: Rc4): Uint8Array {
  const prepared = cipher === undefined ? buffers : buffers.map((b) => encryptApplicationBuffer(b, cipher));
  const only = prepared.length === 1 ? prepared[0] : undefined;
  if (only !== undefined && !isDataBundle(only)) return only;
  return encodeDataBundle(prepared);
}

/**
 * Recovers the application buffers of one (reassembled) reliable payload: unbundles it if it
 * starts with `00 19`, then decrypts each buffer in order if `cipher` is given. Throws only
 * `SoePacketError` (from the bundle).
 */
export function decodeApplicationData(payload: Uint8Array, cipher?: Rc4, maxBuffers?: number): Uint8Array[] {
  const buffers = isDataBundle(payload) ? decodeDataBundle(payload, maxBuffers) : [payload];
  return cipher === undefined ? buffers : buffers.map((b) => decryptApplicationBuffer(b, cipher));
}
