import { SoePacketError } from './soe-packet-error';

/**
 * The RC4 stream cipher, keyed once per session: its state carries over from one buffer to the
 * next, so buffers must be processed in the order they were (or will be) sent. RC4 encrypts and
 * decrypts alike.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  /** Keys the cipher; `key` must be 1–256 bytes (else `SOE_INVALID`). */
  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 256) throw new SoePacketError('SOE_INVALID', `an RC4 key must be 1–256 bytes, got ${key.length}`);
    const s = this.s;
    for (let k = 0; k < 256; k++) s[k] = k;
    let j = 0;
    for (let k = 0; k < 256; k++) {
      const sk = s[k] as number;
      j = (j + sk + (key[k % key.length] as number)) & 0xff;
      s[k] = s[j] as number;
      s[j] = sk;
    }
  }

  /** XORs `data` with the next `data.length` bytes of the key stream, into a new array. */
  process(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.length);
    const s = this.s;
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      const si = s[i] as number;
      j = (j + si) & 0xff;
      const sj = s[j] as number;
      s[i] = sj;
      s[j] = si;
      out[n] = (data[n] as number) ^ (s[(si + sj) & 0xff] as number);
    }
    this.i = i;
    this.j = j;
    return out;
  }
}
