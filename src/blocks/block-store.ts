/**
 * The BlockStore contract: immutable, md5-addressed blocks of at most 64 MiB.
 * Every implementation (MemoryStore, DirectoryStore, S3Store, VolumeSet, KeepClient, ReadCache)
 * runs the shared conformance suite in test/conformance/block-store.suite.ts.
 */

/** Largest block any store accepts: 64 MiB. */
export const MAX_BLOCK_SIZE_BYTES = 64 * 1024 * 1024;

/** md5 of the empty string: the locator of the 0-byte block is `EMPTY_BLOCK_HASH+0`. */
export const EMPTY_BLOCK_HASH = 'd41d8cd98f00b204e9800998ecf8427e';
export const EMPTY_BLOCK_LOCATOR = `${EMPTY_BLOCK_HASH}+0`;

export interface AbortOptions {
  signal?: AbortSignal;
}

export interface PutOptions extends AbortOptions {
  /** Expected md5 (32 lowercase hex). When given, data with another md5 is refused (ERR_HASH_MISMATCH). */
  hash?: string;
  /** Copies wanted (stores that cannot replicate report what they stored). */
  replicas?: number;
  /** Storage classes wanted; empty or absent means the store's defaults. */
  storageClasses?: readonly string[];
  /**
   * The caller hands `data` over: it will never modify (or recycle) those bytes after this call,
   * so a store that keeps blocks in memory may keep `data` itself instead of a copy. The store
   * never detaches or mutates it; the caller may still read it. A store that kept it says
   * `adopted: true` in its result; stores that do not keep bytes in memory ignore the flag.
   */
  adopt?: boolean;
}

export interface PutResult {
  /** `md5+size`, plus hints such as a `+A` signature when the store signs. */
  locator: string;
  /** Replicas actually stored. */
  replicas: number;
  /** Storage classes confirmed, with replica counts (`{ default: 1 }`). */
  storageClasses: Record<string, number>;
  /** True when the store kept the caller's buffer (only with `PutOptions.adopt`); it must stay unmodified. */
  adopted?: boolean;
}

export interface GetOptions extends AbortOptions {
  /** Start of the range to read (default 0). */
  offset?: number;
  /** Bytes to read from `offset` (default: to the end of the block). */
  length?: number;
  /** Verify the md5 of whole-block reads (default true where the store can). */
  verify?: boolean;
}

export interface BlockInfo {
  hash: string;
  size: number;
  /** Last write or touch, milliseconds since the epoch. */
  mtimeMs: number;
}

export interface BlockStore {
  /**
   * Store `data` durably and return its locator. Idempotent: storing an existing block touches it.
   * The store does not keep a reference to `data` after the promise settles, and never mutates it,
   * unless the caller passes `adopt: true` and the result says `adopted: true` (see PutOptions.adopt).
   * @throws KeepError ERR_BLOCK_TOO_LARGE, ERR_HASH_MISMATCH, ERR_STORAGE_FULL, ERR_ABORTED
   */
  put(data: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /**
   * Read a block (or a range of it). `locator` is `md5+size[+hints]`; stores that need a
   * signature (KeepClient) use the hints, others use the first 32 characters.
   * @throws KeepError ERR_BLOCK_NOT_FOUND, ERR_HASH_MISMATCH, ERR_ABORTED
   */
  get(locator: string, options?: GetOptions): Promise<Uint8Array>;
  /** Size and mtime of a stored block. @throws KeepError ERR_BLOCK_NOT_FOUND */
  head(locator: string, options?: AbortOptions): Promise<BlockInfo>;
  /** Every stored block whose hash starts with `prefix` (not sorted unless the store says so). */
  list(prefix?: string, options?: AbortOptions): AsyncIterable<BlockInfo>;
  /** Refresh a block's mtime (protects it from garbage collection). @throws ERR_BLOCK_NOT_FOUND */
  touch(locator: string, options?: AbortOptions): Promise<void>;
  /** Move a block to the trash (recoverable where the store supports it, else delete). */
  trash(locator: string, options?: AbortOptions): Promise<void>;
  /** Delete a block for good. Deleting a missing block is not an error. */
  delete(locator: string, options?: AbortOptions): Promise<void>;
}
