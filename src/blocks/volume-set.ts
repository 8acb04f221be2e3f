import { isKeepError, KeepError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import type { AbortOptions, BlockInfo, BlockReadStream, BlockStore, GetOptions, PutOptions, PutResult, ReadStreamOptions } from './block-store.js';
import { readBlockStream } from './block-read-stream.js';
import { defaultHashPool, type HashPool } from './hash-pool.js';
import { blockNotFound, checkBlockSize, checkExpectedHash, hashMismatch, hashOfLocator } from './locator-hash.js';
import { volumeOrder } from './rendezvous.js';

/** One volume of a VolumeSet. */
export interface VolumeConfig {
  /** Volume UUID (`zzzzz-nyw5e-…`); its last 15 characters weigh the rendezvous order. */
  uuid: string;
  store: BlockStore;
  /** Storage classes of this volume (default `['default']`). */
  storageClasses?: readonly string[];
  /** Replicas one copy on this volume counts for (default 1). */
  replication?: number;
  /** Never written, touched, trashed or deleted; still read (default false). */
  readOnly?: boolean;
  /** Higher priority volumes come first in the order (default 0). */
  priority?: number;
}

export interface VolumeSetOptions {
  volumes: readonly VolumeConfig[];
  /** Classes a put wants when it names none (default `['default']`). */
  defaultStorageClasses?: readonly string[];
  /** md5 pool used to find a new block's hash (default: the process-wide pool). */
  hashPool?: HashPool;
}

interface Volume {
  uuid: string;
  store: BlockStore;
  classes: readonly string[];
  replication: number;
  readOnly: boolean;
  priority: number;
}

interface Untrashable {
  untrash(locator: string, options?: AbortOptions): Promise<void>;
}

/**
 * Several volumes behind one BlockStore, keepstore-style. For each block the volumes are ordered
 * by `volumeOrder` (descending priority, then ascending rendezvous weight). A put first counts
 * (and touches) writable volumes that already hold the block, then writes to further volumes in
 * order until every wanted storage class holds `replicas` copies. Reads try volumes in order.
 * @throws on put: ERR_STORAGE_FULL (nothing stored, every write refused as full),
 *   ERR_INSUFFICIENT_REPLICAS (classes/replicas not reached; copies made are kept)
 * @example
 * const set = new VolumeSet({ volumes: [
 *   { uuid: 'zzzzz-nyw5e-000000000000000', store: await DirectoryStore.open({ root: '/d1' }) },
 *   { uuid: 'zzzzz-nyw5e-000000000000001', store: await DirectoryStore.open({ root: '/d2' }), storageClasses: ['archive'] },
 * ] });
 * const r = await set.put(data, { storageClasses: ['default', 'archive'] }); // r.storageClasses = { default: 1, archive: 1 }
 */
export class VolumeSet implements BlockStore {
  readonly #volumes: Volume[];
  readonly #defaultClasses: readonly string[];
  readonly #pool: HashPool;

  constructor(options: VolumeSetOptions) {
    if (options.volumes.length === 0) throw new KeepError('ERR_INVALID_ARGUMENT', 'Cannot create VolumeSet: no volumes');
    const seen = new Set<string>();
    this.#volumes = options.volumes.map((v) => {
      if (seen.has(v.uuid)) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create VolumeSet: duplicate volume uuid "${v.uuid}"`);
      seen.add(v.uuid);
      const replication = v.replication ?? 1;
      if (!Number.isInteger(replication) || replication < 1) {
        throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create VolumeSet: volume "${v.uuid}" replication must be a positive integer, got ${replication}`);
      }
      return { uuid: v.uuid, store: v.store, classes: [...(v.storageClasses ?? ['default'])], replication, readOnly: v.readOnly ?? false, priority: v.priority ?? 0 };
    });
    this.#defaultClasses = [...(options.defaultStorageClasses ?? ['default'])];
    this.#pool = options.hashPool ?? defaultHashPool();
  }

  /** Volume UUIDs in the order used for `hash`. */
  order(hash: string): string[] {
    return this.#ordered(hash).map((v) => v.uuid);
  }

  async put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    const signal = options.signal;
    throwIfAborted(signal);
    checkBlockSize(data.byteLength);
    // With the hash given, each volume's put checks the data against it: hashing here as well
    // made keepstore hash every PUT body twice. The data is hashed here only when no hash is
    // given, or before an existing copy is counted (no volume put checks the data then).
    let checked = false;
    let hash: string;
    if (options.hash !== undefined) {
      checkExpectedHash(options.hash);
      hash = options.hash;
      checked = options.hashChecked === true;
    } else {
      hash = await this.#pool.md5(data, signal === undefined ? {} : { signal });
      checked = true;
    }
    const check = async (): Promise<void> => {
      if (checked) return;
      const actual = await this.#pool.md5(data, signal === undefined ? {} : { signal });
      if (actual !== hash) throw hashMismatch(hash, actual);
      checked = true;
    };
    const wantReplicas = options.replicas ?? 1;
    if (!Number.isInteger(wantReplicas) || wantReplicas < 1) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot put block: replicas must be a positive integer, got ${wantReplicas}`);
    const wantClasses = options.storageClasses !== undefined && options.storageClasses.length > 0 ? [...new Set(options.storageClasses)] : this.#defaultClasses;
    const todo = new Map(wantClasses.map((c) => [c, wantReplicas]));
    const candidates = this.#ordered(hash).filter((v) => !v.readOnly);
    const useful = (v: Volume): boolean => v.classes.some((c) => (todo.get(c) ?? 0) > 0);
    const done = (): boolean => [...todo.values()].every((n) => n <= 0);
    const confirmed: Record<string, number> = {};
    let replicas = 0;
    const stored = new Set<Volume>();
    const record = (v: Volume): void => {
      stored.add(v);
      replicas += v.replication;
      for (const c of v.classes) {
        confirmed[c] = (confirmed[c] ?? 0) + v.replication;
        const n = todo.get(c);
        if (n !== undefined) todo.set(c, n - v.replication);
      }
    };
    const locator = `${hash}+${data.byteLength}`;
    const failures: Array<{ uuid: string; err: unknown }> = [];
    const sub = signal === undefined ? {} : { signal };
    // Pass 1: volumes that already hold the block count once touched.
    for (const v of candidates) {
      if (done()) break;
      if (!useful(v)) continue;
      let held: boolean;
      try {
        held = (await v.store.head(locator, sub)).size === data.byteLength;
      } catch (err) {
        if (isKeepError(err, 'ERR_ABORTED')) throw err;
        held = false;
      }
      if (!held) continue;
      await check();
      try {
        await v.store.touch(locator, sub);
        record(v);
      } catch (err) {
        if (isKeepError(err, 'ERR_ABORTED')) throw err;
      }
    }
    // Pass 2: write to further volumes in order.
    for (const v of candidates) {
      if (done()) break;
      if (stored.has(v) || !useful(v)) continue;
      try {
        await v.store.put(data, { ...sub, hash, hashChecked: checked });
        checked = true;
        record(v);
      } catch (err) {
        // A hash mismatch is the data's fault, not the volume's: no other volume would take it.
        if (isKeepError(err, 'ERR_ABORTED') || isKeepError(err, 'ERR_HASH_MISMATCH')) throw err;
        failures.push({ uuid: v.uuid, err });
      }
    }
    if (!done()) throw this.#putFailure(hash, wantClasses, wantReplicas, replicas, candidates.some(useful) || stored.size > 0, failures);
    return { locator, replicas, storageClasses: confirmed };
  }

  async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    return this.#firstFound(locator, options, (v) => v.store.get(locator, options));
  }

  /**
   * Stream from the first volume (in read order) whose copy yields its first chunk: a missing or
   * corrupt copy found by then (for blocks of one chunk, the whole check) moves on to the next
   * volume, as `get` does. Corruption found later ends the stream with ERR_HASH_MISMATCH.
   */
  async readStream(locator: string, options: ReadStreamOptions = {}): Promise<BlockReadStream> {
    return this.#firstFound(locator, options, async (v) => {
      const stream = await readBlockStream(v.store, locator, options);
      const it = stream.chunks[Symbol.asyncIterator]();
      const first = await it.next();
      return { size: stream.size, chunks: resumed(first, it) };
    });
  }

  async head(locator: string, options: AbortOptions = {}): Promise<BlockInfo> {
    return this.#firstFound(locator, options, (v) => v.store.head(locator, options));
  }

  async *list(prefix = '', options: AbortOptions = {}): AsyncIterable<BlockInfo> {
    throwIfAborted(options.signal);
    const merged = new Map<string, BlockInfo>();
    for (const v of this.#volumes) {
      for await (const info of v.store.list(prefix, options)) {
        const prev = merged.get(info.hash);
        if (prev === undefined || info.mtimeMs > prev.mtimeMs) merged.set(info.hash, info);
      }
    }
    for (const info of merged.values()) {
      throwIfAborted(options.signal);
      yield info;
    }
  }

  async touch(locator: string, options: AbortOptions = {}): Promise<void> {
    await this.#onEveryWritable(locator, options, (v) => v.store.touch(locator, options));
  }

  async trash(locator: string, options: AbortOptions = {}): Promise<void> {
    await this.#onEveryWritable(locator, options, (v) => v.store.trash(locator, options));
  }

  /** Restore a trashed block on every volume that can. @throws ERR_BLOCK_NOT_FOUND when none did */
  async untrash(locator: string, options: AbortOptions = {}): Promise<void> {
    await this.#onEveryWritable(locator, options, async (v) => {
      const u = v.store as Partial<Untrashable>;
      if (typeof u.untrash !== 'function') throw blockNotFound(locator);
      await u.untrash.call(v.store, locator, options);
    });
  }

  async delete(locator: string, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    hashOfLocator(locator);
    for (const v of this.#volumes) if (!v.readOnly) await v.store.delete(locator, options);
  }

  #ordered(hash: string): Volume[] {
    return volumeOrder(hash, this.#volumes, (v) => v.uuid, (v) => v.priority);
  }

  /** Try volumes in order; the first success wins. Not-found everywhere → ERR_BLOCK_NOT_FOUND. */
  async #firstFound<T>(locator: string, options: AbortOptions, fn: (v: Volume) => Promise<T>): Promise<T> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    let interesting: unknown;
    for (const v of this.#ordered(hash)) {
      try {
        return await fn(v);
      } catch (err) {
        if (isKeepError(err, 'ERR_ABORTED') || isKeepError(err, 'ERR_BAD_LOCATOR') || isKeepError(err, 'ERR_INVALID_ARGUMENT')) throw err;
        if (!isKeepError(err, 'ERR_BLOCK_NOT_FOUND')) interesting ??= err;
      }
    }
    throw interesting ?? blockNotFound(locator);
  }

  /** Run `fn` on every writable volume; missing on all of them → ERR_BLOCK_NOT_FOUND. */
  async #onEveryWritable(locator: string, options: AbortOptions, fn: (v: Volume) => Promise<void>): Promise<void> {
    throwIfAborted(options.signal);
    const hash = hashOfLocator(locator);
    let ok = 0;
    let interesting: unknown;
    for (const v of this.#ordered(hash)) {
      if (v.readOnly) continue;
      try {
        await fn(v);
        ok++;
      } catch (err) {
        if (isKeepError(err, 'ERR_ABORTED')) throw err;
        if (!isKeepError(err, 'ERR_BLOCK_NOT_FOUND')) interesting ??= err;
      }
    }
    if (ok === 0) throw interesting ?? blockNotFound(locator);
  }

  #putFailure(hash: string, classes: readonly string[], replicas: number, stored: number, anyCandidate: boolean, failures: ReadonlyArray<{ uuid: string; err: unknown }>): KeepError {
    const detail = failures.map((f) => `${f.uuid}: ${(f.err as Error).message}`).join('; ');
    const want = `${replicas} replica(s) in class(es) ${classes.map((c) => `"${c}"`).join(', ')}`;
    if (!anyCandidate) {
      return new KeepError('ERR_INSUFFICIENT_REPLICAS', `Cannot put block "${hash}": no writable volume has storage class ${classes.map((c) => `"${c}"`).join(', ')}`);
    }
    const allFull = failures.length > 0 && failures.every((f) => isKeepError(f.err, 'ERR_STORAGE_FULL'));
    if (stored === 0 && allFull) {
      return new KeepError('ERR_STORAGE_FULL', `Cannot put block "${hash}": storage full on every volume (${detail})`, { cause: failures[0]?.err });
    }
    return new KeepError('ERR_INSUFFICIENT_REPLICAS', `Cannot put block "${hash}": stored ${stored} of ${want}${detail === '' ? '' : ` (${detail})`}`, { cause: failures[0]?.err });
  }
}

/** The rest of an iteration whose first step has been taken already. */
async function* resumed(first: IteratorResult<Uint8Array>, it: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    for (let r = first; r.done !== true; r = await it.next()) yield r.value;
  } finally {
    await it.return?.();
  }
}
