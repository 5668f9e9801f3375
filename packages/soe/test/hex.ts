/** Test helpers: bytes from and to spaced hex. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

export function bytes(spaced: string): Uint8Array {
  return new Uint8Array(Buffer.from(spaced.replace(/\s+/g, ''), 'hex'));
}
