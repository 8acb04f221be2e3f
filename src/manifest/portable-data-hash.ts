/**
 * Portable data hash (PDH) of a manifest text, by the reference's streaming rule (§1.8).
 *
 * The text is split at each ASCII space. A chunk followed by a space is a *block token* when it
 * is at least 34 bytes long, its byte 32 is `+`, bytes 0–31 contain no `:` and byte 0 is not
 * `.`; md5 is fed such a chunk only up to the first `+` after byte 32, then the space. Every
 * other byte is fed verbatim. PDH = `md5hex + "+" + bytesFed`. Works on any byte string.
 *
 * Implementation: instead of visiting every chunk, search for `+` with `indexOf`; a `+` can be
 * the byte-32 `+` of a block token only if the chunk starts exactly 32 bytes earlier, which is
 * checked on those 32 bytes alone. md5 gets long runs of the text; only hint bytes are skipped.
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
      src.copy(this.#scratch, this.#fill, start, end);
      this.#fill += len;
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
  let plus = buf.indexOf(PLUS, HASH_LEN);
  while (plus !== -1) {
    const start = plus - HASH_LEN;
    if ((start === 0 || buf[start - 1] === SPACE) && plausibleHashBytes(buf, start)) {
      const end = buf.indexOf(SPACE, plus + 1);
      if (end === -1) break; // final chunk: always verbatim
      if (end - start >= MIN_TOKEN_LEN) {
        const hint = buf.indexOf(PLUS, plus + 1);
        if (hint !== -1 && hint < end) {
          md5.feed(buf, fedTo, hint);
          fedTo = end; // the space at `end` is fed with the next run
          plus = buf.indexOf(PLUS, end + 1);
        } else {
          plus = hint; // the next `+` lies beyond this token (or there is none)
        }
        continue;
      }
      plus = buf.indexOf(PLUS, end + 1);
      continue;
    }
    plus = buf.indexOf(PLUS, plus + 1);
  }
  md5.feed(buf, fedTo, n);
  return `${md5.digestHex()}+${md5.bytesFed}`;
}
