/** Byte helpers shared by every layer. Views vs copies are explicit in the names. */

const encoder = new TextEncoder();

/** UTF-8 encode a string (new buffer). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode bytes as latin1 (one char per byte): lossless for arbitrary bytes. */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1", start, end);
}

/** Decode bytes as UTF-8. */
export function utf8Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8", start, end);
}

/** A Buffer view over the same memory as `bytes` (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A copy of `bytes` in a fresh, non-pooled ArrayBuffer (safe to transfer). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

/** Concatenate chunks once into a fresh buffer. */
export function concatBytes(chunks: readonly Uint8Array[], totalLength?: number): Uint8Array {
  const len = totalLength ?? chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(len);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
