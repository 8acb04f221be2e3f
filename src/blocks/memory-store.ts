import { KeepError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import type { AbortOptions, BlockInfo, BlockStore, GetOptions, PutOptions, PutResult } from './block-store.js';
import { defaultHashPool, type HashPool } from './hash-pool.js';
import { blockNotFound, checkBlockSize, checkExpectedHash, hashMismatch, hashOfLocator, resolveRange } from './locator-hash.js';

export interface MemoryStoreOptions {
  /** md5 pool for puts (default: the process-wide pool). */
  hashPool?: HashPool;
  /** Refuse puts that would make the stored bytes exceed this (ERR_STORAGE_FULL). Default: unbounded. */
  capacityBytes?: number;
  /** Storage classes this store confirms (default `['default']`). */
  storageClasses?: readonly string[];
  /** Replicas one stored copy counts for (default 1). */
  replication?: number;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

interface Entry {
  data: Uint8Array;
  mtimeMs: number;
}

/**
 * A BlockStore in process memory, for tests and ephemeral use. Puts copy the caller's data once
 * (into shared memory, so the hash pool hashes it without another copy), except with
 * `adopt: true`: then a new block keeps the caller's view itself (`adopted: true` in the result;
 * the caller must never modify those bytes again). Gets return copies, so no reader can alter a
 * stored block. `trash` moves a block aside, `untrash` restores it.
 * @example
 * const store = new MemoryStore({ capacityBytes: 1 << 30 });
 * const { locator } = await store.put(new TextEncoder().encode('foo')); // 'acbd18db4cc2f85cedef654fccc4a4d8+3'
 * const bytes = await store.get(locator, { offset: 1, length: 2 }); // 'oo'
 */
export class MemoryStore implements BlockStore {
  readonly #blocks = new Map<string, Entry>();
  readonly #trash = new Map<string, Entry>();
  readonly #pool: HashPool;
  readonly #capacityBytes: number;
  readonly #classes: readonly string[];
  readonly #replication: number;
  readonly #now: () => number;
  #usedBytes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    const capacity = options.capacityBytes ?? Number.POSITIVE_INFINITY;
    if (!(capacity >= 0)) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create MemoryStore: capacityBytes must be >= 0, got ${capacity}`);
    const replication = options.replication ?? 1;
    if (!Number.isInteger(replication) || replication < 1) {
      throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create MemoryStore: replication must be a positive integer, got ${replication}`);
    }
    this.#pool = options.hashPool ?? defaultHashPool();
    this.#capacityBytes = capacity;
    this.#classes = [...(options.storageClasses ?? ['default'])];
    this.#replication = replication;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes held by stored (not trashed) blocks. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  async put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    throwIfAborted(options.signal);
    checkBlockSize(data.byteLength);
    if (options.hash !== undefined) checkExpectedHash(options.hash);
    // With `adopt`, the caller's bytes are kept as they are (no copy; a shared buffer is also
    // hashed in place). Otherwise the one copy goes into shared memory, which the pool reads in place.
    const adopt = options.adopt === true;
    let copy: Uint8Array;
    if (adopt) {
      copy = data;
    } else {
      copy = new Uint8Array(new SharedArrayBuffer(data.byteLength));
      copy.set(data);
    }
    const hash = await this.#pool.md5(copy, options.signal === undefined ? {} : { signal: options.signal });
    throwIfAborted(options.signal);
    if (options.hash !== undefined && options.hash !== hash) throw hashMismatch(options.hash, hash);
    const existing = this.#blocks.get(hash);
    if (existing !== undefined) {
      existing.mtimeMs = this.#now();
    } else {
      if (this.#usedBytes + copy.byteLength > this.#capacityBytes) {
        throw new KeepError('ERR_STORAGE_FULL', `Cannot put block "${hash}": storage full (${this.#usedBytes} of ${this.#capacityBytes} bytes used)`);
      }
      this.#blocks.set(hash, { data: copy, mtimeMs: this.#now() });
      this.#usedBytes += copy.byteLength;
      if (adopt) return { ...this.#result(hash, copy.byteLength), adopted: true };
    }
    return this.#result(hash, copy.byteLength);
  }

  async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    const entry = this.#entry(locator);
    const [start, end] = resolveRange(entry.data.byteLength, options.offset, options.length);
    return entry.data.slice(start, end);
  }

  async head(locator: string, options: AbortOptions = {}): Promise<BlockInfo> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    const entry = this.#entry(locator);
    return { hash, size: entry.data.byteLength, mtimeMs: entry.mtimeMs };
  }

  async *list(prefix = '', options: AbortOptions = {}): AsyncIterable<BlockInfo> {
    throwIfAborted(options.signal);
    // Snapshot first: the map may change while the consumer awaits between items.
    const infos: BlockInfo[] = [];
    for (const [hash, e] of this.#blocks) if (hash.startsWith(prefix)) infos.push({ hash, size: e.data.byteLength, mtimeMs: e.mtimeMs });
    for (const info of infos) {
      throwIfAborted(options.signal);
      yield info;
    }
  }

  async touch(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    this.#entry(locator).mtimeMs = this.#now();
  }

  async trash(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    const entry = this.#entry(locator);
    this.#blocks.delete(hash);
    this.#usedBytes -= entry.data.byteLength;
    this.#trash.set(hash, entry);
  }

  /** Restore a trashed block. @throws KeepError ERR_BLOCK_NOT_FOUND when it is not in the trash */
  async untrash(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    const entry = this.#trash.get(hash);
    if (entry === undefined) throw blockNotFound(locator);
    this.#trash.delete(hash);
    if (!this.#blocks.has(hash)) {
      this.#blocks.set(hash, entry);
      this.#usedBytes += entry.data.byteLength;
    }
  }

  async delete(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    const entry = this.#blocks.get(hash);
    if (entry !== undefined) {
      this.#blocks.delete(hash);
      this.#usedBytes -= entry.data.byteLength;
    }
    this.#trash.delete(hash);
  }

  #entry(locator: string): Entry {
    const entry = this.#blocks.get(hashOfLocator(locator));
    if (entry === undefined) throw blockNotFound(locator);
    return entry;
  }

  #result(hash: string, size: number): PutResult {
    const storageClasses: Record<string, number> = {};
    for (const c of this.#classes) storageClasses[c] = this.#replication;
    return { locator: `${hash}+${size}`, replicas: this.#replication, storageClasses };
  }
}
