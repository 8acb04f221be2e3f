import { KeepError } from '../errors.js';
import type { LocatorIds } from './tree.js';

/**
 * Interning table for locator strings: ids are dense from 0, equal ids mean byte-identical
 * locators. Manifests repeat locators heavily, so {@link LocatorTable.internBytes} first
 * compares the byte range with the most recently interned locator before building a string.
 *
 * @example
 * const table = new LocatorTable();
 * table.intern('acbd18db4cc2f85cedef654fccc4a4d8+3', 3); // 0
 * table.hash(0); // 'acbd18db4cc2f85cedef654fccc4a4d8'
 */
export class LocatorTable implements LocatorIds {
  #texts: string[] = [];
  #sizes: number[] = [];
  #ids = new Map<string, number>();
  #lastId = -1;
  #lastBytes: Buffer = Buffer.alloc(0);

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
    const last = this.#lastBytes;
    const len = end - start;
    if (this.#lastId >= 0 && last.length === len && last[len - 1] === bytes[end - 1]) {
      const view = Buffer.from(bytes.buffer, bytes.byteOffset + start, len);
      if (view.equals(last)) return this.#lastId;
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end);
    const id = this.intern(text, blockSize);
    this.#lastId = id;
    this.#lastBytes = Buffer.from(text, 'latin1');
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
    let id = this.#ids.get(locator);
    if (id === undefined) {
      id = this.#texts.length;
      this.#texts.push(locator);
      this.#sizes.push(blockSize);
      this.#ids.set(locator, id);
    }
    return id;
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
