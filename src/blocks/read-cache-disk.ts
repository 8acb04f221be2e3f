import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeepError } from '../errors.js';
import { cleanTempFiles, isNotFound, readFully, TMP_DIR_NAME } from './directory-store-fs.js';

export interface DiskCacheOptions {
  /** Cache directory: blocks at `<dir>/<hash[0:3]>/<hash>`, temp files in `<dir>/tmp/`. */
  dir: string;
  /** Bound on cached bytes; least recently used files go first, the last file is kept. */
  maxBytes: number;
}

/**
 * The on-disk tier of ReadCache. Files are written to a temp file and renamed into place, so a
 * reader (or a crash) never sees a partial block; no fsync, because losing a cache file is
 * harmless. Recency is tracked in memory, seeded from file mtimes when the cache opens.
 */
export class DiskCache {
  readonly dir: string;
  readonly maxBytes: number;
  /** hash → size, in least-recently-used-first order. */
  readonly #index = new Map<string, number>();
  #usedBytes = 0;
  #ready: Promise<void> | undefined;

  constructor(options: DiskCacheOptions) {
    if (!(options.maxBytes >= 0)) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create disk cache: maxBytes must be >= 0, got ${options.maxBytes}`);
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
  }

  get usedBytes(): number {
    return this.#usedBytes;
  }

  get count(): number {
    return this.#index.size;
  }

  /** Size of a cached block, or undefined. Marks it recently used. */
  async sizeOf(hash: string): Promise<number | undefined> {
    await this.#init();
    const size = this.#index.get(hash);
    if (size === undefined) return undefined;
    this.#index.delete(hash);
    this.#index.set(hash, size);
    return size;
  }

  /** Read `[start, end)` of a cached block; undefined when the file vanished. */
  async read(hash: string, start: number, end: number): Promise<Uint8Array | undefined> {
    let fh;
    try {
      fh = await open(this.#path(hash), 'r');
    } catch (err) {
      if (isNotFound(err)) {
        this.#forget(hash);
        return undefined;
      }
      throw err;
    }
    try {
      const out = new Uint8Array(end - start);
      await readFully(fh, out, end - start, start);
      return out;
    } catch {
      await this.remove(hash);
      return undefined;
    } finally {
      await fh.close();
    }
  }

  /** Store a verified block (atomically), then evict down to the bound. */
  async write(hash: string, data: Uint8Array): Promise<void> {
    await this.#init();
    if (this.#index.has(hash)) return;
    const dir = join(this.dir, hash.slice(0, 3));
    await mkdir(dir, { recursive: true });
    const tmp = join(this.dir, TMP_DIR_NAME, `${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, join(dir, hash));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    if (!this.#index.has(hash)) {
      this.#index.set(hash, data.byteLength);
      this.#usedBytes += data.byteLength;
    }
    await this.#evict();
  }

  /** Drop a block from the cache. */
  async remove(hash: string): Promise<void> {
    this.#forget(hash);
    await rm(this.#path(hash), { force: true });
  }

  async #evict(): Promise<void> {
    for (const [hash] of this.#index) {
      if (this.#usedBytes <= this.maxBytes || this.#index.size <= 1) break;
      await this.remove(hash);
    }
  }

  #forget(hash: string): void {
    const size = this.#index.get(hash);
    if (size === undefined) return;
    this.#index.delete(hash);
    this.#usedBytes -= size;
  }

  #path(hash: string): string {
    return join(this.dir, hash.slice(0, 3), hash);
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(join(this.dir, TMP_DIR_NAME), { recursive: true });
      await cleanTempFiles(join(this.dir, TMP_DIR_NAME), Date.now());
      const found: Array<{ hash: string; size: number; mtimeMs: number }> = [];
      for (const d of await readdir(this.dir)) {
        if (!/^[0-9a-f]{3}$/.test(d)) continue;
        for (const name of await readdir(join(this.dir, d))) {
          if (!/^[0-9a-f]{32}$/.test(name)) continue;
          try {
            const st = await stat(join(this.dir, d, name));
            found.push({ hash: name, size: st.size, mtimeMs: st.mtimeMs });
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
        }
      }
      found.sort((a, b) => a.mtimeMs - b.mtimeMs);
      for (const f of found) {
        this.#index.set(f.hash, f.size);
        this.#usedBytes += f.size;
      }
      await this.#evict();
    })();
    return this.#ready;
  }
}
