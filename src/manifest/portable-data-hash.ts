/**
 * Portable data hash (PDH) of a manifest text, by the reference's streaming rule (§1.8).
 *
 * The text is split at each ASCII space. A chunk followed by a space is a *block token* when it
 * is at least 34 bytes long, its byte 32 is `+`, bytes 0–31 contain no `:` and byte 0 is not
 * `.`; md5 is fed such a chunk only up to the first `+` after byte 32, then the space. Every
 * other byte is fed verbatim. PDH = `md5hex + "+" + bytesFed`. Works on any byte string.
 *
 * Implementation: instead of visiting every chunk, walk the `+` bytes that can be byte 32 of a
 * chunk (the chunk must start exactly 32 bytes earlier). Consecutive locators are followed
 * directly (the next one's `+` is 33 bytes after the space), so a run of locators costs no
 * `indexOf` call, and the file tokens of a line cost one. md5 gets long runs of the text; only
 * hint bytes are skipped.
 */
import { createHash, type Hash } from 'node:crypto';
import { asBuffer, utf8 } from '../util/bytes.js';

const SPACE = 0x20;
const PLUS = 0x2b;
const COLON = 0x3a;
const DOT = 0x2e;
/** Hash length of a block token; its byte 32 is the `+`. */
const HASH_LEN = 32;
/** Minimum block-token length. */
const MIN_TOKEN_LEN = 34;
/** Runs shorter than this are gathered into a scratch buffer before md5 sees them. */
const SMALL_RUN_BYTES = 512;
const SCRATCH_BYTES = 64 * 1024;
/** Runs up to this length are copied into the scratch buffer by a JS loop. */
const TINY_RUN_BYTES = 96;

/** Feeds md5 with few `update` calls: small runs are copied into a scratch buffer first. */
class Md5Feeder {
  readonly #hash: Hash = createHash('md5');
  readonly #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  #fill = 0;
  bytesFed = 0;

  feed(src: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len <= 0) return;
    this.bytesFed += len;
    if (len < SMALL_RUN_BYTES) {
      if (this.#fill + len > SCRATCH_BYTES) this.#flush();
      const scratch = this.#scratch;
      let at = this.#fill;
      if (len <= TINY_RUN_BYTES) {
        // Cheaper than Buffer#copy, which allocates a view per call.
        for (let i = start; i < end; i++) scratch[at++] = src[i]!;
      } else at += src.copy(scratch, at, start, end);
      this.#fill = at;
      return;
    }
    this.#flush();
    this.#hash.update(src.subarray(start, end));
  }

  digestHex(): string {
    this.#flush();
    return this.#hash.digest('hex');
  }

  #flush(): void {
    if (this.#fill === 0) return;
    this.#hash.update(this.#scratch.subarray(0, this.#fill));
    this.#fill = 0;
  }
}

/** True when `buf[start, start+32)` has no space and no `:`, and `buf[start]` is not `.`. */
function plausibleHashBytes(buf: Buffer, start: number): boolean {
  if (buf[start] === DOT) return false;
  const end = start + HASH_LEN;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b === SPACE || b === COLON) return false;
  }
  return true;
}

/**
 * Compute the portable data hash of a manifest text.
 *
 * @param text manifest bytes, or a string (encoded as UTF-8)
 * @returns `md5hex+size` of the text with every block token's hints removed
 * @example portableDataHash('. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n') === '1f4b0bc7583c2a7f9102c395f4ffc5e3+45'
 */
export function portableDataHash(text: Uint8Array | string): string {
  const buf = asBuffer(typeof text === 'string' ? utf8(text) : text);
  const n = buf.length;
  const md5 = new Md5Feeder();
  let fedTo = 0; // everything before this index has been fed or skipped
  // `plus` walks the `+` bytes that may be byte 32 of a chunk. Skipping a `+` is safe when it
  // cannot be one: only a chunk whose byte 32 is `+` can lose bytes, and its hint `+` is found
  // by scanning forward from there.
  let plus = buf.indexOf(PLUS, HASH_LEN);
  while (plus !== -1) {
    const start = plus - HASH_LEN;
    if (start > 0 && buf[start - 1] !== SPACE) {
      plus = buf.indexOf(PLUS, plus + 1);
      continue;
    }
    // Scan the (short) size part of the candidate token: it ends at a space or at a hint `+`.
    let i = plus + 1;
    while (i < n) {
      const c = buf[i];
      if (c === SPACE || c === PLUS) break;
      i++;
    }
    if (i === n) break; // the final chunk is always fed verbatim
    let end = i;
    if (buf[i] === PLUS) {
      end = buf.indexOf(SPACE, i + 1);
      if (end === -1) break; // final chunk
      if (!plausibleHashBytes(buf, start)) {
        plus = buf.indexOf(PLUS, plus + 1); // not a block token here; resume the generic walk
        continue;
      }
      md5.feed(buf, fedTo, i);
      fedTo = end; // the space at `end` is fed with the next run
    }
    // No chunk after the space at `end` can have its byte 32 before end + 33.
    const next = end + 1 + HASH_LEN;
    plus = next < n && buf[next] === PLUS ? next : buf.indexOf(PLUS, end + 1);
  }
  md5.feed(buf, fedTo, n);
  return `${md5.digestHex()}+${md5.bytesFed}`;
}
