import { Readable, Writable } from 'node:stream';
import type { BlockStore } from '../blocks/block-store.js';
import { KeepError } from '../errors.js';
import { goQuote } from '../manifest/go-quote.js';
import { loadManifest } from '../manifest/load-manifest.js';
import { portableDataHash } from '../manifest/portable-data-hash.js';
import type { CollectionSource } from './collection-source.js';
import { CollectionFileHandle } from './file-handle.js';
import { FsCore } from './fs-core.js';
import { FsError, fsError } from './fs-error.js';
import { FsTree } from './fs-tree.js';
import { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_SYNC, O_TRUNC, O_WRONLY, accessBits, flagsToNumber, isWritable } from './open-flags.js';
import { type CollectionPath, checkPathArg, cleanComponents, encodeName, fromByteString, pathToByteString, pathToDisplay, splitPath, toByteString, trimTrailingSlashes } from './path.js';
import { collectionRecord } from './collection-record.js';
import { CollectionSnapshot, materialize, takeSnapshot } from './snapshot.js';
import { CollectionDirent, type CollectionStats, nodeStats, recordStats } from './stats.js';
import type { ReplacementMapInput } from './replace-segments.js';
import { repackTree, replaceTreeSegments, type RepackOptions } from './segment-rewrite.js';
import { SyncSupport } from './sync-support.js';

/** Default (and maximum) block size: 64 MiB. */
export const DEFAULT_BLOCK_SIZE_BYTES = 64 * 1024 * 1024;
/** Default number of concurrent block uploads (Go `concurrentWriters`). */
export const DEFAULT_CONCURRENT_WRITERS = 4;
/** Name of the pseudo-file at the root holding the collection record as JSON. */
export const COLLECTION_RECORD_NAME = '.arvados#collection';

const GETTER = -2;

/** Options of {@link CollectionFS.load}. */
export interface CollectionFSOptions {
  /** Where block data is read from and written to. */
  store: Pick<BlockStore, 'get' | 'put'>;
  /** Maximum block size (default 64 MiB; small values are for tests). */
  blockSize?: number;
  /** Replicas requested for new blocks (0/undefined: the store's default). */
  replicas?: number;
  /** Storage classes requested for new blocks. */
  storageClasses?: readonly string[];
  /** Where `sync()` saves and signatures are refreshed from. */
  source?: CollectionSource;
  /** Block uploads in flight at most (default 4). */
  concurrentWriters?: number;
  /** Collection UUID shown in `.arvados#collection`. */
  uuid?: string;
  /** mtime (ms) of loaded nodes (default now). */
  modifiedAtMs?: number;
  /** Clock, ms since the epoch, for signature expiry decisions and mtimes (default `Date.now`). */
  now?: () => number;
}

/** Load pre-sizing: manifest bytes per locator (see `load`). */
const LOAD_BYTES_PER_LOCATOR = 88;

type OpenFlags = string | number;

/** Encodings readdir can give names in (node:fs also allows `'buffer'`). */
type ReaddirEncoding = BufferEncoding | 'buffer';

/** Validate readdir's `encoding` like node:fs (unknown names are a TypeError). */
function readdirEncoding(encoding: unknown): ReaddirEncoding {
  if (encoding === undefined || encoding === null || encoding === 'utf8' || encoding === 'utf-8') return 'utf8';
  if (encoding === 'buffer' || (typeof encoding === 'string' && Buffer.isEncoding(encoding))) return encoding as ReaddirEncoding;
  const err = new TypeError(`The argument 'encoding' is invalid encoding. Received ${String(encoding)}`);
  throw Object.assign(err, { code: 'ERR_INVALID_ARG_VALUE' });
}

/** EINVAL for numeric flags whose access mode is invalid. */
function invalidFlags(syscall: string, userPath: CollectionPath, flags: number): FsError {
  return fsError('ErrInvalidFlags', syscall, userPath, { goMessage: `invalid flags 0x${flags.toString(16)}` });
}

interface RmOptions {
  recursive?: boolean;
  force?: boolean;
}

/**
 * A mutable, in-memory filesystem over an Arvados-style collection, with a `node:fs/promises`
 * shaped API. Paths are relative to the collection root (a leading `/` is allowed). Data lives
 * in memory until flushed to the block store; `marshalManifest()` produces the same manifest
 * bytes as the Arvados Go SDK for the same sequence of operations.
 *
 * @example
 * ```ts
 * const fs = await CollectionFS.load('', { store: new MemoryStore() });
 * await fs.writeFile('dir/x.txt', 'hi'); // ENOENT: dir does not exist
 * await fs.mkdir('dir'); await fs.writeFile('dir/x.txt', 'hi');
 * await fs.marshalManifest(); // './dir 49f68a5c8493ec2c0bf489821c21fc3b+2 0:2:x.txt\n'
 * ```
 */
export class CollectionFS {
  readonly #core: FsCore;
  readonly #tree: FsTree;
  readonly #uuid: string;
  readonly #sync: SyncSupport;
  #nextFd = 3;
  /**
   * The last path {@link #plainNode} found and its node, valid while the tree's `structureGen` is
   * `#plainGen`: `stat(p)` or `access(p)` followed by `open(p)` walks the path once.
   */
  #plainPath = '';
  #plainPathNode = -1;
  #plainGen = -1;

  private constructor(core: FsCore, options: CollectionFSOptions) {
    this.#core = core;
    this.#tree = core.tree;
    this.#uuid = options.uuid ?? '';
    this.#sync = new SyncSupport(core, options.source, this, options.now !== undefined ? { now: options.now } : {});
  }

  /**
   * Load a collection from manifest text (`''` = empty collection).
   * @throws ManifestSyntaxError (ERR_MANIFEST_SYNTAX) for text the Go loader rejects
   */
  static async load(manifestText: Uint8Array | string, options: CollectionFSOptions): Promise<CollectionFS> {
    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE_BYTES;
    if (!Number.isInteger(blockSize) || blockSize < 2) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create CollectionFS: blockSize must be an integer >= 2, got ${blockSize}`);
    const cw = options.concurrentWriters ?? DEFAULT_CONCURRENT_WRITERS;
    if (!Number.isInteger(cw) || cw < 1) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create CollectionFS: concurrentWriters must be a positive integer, got ${cw}`);
    const clock = options.now ?? Date.now;
    const tree = new FsTree(undefined, options.modifiedAtMs ?? clock());
    tree.now = clock;
    if (manifestText.length > 0) {
      // Pre-size the locator table from the text length (compact() trims the unused rest): a
      // signed locator token takes about 93 bytes, so locator-heavy manifests have up to about
      // length/88 locators. Nodes and segments are pre-sized by the tree after the first line.
      const len = manifestText.length;
      tree.locators.reserve(Math.min(1 << 22, Math.floor(len / LOAD_BYTES_PER_LOCATOR)));
      loadManifest(manifestText, tree);
      tree.compact();
    }
    const core = new FsCore(tree, {
      store: options.store,
      blockSizeBytes: blockSize,
      concurrentWriters: cw,
      ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
      ...(options.storageClasses !== undefined ? { storageClasses: options.storageClasses } : {}),
    });
    const fs = new CollectionFS(core, options);
    fs.#sync.markLoaded(manifestText);
    return fs;
  }

  // ---- path resolution -------------------------------------------------------------------

  /** Go `rlookup`: resolve a byte-string path to a node (or the record pseudo-file). */
  #resolve(pathB: string, syscall: string, userPath: CollectionPath): number {
    const plain = this.#tree.lookupPlain(pathB, pathB.length);
    return plain >= 0 ? plain : this.#resolveSlow(pathB, syscall, userPath);
  }

  /** {@link #resolve} for any path: cleans `.`, `..` and empty components, and throws Go's errors. */
  #resolveSlow(pathB: string, syscall: string, userPath: CollectionPath): number {
    const tree = this.#tree;
    const { parts, trailingSlash } = cleanComponents(pathB);
    let node = tree.root;
    for (const name of parts) {
      if (node === GETTER || !tree.isDir(node)) throw fsError('ErrNotADirectory', syscall, userPath);
      let child = tree.childOf(node, name);
      if (child < 0) {
        if (node === tree.root && name === COLLECTION_RECORD_NAME) child = GETTER;
        else throw fsError('ErrNotExist', syscall, userPath);
      }
      node = child;
    }
    if (trailingSlash && (node === GETTER || !tree.isDir(node))) throw fsError('ErrNotADirectory', syscall, userPath);
    return node;
  }

  /**
   * The existing node at a non-empty plain ASCII user path (components joined by single slashes,
   * none `.` or `..`), or -1 when the path is not plain and ASCII or names no node. ASCII paths
   * are their own UTF-8 bytes, so the walk needs no byte-string conversion.
   */
  #plainNode(userPath: string): number {
    const tree = this.#tree;
    // A different path of the same length is the common miss; on a cons string (a template
    // literal) `===` is a runtime call, so the last char rules most misses out first.
    const cached = this.#plainPath;
    const n = userPath.length;
    if (
      n === cached.length &&
      n > 0 &&
      userPath.charCodeAt(n - 1) === cached.charCodeAt(n - 1) &&
      userPath === cached &&
      this.#plainGen === tree.structureGen
    ) {
      return this.#plainPathNode;
    }
    const node = tree.lookupPlainAscii(userPath);
    if (node < 0) return -1;
    this.#plainPath = userPath;
    this.#plainPathNode = node;
    this.#plainGen = tree.structureGen;
    return node;
  }

  /** Go `rlookup` of a user path: {@link #plainNode}, else full resolution. */
  #lookup(userPath: CollectionPath, syscall: string): number {
    const node = typeof userPath === 'string' ? this.#plainNode(userPath) : -1;
    return node >= 0 ? node : this.#resolve(pathToByteString(userPath), syscall, userPath);
  }

  /**
   * Go `openFile`: the node (or GETTER) `userPath` opens with numeric `flags`, after creating or
   * truncating it as the flags say. On return `flags` are valid (see {@link accessBits}).
   */
  #openNode(userPath: CollectionPath, flags: number, perm: number, syscall: string): number {
    if ((flags & O_SYNC) !== 0) throw fsError('ErrSyncNotSupported', syscall, userPath);
    if ((flags & O_CREAT) === 0) {
      // Without O_CREAT an existing plain path is one walk, no parent/base substrings (with
      // O_CREAT a miss is likely, and it would cost a second walk).
      const node = typeof userPath === 'string' ? this.#plainNode(userPath) : -1;
      if (node >= 0) {
        if (accessBits(flags) < 0) throw invalidFlags(syscall, userPath, flags);
        return this.#openExisting(node, flags, syscall, userPath);
      }
    }
    const tree = this.#tree;
    const pathB = pathToByteString(userPath);
    const slash = pathB.lastIndexOf('/');
    const base = pathB.slice(slash + 1);
    let parent = slash < 0 ? tree.root : tree.lookupPlain(pathB, slash);
    if (parent < 0 || !tree.isDir(parent)) parent = this.#resolve(pathB.slice(0, slash + 1), syscall, userPath);
    if (accessBits(flags) < 0) throw invalidFlags(syscall, userPath, flags);
    if (base === '' || base === '.') return parent;
    if (base === '..') return tree.parentOf(parent);
    let node = tree.childOf(parent, base);
    if (node < 0 && parent === tree.root && base === COLLECTION_RECORD_NAME) node = GETTER;
    if (node !== -1) return this.#openExisting(node, flags, syscall, userPath);
    if ((flags & O_CREAT) === 0) throw fsError('ErrNotExist', syscall, userPath);
    const now = tree.now();
    node = tree.newFile(base, (perm | 0o755) & 0o7777, now);
    tree.link(parent, base, node);
    tree.touch(parent, now);
    return node;
  }

  /** The O_EXCL / O_TRUNC part of {@link #openNode} for an existing entry (a node or GETTER). */
  #openExisting(node: number, flags: number, syscall: string, userPath: CollectionPath): number {
    if ((flags & O_EXCL) !== 0) throw fsError('ErrExist', syscall, userPath);
    if ((flags & O_TRUNC) !== 0) {
      if (!isWritable(flags)) throw fsError('ErrInvalidArgument', syscall, userPath, { goMessage: 'invalid flag O_TRUNC in read-only mode' });
      if (node === GETTER) throw fsError('ErrInvalidOperation', syscall, userPath);
      if (this.#tree.isDir(node)) throw fsError('ErrInvalidArgument', syscall, userPath, { goMessage: 'invalid flag O_TRUNC when opening directory' });
      this.#core.truncate(node, 0);
    }
    return node;
  }

  async #recordContent(): Promise<Buffer> {
    return collectionRecord(this.#uuid, Buffer.from(await this.#core.marshal('.')).toString('utf8'));
  }

  // ---- handles ---------------------------------------------------------------------------

  /**
   * Open a file or directory. `flags`: Node strings (`r`, `r+`, `w`, `w+`, `a`, `a+`, `wx`, …) or
   * numeric `O_*` from `node:fs` constants. New files get mode `mode | 0o755` (default mode 0, as Go: 0o755).
   * @throws FsError ENOENT, EEXIST, ENOTDIR, EINVAL (bad flags), ENOTSUP (O_SYNC)
   */
  async open(path: CollectionPath, flags: OpenFlags = 'r', mode = 0): Promise<CollectionFileHandle> {
    const f = flagsToNumber(flags);
    if (f === undefined) throw fsError('ErrInvalidFlags', 'open', path, { goMessage: `invalid flags ${String(flags)}` });
    const node = this.#openNode(path, f, mode, 'open');
    const record = node === GETTER ? await this.#recordContent() : undefined;
    return new CollectionFileHandle(this.#core, node, record, f, pathToDisplay(path), this.#nextFd++);
  }

  /** Read a whole file (a string when an encoding is given). */
  async readFile(path: CollectionPath, options: BufferEncoding | { encoding: BufferEncoding; flag?: OpenFlags }): Promise<string>;
  async readFile(path: CollectionPath, options?: { encoding?: null; flag?: OpenFlags }): Promise<Buffer>;
  async readFile(path: CollectionPath, options?: BufferEncoding | { encoding?: BufferEncoding | null; flag?: OpenFlags }): Promise<Buffer | string> {
    const flag = typeof options === 'object' ? (options.flag ?? 'r') : 'r';
    const h = await this.open(path, flag);
    try {
      return await h.readFile(typeof options === 'object' ? { encoding: options.encoding ?? null } : options);
    } finally {
      await h.close();
    }
  }

  /** Replace (or create) a file with `data` (default flag `w`). */
  async writeFile(path: CollectionPath, data: Uint8Array | string, options?: BufferEncoding | { encoding?: BufferEncoding; flag?: OpenFlags; mode?: number }): Promise<void> {
    // The core's no-options fast path takes UTF-8 string paths only.
    if (options === undefined && typeof data !== 'string' && typeof path === 'string' && this.#core.writeNewFile(path, data)) return;
    const o = typeof options === 'object' ? options : { encoding: options ?? 'utf8' };
    const flags = flagsToNumber(o.flag ?? 'w');
    if (flags === undefined) throw fsError('ErrInvalidFlags', 'open', path, { goMessage: `invalid flags ${String(o.flag)}` });
    const bytes = typeof data === 'string' ? Buffer.from(data, o.encoding ?? 'utf8') : data;
    const node = this.#openNode(path, flags, o.mode ?? 0, 'open');
    if (!isWritable(flags)) throw fsError('ErrReadOnlyFile', 'write', path);
    if (node === GETTER || this.#tree.isDir(node)) throw fsError('ErrInvalidOperation', 'write', path);
    await this.#core.writeAt(node, bytes, (flags & O_APPEND) !== 0 ? this.#tree.fileSize(node) : 0);
  }

  /** Append `data` to a file, creating it if missing. */
  async appendFile(path: CollectionPath, data: Uint8Array | string, options?: BufferEncoding | { encoding?: BufferEncoding; mode?: number }): Promise<void> {
    const o = typeof options === 'object' ? options : { encoding: options ?? 'utf8' };
    await this.writeFile(path, data, { ...o, flag: 'a' });
  }

  /** Set a file's size (default 0). @throws FsError ENOENT, ENOTSUP (directory) */
  async truncate(path: CollectionPath, len = 0): Promise<void> {
    const h = await this.open(path, O_WRONLY);
    await h.truncate(len);
  }

  // ---- metadata --------------------------------------------------------------------------

  /** Stats of a node; a directory's size is its number of entries. */
  async stat(path: CollectionPath): Promise<CollectionStats> {
    const node = this.#lookup(path, 'stat');
    if (node === GETTER) return recordStats(await this.#recordContent(), this.#tree.now());
    return nodeStats(this.#tree, node);
  }

  /** Same as {@link stat} (collections have no symlinks). */
  lstat(path: CollectionPath): Promise<CollectionStats> {
    return this.stat(path);
  }

  /** Resolves if `path` exists, else rejects with ENOENT (Node `access`). */
  async access(path: CollectionPath): Promise<void> {
    this.#lookup(path, 'access');
  }

  /**
   * Sorted entry names (or dirents). `.arvados#collection` is never listed. `encoding` (a string
   * or `{ encoding }`) as in node:fs: `'buffer'` gives each name's exact bytes, which is the only
   * lossless form for names that are not valid UTF-8; the default `'utf8'` decodes them.
   */
  async readdir(path: CollectionPath, options?: { withFileTypes?: false; encoding?: BufferEncoding | null } | BufferEncoding | null): Promise<string[]>;
  async readdir(path: CollectionPath, options: { withFileTypes?: false; encoding: 'buffer' } | 'buffer'): Promise<Buffer[]>;
  async readdir(path: CollectionPath, options: { withFileTypes: true; encoding?: BufferEncoding | null }): Promise<CollectionDirent[]>;
  async readdir(path: CollectionPath, options: { withFileTypes: true; encoding: 'buffer' }): Promise<CollectionDirent<Buffer>[]>;
  async readdir(
    path: CollectionPath,
    options?: { withFileTypes?: boolean; encoding?: ReaddirEncoding | null } | ReaddirEncoding | null,
  ): Promise<string[] | Buffer[] | CollectionDirent[] | CollectionDirent<Buffer>[]> {
    const o = typeof options === 'string' ? { encoding: options } : (options ?? {});
    const encoding = readdirEncoding(o.encoding);
    const node = this.#resolve(pathToByteString(path), 'scandir', path);
    const tree = this.#tree;
    if (node === GETTER || !tree.isDir(node)) throw fsError('ErrNotADirectory', 'scandir', path);
    if (o.withFileTypes !== true) {
      const names = tree.sortedNames(node);
      return encoding === 'utf8' ? names.map(fromByteString) : (names.map((n) => encodeName(n, encoding)) as string[] | Buffer[]);
    }
    const { names, nodes } = tree.sortedChildren(node);
    const parentPath = pathToDisplay(path);
    return names.map((n, i) => new CollectionDirent(encodeName(n, encoding), parentPath, tree.isDir(nodes[i] as number))) as CollectionDirent[] | CollectionDirent<Buffer>[];
  }

  // ---- namespace changes -----------------------------------------------------------------

  /**
   * Create a directory (mode default 0o755). With `recursive`, create missing parents and
   * return the first directory created (undefined if none).
   * @throws FsError EEXIST, ENOENT (parent), ENOTDIR, EINVAL (`""`, `.`, `..`)
   */
  async mkdir(path: CollectionPath, options?: { recursive?: boolean; mode?: number } | number): Promise<string | undefined> {
    const o = typeof options === 'number' ? { mode: options } : (options ?? {});
    const mode = (o.mode ?? 0o755) & 0o7777;
    const tree = this.#tree;
    const pathB = pathToByteString(path);
    if (o.recursive === true) {
      const { parts } = cleanComponents(pathB);
      let node = tree.root;
      let first: string | undefined;
      const done: string[] = [];
      for (const name of parts) {
        done.push(name);
        let child = tree.childOf(node, name);
        if (child < 0) {
          if (node === tree.root && name === COLLECTION_RECORD_NAME) throw fsError('ErrExist', 'mkdir', path);
          child = tree.newDir(name, mode, this.#tree.now());
          tree.link(node, name, child);
          tree.touch(node);
          first ??= fromByteString(done.join('/'));
        } else if (!tree.isDir(child)) {
          throw fsError(done.length === parts.length ? 'ErrExist' : 'ErrNotADirectory', 'mkdir', path);
        }
        node = child;
      }
      return first;
    }
    const { dir, base } = splitPath(pathB);
    const parent = this.#resolve(dir, 'mkdir', path);
    if (base === '' || base === '.' || base === '..') throw fsError('ErrInvalidArgument', 'mkdir', path);
    if (tree.childOf(parent, base) >= 0 || (parent === tree.root && base === COLLECTION_RECORD_NAME)) throw fsError('ErrExist', 'mkdir', path);
    const now = this.#tree.now();
    const node = tree.newDir(base, mode, now);
    tree.link(parent, base, node);
    tree.touch(parent, now);
    return undefined;
  }

  /** Go `remove`: `recursive` removes non-empty directories too. */
  #remove(path: CollectionPath, recursive: boolean, syscall: string, want?: 'file' | 'dir'): void {
    const { dir, base } = splitPath(trimTrailingSlashes(pathToByteString(path)));
    if (base === '' || base === '.' || base === '..') throw fsError('ErrInvalidArgument', syscall, path);
    const tree = this.#tree;
    const parent = this.#resolve(dir, syscall, path);
    const node = tree.childOf(parent, base);
    if (node < 0) {
      if (parent === tree.root && base === COLLECTION_RECORD_NAME) throw fsError('ErrInvalidOperation', syscall, path);
      throw fsError('ErrNotExist', syscall, path);
    }
    const isDir = tree.isDir(node);
    if (want === 'file' && isDir) throw new FsError('ErrInvalidOperation', syscall, path);
    if (want === 'dir' && !isDir) throw fsError('ErrNotADirectory', syscall, path);
    if (!recursive && isDir && tree.childCount(node) > 0) throw fsError('ErrDirectoryNotEmpty', syscall, path);
    tree.unlink(parent, base);
  }

  /**
   * Remove a file or directory. Without `recursive` a directory must be empty (as in the Go
   * SDK's Remove); with `force` a missing path is not an error.
   */
  async rm(path: CollectionPath, options: RmOptions = {}): Promise<void> {
    try {
      this.#remove(path, options.recursive === true, 'rm');
    } catch (err) {
      if (options.force === true && err instanceof FsError && err.code === 'ENOENT') return;
      throw err;
    }
  }

  /** Remove an empty directory. @throws FsError ENOTDIR, ENOTEMPTY, ENOENT */
  async rmdir(path: CollectionPath): Promise<void> {
    this.#remove(path, false, 'rmdir', 'dir');
  }

  /** Remove a file. @throws FsError ENOTSUP (directory), ENOENT */
  async unlink(path: CollectionPath): Promise<void> {
    this.#remove(path, false, 'unlink', 'file');
  }

  /**
   * Go `Rename`: move/rename a file or directory; `to` ending in `/` means "into that
   * directory". An existing file at `to` is replaced; an existing directory is an error (EISDIR).
   * Renaming a file onto itself is a no-op (keepfs does not reproduce the Go SDK's data loss).
   */
  async rename(from: CollectionPath, to: CollectionPath): Promise<void> {
    const tree = this.#tree;
    const src = splitPath(pathToByteString(from));
    if (src.base === '' || src.base === '.' || src.base === '..') throw fsError('ErrInvalidArgument', 'rename', from);
    const oldDir = this.#resolveWrapped(src.dir, from);
    const dst = splitPath(pathToByteString(to));
    if (dst.base === '.' || dst.base === '..') throw fsError('ErrInvalidArgument', 'rename', to);
    const newName = dst.base === '' ? src.base : dst.base;
    const newDir = this.#resolveWrapped(dst.dir, to);
    const node = tree.childOf(oldDir, src.base);
    if (node < 0) {
      if (oldDir === tree.root && src.base === COLLECTION_RECORD_NAME) return;
      throw fsError('ErrNotExist', 'rename', from);
    }
    if (tree.isAncestor(node, newDir)) throw fsError('ErrInvalidArgument', 'rename', from);
    const existing = tree.childOf(newDir, newName);
    if (existing >= 0 && tree.isDir(existing)) throw fsError('ErrIsDirectory', 'rename', to);
    if (existing === node) return;
    tree.unlink(oldDir, src.base);
    tree.link(newDir, newName, node);
    tree.touch(newDir);
  }

  /** Resolve a rename parent like Go's `openFile(dir + ".")`, wrapping errors as `"<dir>": <err>`. */
  #resolveWrapped(dirB: string, userPath: CollectionPath): number {
    try {
      const node = this.#resolve(dirB, 'rename', userPath);
      if (node === GETTER || !this.#tree.isDir(node)) throw fsError('ErrNotADirectory', 'rename', userPath);
      return node;
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      throw fsError(err.goSentinel, 'rename', userPath, { goMessage: `${goQuote(dirB)}: ${err.goMessage}` });
    }
  }

  /**
   * Copy a file without copying stored data (segments are shared; unflushed data is copied).
   * `mode` `fs.constants.COPYFILE_EXCL` (1) refuses an existing destination.
   */
  async copyFile(src: CollectionPath, dest: CollectionPath, mode = 0): Promise<void> {
    const from = this.#resolve(pathToByteString(src), 'copyfile', src);
    const tree = this.#tree;
    if (from === GETTER || tree.isDir(from)) throw fsError('ErrInvalidOperation', 'copyfile', src);
    const snap = takeSnapshot(tree, from);
    const flags = O_WRONLY | O_CREAT | ((mode & 1) !== 0 ? O_EXCL : 0);
    const target = this.#openNode(dest, flags, 0o644, 'copyfile');
    if (target === GETTER || tree.isDir(target)) throw fsError('ErrIsDirectory', 'copyfile', dest);
    const copy = materialize(tree, snap, tree.nameOf(target));
    const parent = tree.parentOf(target);
    tree.link(parent, tree.nameOf(target), copy);
    tree.touch(copy);
    tree.touch(parent);
  }

  // ---- snapshot / splice -----------------------------------------------------------------

  /** Go `Snapshot`: a detached deep copy of the file or directory at `path`. */
  async snapshot(path: CollectionPath): Promise<CollectionSnapshot> {
    const node = this.#openNode(path, O_RDONLY, 0, 'snapshot');
    if (node === GETTER) throw fsError('ErrInvalidOperation', 'snapshot', path);
    return new CollectionSnapshot(takeSnapshot(this.#tree, node));
  }

  /**
   * Go `Splice`: put a copy of `snapshot` at `path` (from this or another CollectionFS). A
   * missing target is created (its parent must exist); a directory target keeps its identity
   * and takes the copy's children; a file target is replaced. A file cannot replace the root.
   */
  async splice(path: CollectionPath, snapshot: CollectionSnapshot): Promise<void> {
    const tree = this.#tree;
    let target: number;
    try {
      target = this.#openNode(path, O_WRONLY, 0, 'splice');
    } catch (err) {
      if (!(err instanceof FsError) || err.code !== 'ENOENT') throw err;
      try {
        target = this.#openNode(path, O_WRONLY | O_CREAT, 0o700, 'splice');
      } catch (err2) {
        if (!(err2 instanceof FsError)) throw err2;
        throw fsError(err2.goSentinel, 'splice', path, { goMessage: `open ${pathToDisplay(path)}: ${err2.goMessage}` });
      }
    }
    if (target === GETTER) throw fsError('ErrInvalidOperation', 'splice', path);
    const snap = snapshot.root;
    if (tree.isDir(target)) {
      if (snap.kind === 'dir') {
        const copy = materialize(tree, snap, tree.nameOf(target));
        tree.takeChildren(target, copy);
        return;
      }
      if (target === tree.root) {
        throw fsError('ErrInvalidOperation', 'splice', path, { goMessage: 'cannot use Splice to replace a top-level directory with a file: invalid operation' });
      }
    }
    const parent = tree.parentOf(target);
    const name = tree.nameOf(target);
    const copy = materialize(tree, snap, name);
    tree.link(parent, name, copy);
  }

  // ---- streams ---------------------------------------------------------------------------

  /** A Node Readable over a file (`start`/`end` inclusive, as in node:fs). */
  createReadStream(path: CollectionPath, options: { start?: number; end?: number; highWaterMark?: number } = {}): Readable {
    // A bad path type throws now, as in node:fs, not on the first read.
    checkPathArg(path);
    const start = options.start ?? 0;
    const end = options.end ?? Number.POSITIVE_INFINITY;
    const chunk = options.highWaterMark ?? 64 * 1024;
    const open = (): Promise<CollectionFileHandle> => this.open(path, 'r');
    return Readable.from(
      (async function* () {
        const h = await open();
        try {
          let pos = start;
          while (pos <= end) {
            const want = Math.min(chunk, end - pos + 1);
            const { bytesRead, buffer } = await h.read(Buffer.alloc(want), 0, want, pos);
            if (bytesRead === 0) return;
            pos += bytesRead;
            yield buffer.subarray(0, bytesRead);
          }
        } finally {
          await h.close();
        }
      })(),
      { objectMode: false },
    );
  }

  /** A Node Writable that writes sequentially to a file (default flag `w`). */
  createWriteStream(path: CollectionPath, options: { flags?: OpenFlags; start?: number } = {}): Writable {
    checkPathArg(path);
    let handle: CollectionFileHandle | undefined;
    let pos = options.start;
    const getHandle = async (): Promise<CollectionFileHandle> => (handle ??= await this.open(path, options.flags ?? 'w'));
    return new Writable({
      write(chunk: Buffer, _enc, cb): void {
        getHandle()
          .then(async (h) => {
            const { bytesWritten } = await h.write(chunk, 0, chunk.length, pos ?? null);
            if (pos !== undefined) pos += bytesWritten;
          })
          .then(() => cb(), cb);
      },
      final(cb): void {
        getHandle()
          .then((h) => h.close())
          .then(() => cb(), cb);
      },
    });
  }

  // ---- keepfs-specific -------------------------------------------------------------------

  /**
   * Upload buffered data (Go `Flush`). With no path (or `""`) the whole tree, otherwise only the
   * files directly in directory `path`. Without `shortBlocks` the last partial block of each
   * directory stays in memory. Resolves when the uploads it started have finished.
   * @throws FsError ENOENT/ENOTDIR; the first upload error (data stays in memory)
   */
  async flush(path: CollectionPath = '', options: { shortBlocks?: boolean } = {}): Promise<void> {
    const mode = { sync: false, shortBlocks: options.shortBlocks === true };
    const pathB = pathToByteString(path);
    if (pathB === '') return this.#core.flush(this.#tree.root, undefined, mode);
    const node = this.#resolve(pathB, 'flush', path);
    if (node === GETTER || !this.#tree.isDir(node)) throw fsError('ErrNotADirectory', 'flush', path);
    const all = this.#tree.sortedChildren(node);
    const names: string[] = [];
    const nodes: number[] = [];
    all.nodes.forEach((child, i) => {
      if (!this.#tree.isFile(child)) return;
      names.push(all.names[i] as string);
      nodes.push(child);
    });
    return this.#core.flush(node, { names, nodes }, mode);
  }

  /** Resolves once every background block upload has settled (uploads may be started by writes). */
  whenIdle(): Promise<void> {
    return this.#core.writer.idle();
  }

  /**
   * The manifest (UTF-8 string) after uploading all buffered data; the same bytes as the Go
   * SDK's `MarshalManifest(prefix)`. @throws the upload error if a block cannot be stored
   */
  async marshalManifest(prefix = '.'): Promise<string> {
    return Buffer.from(await this.#core.marshal(toByteString(prefix))).toString('utf8');
  }

  /** Like {@link marshalManifest}, as bytes (lossless for non-UTF-8 names). */
  marshalManifestBytes(prefix = '.'): Promise<Uint8Array> {
    return this.#core.marshal(toByteString(prefix));
  }

  /** Portable data hash of the current content (flushes buffered data). */
  async portableDataHash(): Promise<string> {
    return portableDataHash(await this.#core.marshal('.'));
  }

  /** Total bytes of all files. */
  size(): number {
    return this.#tree.totalSize(this.#tree.root);
  }

  /** The Go SDK's memory estimate: 64 per node and segment, plus buffered bytes and locator lengths. */
  memorySize(): number {
    return this.#tree.memorySize(this.#tree.root);
  }

  /** Background upload errors not yet recovered by a successful marshal/sync. */
  get pendingErrors(): readonly unknown[] {
    return this.#core.writer.asyncErrors;
  }

  /** Save through the `source` (see {@link SyncSupport.sync}); a no-op without a source. */
  sync(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#sync.sync(options);
  }

  /**
   * Go `ReplaceSegments`: point stored segments at other blocks (`"loc off len"` → `"loc off len"`).
   * Entries whose source matches no whole stored segment are skipped with every entry targeting
   * the same replacement block; the rest is validated before anything changes.
   * @returns true if any segment changed
   * @throws KeepError ERR_INVALID_ARGUMENT with the reference's texts
   */
  async replaceSegments(map: ReplacementMapInput): Promise<boolean> {
    return replaceTreeSegments(this.#tree, map) > 0;
  }

  /**
   * Go `Repack`: merge small stored blocks into bigger ones (reference planning rules) and apply
   * the result locally; the next `sync()` sends it as `replaceSegments`. Only stored data is
   * considered. @returns distinct segments replaced (dryRun: number of planned groups)
   */
  async repack(options: RepackOptions = {}): Promise<number> {
    const { count, mapping } = await repackTree(this.#tree, this.#tree.root, this.#core.store, options);
    if (mapping.size > 0) this.#sync.addRepackResults(mapping);
    return count;
  }

  /** Signature tracking state (guessed TTL, refresh count) and background refresh errors. */
  get signatures(): SyncSupport {
    return this.#sync;
  }

  /** @internal Access for SyncSupport and the repack integration. */
  get core(): FsCore {
    return this.#core;
  }
}
