import { KeepError } from '../errors.js';
import { abortError, addAbortListener, throwIfAborted } from '../util/abort.js';
import type { AbortOptions, BlockInfo, BlockStore, GetOptions, PutOptions, PutResult } from './block-store.js';
import { defaultHashPool, type HashPool } from './hash-pool.js';
import { hashOfLocator, resolveRange } from './locator-hash.js';
import { DiskCache } from './read-cache-disk.js';

export interface ReadCacheOptions {
  /** Bound on blocks held in memory (default 256 MiB). Blocks larger than this are not kept. */
  maxBytes?: number;
  /** Optional on-disk tier: `<dir>/<hash[0:3]>/<hash>`. */
  diskDir?: string;
  /** Bound on the on-disk tier (default 1 GiB). */
  diskMaxBytes?: number;
  /** Keep a copy of every block put through the cache (default false: puts only pass through). */
  populateOnPut?: boolean;
  /** md5 pool for verifying blocks read back from disk (default: the process-wide pool). */
  hashPool?: HashPool;
}

/** Counters of a ReadCache. */
export interface ReadCacheStats {
  /** Gets served from memory. */
  hits: number;
  /** Gets served from the disk tier. */
  diskHits: number;
  /** Gets that found nothing cached (they started or joined a fetch). */
  misses: number;
  /** Whole-block fetches from the backend. */
  fetches: number;
  memoryBytes: number;
  memoryBlocks: number;
  diskBytes: number;
  diskBlocks: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_DISK_MAX_BYTES = 1024 * 1024 * 1024;

/** Settle like `p`, or reject with ERR_ABORTED as soon as `signal` aborts (p keeps running). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    const dispose = addAbortListener(signal, () => reject(abortError(signal)));
    p.then((v) => {
      dispose();
      resolve(v);
    }, (e: unknown) => {
      dispose();
      reject(e);
    });
  });
}

/**
 * A read-through block cache over any BlockStore: an LRU in memory bounded in bytes, an optional
 * bounded disk tier, and single-flight fetching (concurrent readers of one uncached block share
 * one whole-block fetch, which also serves ranged readers). Gets return copies, never views of
 * cached memory. A caller's abort stops its wait, not the shared fetch. A ranged reader of an
 * uncached block waits for the whole block (BlockStore.get has no streaming form to wait on).
 * @example
 * const cache = new ReadCache(keepClient, { maxBytes: 512 << 20, diskDir: '/var/cache/keepfs', diskMaxBytes: 8 << 30 });
 * const chunk = await cache.get(locator, { offset: 1 << 20, length: 1 << 20 });
 * cache.stats(); // { hits, diskHits, misses, fetches, memoryBytes, … }
 */
export class ReadCache implements BlockStore {
  readonly backend: BlockStore;
  readonly #maxBytes: number;
  readonly #disk: DiskCache | undefined;
  readonly #populateOnPut: boolean;
  readonly #pool: HashPool;
  /** hash → block, least recently used first. */
  readonly #mem = new Map<string, Uint8Array>();
  readonly #inflight = new Map<string, Promise<Uint8Array>>();
  #memBytes = 0;
  #hits = 0;
  #diskHits = 0;
  #misses = 0;
  #fetches = 0;

  constructor(backend: BlockStore, options: ReadCacheOptions = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!(maxBytes >= 0)) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create ReadCache: maxBytes must be >= 0, got ${maxBytes}`);
    this.backend = backend;
    this.#maxBytes = maxBytes;
    this.#disk = options.diskDir === undefined ? undefined : new DiskCache({ dir: options.diskDir, maxBytes: options.diskMaxBytes ?? DEFAULT_DISK_MAX_BYTES });
    this.#populateOnPut = options.populateOnPut ?? false;
    this.#pool = options.hashPool ?? defaultHashPool();
  }

  stats(): ReadCacheStats {
    return {
      hits: this.#hits,
      diskHits: this.#diskHits,
      misses: this.#misses,
      fetches: this.#fetches,
      memoryBytes: this.#memBytes,
      memoryBlocks: this.#mem.size,
      diskBytes: this.#disk?.usedBytes ?? 0,
      diskBlocks: this.#disk?.count ?? 0,
    };
  }

  async put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const r = await this.backend.put(data, options);
    if (this.#populateOnPut) this.#remember(hashOfLocator(r.locator), Uint8Array.from(data));
    return r;
  }

  async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    const cached = this.#mem.get(hash);
    if (cached !== undefined) {
      this.#hits++;
      this.#mem.delete(hash);
      this.#mem.set(hash, cached);
      return this.#slice(cached, options);
    }
    const fromDisk = await this.#fromDisk(hash, options);
    if (fromDisk !== undefined) {
      this.#diskHits++;
      return fromDisk;
    }
    this.#misses++;
    const block = await raceAbort(this.#fetch(hash, locator, options.verify), options.signal);
    return this.#slice(block, options);
  }

  /**
   * Like `get`, from the cache only.
   * @throws KeepError ERR_NOT_CACHED when the block is neither cached nor being fetched
   */
  async getCached(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    const hash = hashOfLocator(locator);
    if (!this.#mem.has(hash) && !this.#inflight.has(hash) && (this.#disk === undefined || (await this.#disk.sizeOf(hash)) === undefined)) {
      throw new KeepError('ERR_NOT_CACHED', `Cannot read block "${hash}": block is not in cache`);
    }
    return this.get(locator, options);
  }

  head(locator: string, options: AbortOptions = {}): Promise<BlockInfo> {
    return this.backend.head(locator, options);
  }

  list(prefix?: string, options: AbortOptions = {}): AsyncIterable<BlockInfo> {
    return this.backend.list(prefix, options);
  }

  touch(locator: string, options: AbortOptions = {}): Promise<void> {
    return this.backend.touch(locator, options);
  }

  async trash(locator: string, options: AbortOptions = {}): Promise<void> {
    await this.backend.trash(locator, options);
    await this.#evict(hashOfLocator(locator));
  }

  /** Restore a trashed block in the backend. @throws ERR_NOT_SUPPORTED when the backend cannot */
  async untrash(locator: string, options: AbortOptions = {}): Promise<void> {
    const b = this.backend as Partial<{ untrash(locator: string, options?: AbortOptions): Promise<void> }>;
    if (typeof b.untrash !== 'function') throw new KeepError('ERR_NOT_SUPPORTED', 'Cannot untrash block: the backend has no trash');
    await b.untrash.call(this.backend, locator, options);
  }

  async delete(locator: string, options: AbortOptions = {}): Promise<void> {
    await this.backend.delete(locator, options);
    await this.#evict(hashOfLocator(locator));
  }

  /** Drop every block from memory (the disk tier stays). */
  clearMemory(): void {
    this.#mem.clear();
    this.#memBytes = 0;
  }

  #slice(block: Uint8Array, options: GetOptions): Uint8Array {
    const [start, end] = resolveRange(block.byteLength, options.offset, options.length);
    return block.slice(start, end);
  }

  async #fromDisk(hash: string, options: GetOptions): Promise<Uint8Array | undefined> {
    const disk = this.#disk;
    if (disk === undefined || this.#inflight.has(hash)) return undefined;
    const size = await disk.sizeOf(hash);
    if (size === undefined) return undefined;
    const [start, end] = resolveRange(size, options.offset, options.length);
    if (start !== 0 || end !== size) return disk.read(hash, start, end);
    // A whole block comes back into memory, verified (cache files are not fsynced).
    const data = await disk.read(hash, 0, size);
    if (data === undefined) return undefined;
    const r = await this.#pool.digest(data, { transfer: true });
    if (r.hash !== hash) {
      await disk.remove(hash);
      return undefined;
    }
    this.#remember(hash, r.data);
    return r.data.slice();
  }

  /** One whole-block backend fetch per hash at a time; the result goes to memory and disk. */
  #fetch(hash: string, locator: string, verify: boolean | undefined): Promise<Uint8Array> {
    let p = this.#inflight.get(hash);
    if (p !== undefined) return p;
    this.#fetches++;
    p = (async () => {
      try {
        const block = await this.backend.get(locator, verify === undefined ? {} : { verify });
        this.#remember(hash, block);
        if (this.#disk !== undefined) {
          // Best effort: a full or broken cache disk must not fail the read.
          await this.#disk.write(hash, block).catch(() => {});
        }
        return block;
      } finally {
        this.#inflight.delete(hash);
      }
    })();
    this.#inflight.set(hash, p);
    return p;
  }

  #remember(hash: string, block: Uint8Array): void {
    if (block.byteLength > this.#maxBytes || this.#mem.has(hash)) return;
    this.#mem.set(hash, block);
    this.#memBytes += block.byteLength;
    for (const [h, b] of this.#mem) {
      if (this.#memBytes <= this.#maxBytes) break;
      this.#mem.delete(h);
      this.#memBytes -= b.byteLength;
    }
  }

  async #evict(hash: string): Promise<void> {
    const b = this.#mem.get(hash);
    if (b !== undefined) {
      this.#mem.delete(hash);
      this.#memBytes -= b.byteLength;
    }
    await this.#disk?.remove(hash);
  }
}
