import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, statfs as fsStatfs, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { KeepError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import type { AbortOptions, BlockInfo, BlockReadStream, BlockStore, GetOptions, PutOptions, PutResult, ReadStreamOptions } from './block-store.js';
import { cleanTempFiles, fsyncDir, isNoSpace, isNotFound, readFully, TMP_DIR_NAME, TRASH_DIR_NAME, writeAll } from './directory-store-fs.js';
import { defaultHashPool, type HashPool } from './hash-pool.js';
import { blockNotFound, checkBlockSize, checkExpectedHash, hashMismatch, hashOfLocator, isWholeRange, resolveRange } from './locator-hash.js';

/** Free-space figures as `fs.statfs` reports them (only the fields used). */
export interface StatfsResult {
  bavail: number;
  bsize: number;
}

export interface DirectoryStoreOptions {
  /** Volume root; created if missing. */
  root: string;
  /** md5 pool for puts and verified reads (default: the process-wide pool). */
  hashPool?: HashPool;
  /** Storage classes this volume confirms (default `['default']`). */
  storageClasses?: readonly string[];
  /** Replicas one stored copy counts for (default 1, e.g. 2 for a RAID-1 volume). */
  replication?: number;
  /** Refuse put/touch/trash/delete with ERR_PERMISSION_DENIED (default false). */
  readOnly?: boolean;
  /** Verify md5 of whole-block reads (default true; a get's `verify` overrides it). */
  verify?: boolean;
  /** fsync data and directories on put (default true; turning it off loses crash safety). */
  fsync?: boolean;
  /** A put is refused with ERR_STORAGE_FULL when it would leave less free space (default 64 MiB). */
  minFreeBytes?: number;
  /** Free-space probe (default `fs.promises.statfs`); injectable for tests. */
  statfs?: (path: string) => Promise<StatfsResult>;
  /** Clock in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** Bytes per chunk of `readStream` (default 1 MiB). */
  streamChunkBytes?: number;
}

const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;
/** 1 MiB chunks: hashing one takes ~1.5 ms, short enough to interleave with socket writes. */
const DEFAULT_STREAM_CHUNK_BYTES = 1024 * 1024;
const LIST_STAT_BATCH = 64;

/**
 * The embedded default BlockStore: one file per block at `<root>/<hash[0:3]>/<hash>`.
 *
 * A put writes `<root>/tmp/<pid>.<rand>.tmp` while the hash pool computes the md5, fsyncs it,
 * renames it into place and fsyncs the directory, so no reader and no crash ever sees a partial
 * block. Leftover temp files of dead processes are removed when the store opens. Trash moves a
 * block to `<root>/trash/<hash>` (`untrash` restores it, `emptyTrash` deletes old entries).
 * Errors: ERR_BLOCK_NOT_FOUND, ERR_HASH_MISMATCH (bad input, or corrupt stored data on a verified
 * read), ERR_STORAGE_FULL (statfs below `minFreeBytes`, ENOSPC), ERR_PERMISSION_DENIED (read-only),
 * ERR_VOLUME_UNAVAILABLE (other I/O errors, with the errno error as `cause`).
 * @example
 * const store = await DirectoryStore.open({ root: './keepfs-data/blocks', storageClasses: ['default'] });
 * const { locator } = await store.put(data);          // durable when this resolves
 * const whole = await store.get(locator);             // md5-verified
 * const part = await store.get(locator, { offset: 0, length: 4096 }); // not verified
 */
export class DirectoryStore implements BlockStore {
  readonly root: string;
  readonly storageClasses: readonly string[];
  readonly replication: number;
  readonly readOnly: boolean;
  readonly #pool: HashPool;
  readonly #verify: boolean;
  readonly #fsync: boolean;
  readonly #minFreeBytes: number;
  readonly #statfs: (path: string) => Promise<StatfsResult>;
  readonly #now: () => number;
  readonly #tmpDir: string;
  readonly #trashDir: string;
  readonly #madeDirs = new Set<string>();
  readonly #chunkBytes: number;
  #ready: Promise<void> | undefined;

  constructor(options: DirectoryStoreOptions) {
    const replication = options.replication ?? 1;
    if (!Number.isInteger(replication) || replication < 1) {
      throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create DirectoryStore: replication must be a positive integer, got ${replication}`);
    }
    const minFree = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
    if (!(minFree >= 0)) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create DirectoryStore: minFreeBytes must be >= 0, got ${minFree}`);
    if (typeof options.root !== 'string' || options.root === '') throw new KeepError('ERR_INVALID_ARGUMENT', 'Cannot create DirectoryStore: root is required');
    this.root = options.root;
    this.storageClasses = [...(options.storageClasses ?? ['default'])];
    this.replication = replication;
    this.readOnly = options.readOnly ?? false;
    this.#pool = options.hashPool ?? defaultHashPool();
    this.#verify = options.verify ?? true;
    this.#fsync = options.fsync ?? true;
    this.#minFreeBytes = minFree;
    this.#statfs = options.statfs ?? fsStatfs;
    this.#now = options.now ?? Date.now;
    const chunkBytes = options.streamChunkBytes ?? DEFAULT_STREAM_CHUNK_BYTES;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create DirectoryStore: streamChunkBytes must be a positive integer, got ${chunkBytes}`);
    this.#chunkBytes = chunkBytes;
    this.#tmpDir = join(this.root, TMP_DIR_NAME);
    this.#trashDir = join(this.root, TRASH_DIR_NAME);
  }

  /** Create a store and prepare its directory (creating it, removing crash leftovers). */
  static async open(options: DirectoryStoreOptions): Promise<DirectoryStore> {
    const store = new DirectoryStore(options);
    await store.#init();
    return store;
  }

  async put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const signal = options.signal;
    throwIfAborted(signal);
    checkBlockSize(data.byteLength);
    if (options.hash !== undefined) checkExpectedHash(options.hash);
    this.#checkWritable('put block');
    await this.#init();
    // A hash the caller checked already is not computed again.
    const given = options.hash;
    const md5 = (): Promise<string> => (given !== undefined && options.hashChecked === true ? Promise.resolve(given) : this.#pool.md5(data, signal === undefined ? {} : { signal }));
    // Known hash and block already here: no write, just check the data and touch.
    if (given !== undefined && (await this.#sizeIfExists(given)) === data.byteLength) {
      const hash = await md5();
      if (hash !== given) throw hashMismatch(given, hash);
      if (await this.#touchIfExists(hash)) return this.#result(hash, data.byteLength);
    }
    await this.#checkFreeSpace(data.byteLength);
    const tmp = join(this.#tmpDir, `${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
    // Hash (worker thread) and write (libuv pool) at the same time.
    const hashing = md5();
    hashing.catch(() => {});
    let renamed = false;
    try {
      await this.#writeTemp(tmp, data);
      const hash = await hashing;
      throwIfAborted(signal);
      if (options.hash !== undefined && hash !== options.hash) throw hashMismatch(options.hash, hash);
      const dir = await this.#blockDir(hash);
      const final = join(dir, hash);
      const existing = await this.#sizeIfExists(hash);
      if (existing === data.byteLength) {
        await this.#touchIfExists(hash);
      } else {
        // Absent, or a different size (a damaged copy): the verified new file replaces it.
        await rename(tmp, final);
        renamed = true;
        if (this.#fsync) await fsyncDir(dir);
      }
      return this.#result(hash, data.byteLength);
    } catch (err) {
      throw this.#mapWriteError(err, 'put block');
    } finally {
      if (!renamed) await rm(tmp, { force: true });
    }
  }

  /** The block's file, opened for reading. @throws ERR_BLOCK_NOT_FOUND */
  async #openBlock(locator: string, hash: string): Promise<FileHandle> {
    try {
      return await open(this.#path(hash), 'r');
    } catch (err) {
      if (isNotFound(err)) throw blockNotFound(locator, err);
      throw this.#mapReadError(err, hash);
    }
  }

  async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    await this.#init();
    const fh = await this.#openBlock(locator, hash);
    let out: Uint8Array;
    let whole: boolean;
    try {
      const size = (await fh.stat()).size;
      const [start, end] = resolveRange(size, options.offset, options.length);
      whole = start === 0 && end === size && isWholeRange(options.offset, options.length, size);
      throwIfAborted(options.signal);
      out = new Uint8Array(end - start); // owns its whole ArrayBuffer: transferable to the hash pool
      await readFully(fh, out, end - start, start);
    } catch (err) {
      throw this.#mapReadError(err, hash);
    } finally {
      await fh.close();
    }
    throwIfAborted(options.signal);
    if (whole && (options.verify ?? this.#verify)) {
      const r = await this.#pool.digest(out, { transfer: true, ...(options.signal === undefined ? {} : { signal: options.signal }) });
      if (r.hash !== hash) throw this.#corrupt(hash, `md5 ${r.hash}`);
      return r.data;
    }
    return out;
  }

  /**
   * The block in chunks of `streamChunkBytes`, read one at a time as the consumer asks, md5
   * checked incrementally on this thread (each update is short and overlaps the consumer's I/O).
   * The file is opened on the first chunk, so an unread stream holds no file handle.
   */
  async readStream(locator: string, options: ReadStreamOptions = {}): Promise<BlockReadStream> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    await this.#init();
    const info = await this.head(hash, options);
    return { size: info.size, chunks: this.#chunks(locator, hash, info.size, options.verify ?? this.#verify, options.signal) };
  }

  async *#chunks(locator: string, hash: string, size: number, verify: boolean, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> {
    const fh = await this.#openBlock(locator, hash);
    try {
      // Replaced since `head` (a damaged copy rewritten): the new size is what counts.
      if ((await fh.stat()).size !== size) throw this.#corrupt(hash, 'size changed while reading');
      const md5 = verify ? createHash('md5') : undefined;
      if (size === 0 && md5 !== undefined && md5.digest('hex') !== hash) throw this.#corrupt(hash, 'empty file');
      for (let pos = 0; pos < size; ) {
        throwIfAborted(signal);
        const n = Math.min(this.#chunkBytes, size - pos);
        const chunk = Buffer.allocUnsafe(n); // every byte is read into it: no zero-fill (~10 % less server CPU)
        await readFully(fh, chunk, n, pos);
        pos += n;
        md5?.update(chunk);
        // Checked before the last chunk is handed out: a consumer never gets all of a bad block.
        if (pos === size && md5 !== undefined) {
          const actual = md5.digest('hex');
          if (actual !== hash) throw this.#corrupt(hash, `md5 ${actual}`);
        }
        yield chunk;
      }
    } catch (err) {
      throw this.#mapReadError(err, hash);
    } finally {
      await fh.close();
    }
  }

  #corrupt(hash: string, detail: string): KeepError {
    return new KeepError('ERR_HASH_MISMATCH', `Cannot read block "${hash}": stored data is corrupt (${detail})`);
  }

  async head(locator: string, options: AbortOptions = {}): Promise<BlockInfo> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    await this.#init();
    try {
      const st = await stat(this.#path(hash));
      return { hash, size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      if (isNotFound(err)) throw blockNotFound(locator, err);
      throw this.#mapReadError(err, hash);
    }
  }

  async *list(prefix = '', options: AbortOptions = {}): AsyncIterable<BlockInfo> {
    throwIfAborted(options.signal);
    await this.#init();
    let top: string[];
    try {
      top = await readdir(this.root);
    } catch (err) {
      if (isNotFound(err) && this.readOnly) return; // a read-only volume whose root does not exist yet
      throw this.#mapReadError(err, prefix);
    }
    const dirs = top.filter((d) => /^[0-9a-f]{3}$/.test(d) && (d.startsWith(prefix) || prefix.startsWith(d))).sort();
    for (const d of dirs) {
      throwIfAborted(options.signal);
      let names: string[];
      try {
        names = await readdir(join(this.root, d));
      } catch (err) {
        if (isNotFound(err)) continue;
        throw this.#mapReadError(err, prefix);
      }
      const hashes = names.filter((n) => n.length === 32 && n.startsWith(prefix) && /^[0-9a-f]{32}$/.test(n)).sort();
      for (let i = 0; i < hashes.length; i += LIST_STAT_BATCH) {
        const batch = hashes.slice(i, i + LIST_STAT_BATCH);
        const infos = await Promise.all(batch.map(async (h) => {
          try {
            const st = await stat(join(this.root, d, h));
            return { hash: h, size: st.size, mtimeMs: st.mtimeMs };
          } catch (err) {
            if (isNotFound(err)) return undefined; // deleted meanwhile
            throw this.#mapReadError(err, h);
          }
        }));
        for (const info of infos) {
          if (info === undefined) continue;
          throwIfAborted(options.signal);
          yield info;
        }
      }
    }
  }

  async touch(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    this.#checkWritable('touch block');
    await this.#init();
    if (!(await this.#touchIfExists(hash))) throw blockNotFound(locator);
  }

  async trash(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    this.#checkWritable('trash block');
    await this.#init();
    try {
      await rename(this.#path(hash), join(this.#trashDir, hash));
    } catch (err) {
      if (isNotFound(err)) throw blockNotFound(locator, err);
      throw this.#mapWriteError(err, 'trash block');
    }
    const now = new Date(this.#now());
    await utimes(join(this.#trashDir, hash), now, now).catch(() => {});
  }

  /** Restore a trashed block. @throws KeepError ERR_BLOCK_NOT_FOUND when it is not in the trash */
  async untrash(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    this.#checkWritable('untrash block');
    await this.#init();
    const dir = await this.#blockDir(hash);
    try {
      await rename(join(this.#trashDir, hash), join(dir, hash));
    } catch (err) {
      if (isNotFound(err)) throw blockNotFound(locator, err);
      throw this.#mapWriteError(err, 'untrash block');
    }
    const now = new Date(this.#now());
    await utimes(join(dir, hash), now, now).catch(() => {});
  }

  /** Delete trash entries trashed more than `olderThanMs` ago. Returns how many were deleted. */
  async emptyTrash(olderThanMs = 0, options: AbortOptions = {}): Promise<number> {
    throwIfAborted(options.signal);
    this.#checkWritable('empty trash');
    await this.#init();
    const limit = this.#now() - olderThanMs;
    let n = 0;
    for (const name of await readdir(this.#trashDir)) {
      throwIfAborted(options.signal);
      const p = join(this.#trashDir, name);
      try {
        if ((await stat(p)).mtimeMs <= limit) {
          await unlink(p);
          n++;
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return n;
  }

  async delete(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    this.#checkWritable('delete block');
    await this.#init();
    await rm(this.#path(hash), { force: true });
    await rm(join(this.#trashDir, hash), { force: true });
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        if (this.readOnly) return; // never create anything on a read-only volume
        await mkdir(this.root, { recursive: true });
        await mkdir(this.#tmpDir, { recursive: true });
        await mkdir(this.#trashDir, { recursive: true });
        await cleanTempFiles(this.#tmpDir, this.#now());
      } catch (err) {
        this.#ready = undefined; // let a later call retry
        throw new KeepError('ERR_VOLUME_UNAVAILABLE', `Cannot open block directory "${this.root}": ${(err as Error).message}`, { cause: err });
      }
    })();
    return this.#ready;
  }

  #path(hash: string): string {
    return join(this.root, hash.slice(0, 3), hash);
  }

  async #blockDir(hash: string): Promise<string> {
    const name = hash.slice(0, 3);
    const dir = join(this.root, name);
    if (!this.#madeDirs.has(name)) {
      let created: string | undefined;
      try {
        created = await mkdir(dir, { recursive: true });
      } catch (err) {
        throw this.#mapWriteError(err, 'create block directory');
      }
      if (created !== undefined && this.#fsync) await fsyncDir(this.root);
      this.#madeDirs.add(name);
    }
    return dir;
  }

  async #writeTemp(tmp: string, data: Uint8Array): Promise<void> {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await writeAll(fh, data);
      if (this.#fsync) await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  async #sizeIfExists(hash: string): Promise<number | undefined> {
    try {
      return (await stat(this.#path(hash))).size;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.#mapReadError(err, hash);
    }
  }

  async #touchIfExists(hash: string): Promise<boolean> {
    const now = new Date(this.#now());
    try {
      await utimes(this.#path(hash), now, now);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw this.#mapWriteError(err, 'touch block');
    }
  }

  async #checkFreeSpace(sizeBytes: number): Promise<void> {
    let fs: StatfsResult;
    try {
      fs = await this.#statfs(this.root);
    } catch {
      return; // no figures: let the write itself fail with ENOSPC if it must
    }
    const free = fs.bavail * fs.bsize;
    if (free - sizeBytes < this.#minFreeBytes) {
      throw new KeepError('ERR_STORAGE_FULL', `Cannot put block in "${this.root}": storage full (${free} bytes free, ${sizeBytes} needed plus ${this.#minFreeBytes} reserved)`);
    }
  }

  #checkWritable(action: string): void {
    if (this.readOnly) throw new KeepError('ERR_PERMISSION_DENIED', `Cannot ${action} in "${this.root}": volume is read-only`);
  }

  #mapWriteError(err: unknown, action: string): unknown {
    if (err instanceof KeepError) return err;
    if (isNoSpace(err)) return new KeepError('ERR_STORAGE_FULL', `Cannot ${action} in "${this.root}": storage full`, { cause: err });
    return new KeepError('ERR_VOLUME_UNAVAILABLE', `Cannot ${action} in "${this.root}": ${(err as Error).message}`, { cause: err });
  }

  #mapReadError(err: unknown, hash: string): unknown {
    if (err instanceof KeepError) return err;
    return new KeepError('ERR_VOLUME_UNAVAILABLE', `Cannot read block "${hash}" in "${this.root}": ${(err as Error).message}`, { cause: err });
  }

  #result(hash: string, size: number): PutResult {
    const storageClasses: Record<string, number> = {};
    for (const c of this.storageClasses) storageClasses[c] = this.replication;
    return { locator: `${hash}+${size}`, replicas: this.replication, storageClasses };
  }
}
