import { KeepError } from '../errors.js';
import type { LocatorIds } from './tree.js';
import { FNV_OFFSET, FNV_PRIME } from '../util/fnv.js';

/**
 * Interning table for locator strings: ids are dense from 0, equal ids mean byte-identical
 * locators. Lookups go through an open-addressing table over typed arrays keyed by an FNV-1a
 * hash of the bytes (the first 40 and last 16, plus the length), so interning a byte range
 * that is already known creates no string, and a run of the same locator is answered by
 * comparing with the most recently interned one.
 *
 * @example
 * const table = new LocatorTable();
 * table.intern('acbd18db4cc2f85cedef654fccc4a4d8+3', 3); // 0
 * table.hash(0); // 'acbd18db4cc2f85cedef654fccc4a4d8'
 */
export class LocatorTable implements LocatorIds {
  #texts: string[] = [];
  #sizes: number[] = [];
  #hashes: number[] = [];
  /** Slot → id + 1 (0 = empty). */
  #table = new Int32Array(1024);
  #mask = 1023;
  #lastId = -1;

  /** Number of distinct locators interned so far. */
  get count(): number {
    return this.#texts.length;
  }

  /**
   * Intern the latin1 text `bytes[start, end)`; the caller's buffer is not kept.
   *
   * @param bytes buffer holding the locator
   * @param start first byte
   * @param end end (exclusive)
   * @param blockSize the locator's size hint
   * @returns the locator's id
   */
  internBytes(bytes: Uint8Array, start: number, end: number, blockSize: number): number {
    const len = end - start;
    const last = this.#lastId;
    if (last >= 0 && sameText(this.#texts[last]!, bytes, start, len)) return last;
    let h = FNV_OFFSET ^ len;
    const head = len < 40 ? len : 40;
    for (let i = 0; i < head; i++) h = Math.imul(h ^ bytes[start + i]!, FNV_PRIME);
    for (let i = Math.max(head, len - 16); i < len; i++) h = Math.imul(h ^ bytes[start + i]!, FNV_PRIME);
    h &= 0x7fffffff;
    let slot = h & this.#mask;
    for (;;) {
      const v = this.#table[slot]!;
      if (v === 0) break;
      const id = v - 1;
      if (this.#hashes[id] === h && sameText(this.#texts[id]!, bytes, start, len)) {
        this.#lastId = id;
        return id;
      }
      slot = (slot + 1) & this.#mask;
    }
    const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = view.toString('latin1', start, end);
    const id = this.#texts.length;
    this.#texts.push(text);
    this.#sizes.push(blockSize);
    this.#hashes.push(h);
    this.#table[slot] = id + 1;
    if (this.#texts.length * 2 > this.#mask) this.#rehash();
    this.#lastId = id;
    return id;
  }

  /**
   * Intern a locator string (byte string).
   *
   * @param locator `hash+size[+hints]`
   * @param blockSize the locator's size hint
   * @returns the locator's id
   */
  intern(locator: string, blockSize: number): number {
    return this.internBytes(Buffer.from(locator, 'latin1'), 0, locator.length, blockSize);
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    const hashes = this.#hashes;
    for (let id = 0; id < hashes.length; id++) {
      let slot = hashes[id]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.#table = table;
    this.#mask = mask;
  }

  /** @returns the locator text of `id`, byte-identical to what was interned */
  text(id: number): string {
    const t = this.#texts[id];
    if (t === undefined) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot find locator: unknown id ${id}`);
    return t;
  }

  /** @returns the block size (size hint) of `id` */
  size(id: number): number {
    const s = this.#sizes[id];
    if (s === undefined) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot find locator: unknown id ${id}`);
    return s;
  }

  /** @returns the first 32 characters of the locator (its hash) */
  hash(id: number): string {
    return this.text(id).slice(0, 32);
  }
}

/** Whether the byte string `text` equals `bytes[start, start + len)` (compared from the end). */
function sameText(text: string, bytes: Uint8Array, start: number, len: number): boolean {
  if (text.length !== len) return false;
  for (let i = len - 1; i >= 0; i--) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}
